#include "pipeline/flat/flat_patch_settings.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <stdexcept>

#include "pipeline/flat/flat_footprint.hpp"
#include "pipeline/flat/flat_geometry.hpp"

namespace lofimap::pipeline {

void validate_flat_settings(const FlatKsSettings& f) {
  if (f.center_ra.has_value() != f.center_dec.has_value())
    throw std::invalid_argument("--center: give both RA and Dec");
  if (f.pixel_arcmin < 0 || (f.pixel_arcmin == 0 && f.npix == 0 && f.size_deg == 0) ||
      !std::isfinite(f.pixel_arcmin))
    throw std::invalid_argument("--pixel: pixel scale must be > 0 arcmin (or give --npix)");
  if (f.npix < 0 || (f.npix > 0 && f.npix < 4)) throw std::invalid_argument("--npix: must be >= 4");
  if (!(f.size_deg >= 0 && std::isfinite(f.size_deg))) throw std::invalid_argument("--size: must be > 0 deg");
  // The patch has one side, pixel scale and pixel count: two of --size, --pixel, --npix fix the third, and
  // three could disagree (--size used to win silently over --npix).
  if (f.size_deg > 0 && f.npix > 0 && f.pixel_arcmin > 0)
    throw std::invalid_argument(
        "--size, --npix, --pixel: give two of them (the third follows), not all three");
  if (f.size_deg > 0 && !f.center_ra)
    throw std::invalid_argument("--size: give --center too (without it the patch covers the footprint)");
  if (f.center_ra && f.size_deg == 0 && (f.npix == 0 || f.pixel_arcmin == 0))
    throw std::invalid_argument("--center: also give --size, or both --npix and --pixel");
  if (!(f.pad >= 1)) throw std::invalid_argument("--pad: zero-padding factor must be >= 1");
}

std::optional<FlatGrid> explicit_flat_patch(const FlatKsSettings& f) {
  if (f.grid) return f.grid;
  if (!f.center_ra) return std::nullopt;
  FlatGrid patch;
  patch.centre = {*f.center_ra, *f.center_dec};
  if (f.size_deg > 0 && f.pixel_arcmin > 0) {
    patch.pixel_arcmin = f.pixel_arcmin;
    patch.nx = patch.ny = static_cast<long>(std::ceil(f.size_deg * 60.0 / f.pixel_arcmin - 1e-9));
  } else if (f.size_deg > 0) {
    patch.nx = patch.ny = f.npix;
    patch.pixel_arcmin = f.size_deg * 60.0 / static_cast<double>(f.npix);
  } else {
    patch.nx = patch.ny = f.npix;
    patch.pixel_arcmin = f.pixel_arcmin;
  }
  validate_patch(patch);
  return patch;
}

FlatGrid resolve_flat_patch(const FlatKsSettings& f, const ShearCatalogue& g,
                            const distributed::Communicator& comm) {
  if (const auto given = explicit_flat_patch(f)) return *given;
  const auto footprint = patch_covering(g, f.npix > 0 && f.pixel_arcmin == 0 ? 0.0 : f.pixel_arcmin,
                                        f.pixel_arcmin == 0 ? f.npix : 0, comm);
  FlatGrid patch = footprint.grid;
  if (footprint.left_out > 0 && comm.is_root())
    spdlog::warn(
        "footprint: {} of {} galaxies lie far outside the bulk of the catalogue (e.g. {}) and are left out "
        "of the patch; give --center and --size to include them",
        footprint.left_out, footprint.galaxies, footprint.left_out_example);
  if (f.npix > 0 && f.pixel_arcmin > 0) patch.nx = patch.ny = f.npix;  // centred on the footprint
  validate_patch(patch);
  return patch;
}

}  // namespace lofimap::pipeline
