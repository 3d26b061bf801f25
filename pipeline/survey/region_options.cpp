#include "pipeline/survey/region_options.hpp"

#include <stdexcept>
#include <string>

#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/survey/sky_regions.hpp"

namespace lofimap::pipeline {

void validate_region_options(const RegionOptions& r, long out_nside, double pixel_arcmin, double pad) {
  if (r.nside < 1 || r.nside > 1024 || (r.nside & (r.nside - 1)) != 0)
    throw std::invalid_argument("--regions: the region nside must be a power of two between 1 and 1024, got " +
                                std::to_string(r.nside));
  validate_nside(out_nside);
  if (out_nside < r.nside)
    throw std::invalid_argument("--nside: the output nside must be at least the region nside (--regions)");
  if (!(pad >= 1)) throw std::invalid_argument("--pad: zero-padding factor must be >= 1");
  if (pixel_arcmin != 0 && !(pixel_arcmin > 0))
    throw std::invalid_argument("--pixel: the regions' input pixel must be > 0 arcmin");
  SkyRegions(r.nside, r.margin_deg, pixel_arcmin > 0 ? pixel_arcmin : 1.0);  // margin and size in range
  if (!(r.memory_gib >= 1e-4 && r.memory_gib <= 1e6))
    throw std::invalid_argument("--region-memory: between 0.0001 and 1,000,000 GiB, got " +
                                std::to_string(r.memory_gib));
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
