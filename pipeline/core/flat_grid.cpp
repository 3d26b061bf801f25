#include "pipeline/core/flat_grid.hpp"

#include <cmath>
#include <stdexcept>

namespace lofimap::pipeline {

void validate_grid(const FlatGrid& g) {
  if (g.nx != g.ny) throw std::invalid_argument("--npix: simulated fields need a square grid");
  if (g.nx < 8 || g.nx > 32768) throw std::invalid_argument("--npix: grid side must lie in [8, 32768]");
  if (!(g.pixel_arcmin > 0) || !std::isfinite(g.pixel_arcmin))
    throw std::invalid_argument("--pixel: pixel scale must be > 0 arcmin");
  if (static_cast<double>(g.nx) * g.pixel_arcmin > 20 * 60)
    throw std::invalid_argument("--npix/--pixel: a flat field wider than 20 deg; use --sphere");
}

}  // namespace lofimap::pipeline
