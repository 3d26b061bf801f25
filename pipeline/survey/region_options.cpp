#include "pipeline/survey/region_options.hpp"

#include <sstream>
#include <stdexcept>
#include <string>

#include "pipeline/core/machine_resources.hpp"

#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/survey/sky_regions.hpp"

namespace lofimap::pipeline {

void validate_region_grid(const SkyRegions& regions, double pixel_arcmin, double pad,
                          const std::string& option) {
  // A region narrower than 4 pixels has no map to speak of (a 10 deg pixel gave a map of std 0.0026 where
  // 0.116 was right).
  const double width = 2 * regions.pixel_radius_deg() * 60 / pixel_arcmin;
  if (width < 4) {
    std::ostringstream s;
    s << option << " " << pixel_arcmin << ": a region (--regions " << regions.nside() << ") is only " << width
      << " pixels wide; give pixels below " << regions.pixel_radius_deg() * 30
      << " arcmin or coarser regions";
    throw std::invalid_argument(s.str());
  }
  // Each rank maps one region at a time: its binned grid (32 bytes a pixel), the estimate and its sampled
  // outputs (32), and the padded transforms (three complex buffers of pad^2 x 16 bytes).
  const long side = regions.grid_side();
  const double pixels = side > 0 ? static_cast<double>(side) * side : 1e30;
  std::ostringstream what;
  what << "a region's grid of " << (side > 0 ? std::to_string(side) : std::string("more than 16 million"))
       << " x " << (side > 0 ? std::to_string(side) : std::string("as many")) << " pixels (" << option << " "
       << pixel_arcmin << " over a region of nside " << regions.nside() << " plus its margin)";
  require_memory(pixels * (64 + 48 * pad * pad), what.str());
}

void validate_region_options(const RegionOptions& r, long out_nside, double pixel_arcmin, double pad) {
  if (r.nside < 1 || r.nside > 1024 || (r.nside & (r.nside - 1)) != 0)
    throw std::invalid_argument(
        "--regions: the region nside must be a power of two between 1 and 1024, got " +
        std::to_string(r.nside));
  validate_nside(out_nside);
  if (out_nside < r.nside)
    throw std::invalid_argument("--nside: the output nside must be at least the region nside (--regions)");
  if (!(pad >= 1)) throw std::invalid_argument("--pad: zero-padding factor must be >= 1");
  if (pixel_arcmin != 0 && !(pixel_arcmin > 0))
    throw std::invalid_argument("--pixel: the regions' input pixel must be > 0 arcmin");
  const SkyRegions regions(r.nside, r.margin_deg, pixel_arcmin > 0 ? pixel_arcmin : 1.0);  // margin, size
  if (pixel_arcmin > 0) validate_region_grid(regions, pixel_arcmin, pad, "--pixel");
  if (!(r.memory_gib >= 1e-4 && r.memory_gib <= 1e6)) {
    std::ostringstream got;
    got << r.memory_gib;
    throw std::invalid_argument("--region-memory: between 0.0001 and 1,000,000 GiB, got " + got.str());
  }
  if (r.tasks < 1 || r.task < 0 || r.task >= r.tasks)
    throw std::invalid_argument("--task: expected I/N with 0 <= I < N, got " + std::to_string(r.task) + "/" +
                                std::to_string(r.tasks));
  // The large-scale maps resolve sigma = margin / 4: below 0.25 deg they would need nside 8192 (25 GB to
  // bin).
  if (!r.box_large_scales && !(r.margin_deg >= 0.25))
    throw std::invalid_argument(
        "--margin: at least 0.25 deg with --large-scales sphere (it sets the scale the spherical map takes "
        "over); use --large-scales box for smaller margins");
}

}  // namespace lofimap::pipeline
