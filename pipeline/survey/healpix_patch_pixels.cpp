#include "pipeline/survey/healpix_patch_pixels.hpp"

#include <healpix_base.h>
#include <pointing.h>
#include <rangeset.h>

#include <cmath>
#include <numbers>

#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"

namespace lofimap::pipeline {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
}  // namespace

std::vector<long long> sphere_pixels_in_patch(long nside, const FlatGrid& patch) {
  validate_nside(nside);
  const Healpix_Base2 base(nside, RING, SET_NSIDE);
  const double half_diag =
      0.5 * std::hypot(static_cast<double>(patch.nx), static_cast<double>(patch.ny)) * patch.pixel_deg();
  const double radius = std::atan(half_diag * kDeg) + base.max_pixrad();
  rangeset<int64> ranges;
  base.query_disc(pointing((90.0 - patch.centre.dec_deg) * kDeg, patch.centre.ra_deg * kDeg), radius, ranges);
  std::vector<long long> out;
  const GnomonicProjector project(patch.centre);
  for (size_t r = 0; r < ranges.nranges(); ++r)
    for (int64 p = ranges.ivbegin(r); p < ranges.ivend(r); ++p) {
      const pointing c = base.pix2ang(p);
      const auto xy = project(c.phi / kDeg, 90.0 - c.theta / kDeg);
      long ix = 0, iy = 0;
      if (xy.valid && patch.pixel_of(xy.x_deg, xy.y_deg, ix, iy)) out.push_back(p);
    }
  return out;
}

}  // namespace lofimap::pipeline
