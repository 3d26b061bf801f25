#include "pipeline/survey/sky_regions.hpp"

#include <healpix_base.h>
#include <pointing.h>
#include <rangeset.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "pipeline/sphere/sphere_geometry.hpp"

namespace lofimap::pipeline {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
Healpix_Base2 nested(long nside) {
  return Healpix_Base2(nside, NEST, SET_NSIDE);
}
pointing direction(double ra_deg, double dec_deg) {
  return pointing((90.0 - dec_deg) * kDeg, ra_deg * kDeg);
}
}  // namespace

SkyRegions::SkyRegions(long region_nside, double margin_deg, double pixel_arcmin)
    : nside_(region_nside), margin_deg_(margin_deg), pixel_arcmin_(pixel_arcmin) {
  validate_nside(region_nside);
  if (!(margin_deg >= 0 && margin_deg < 20)) throw std::invalid_argument("--margin: must lie in [0, 20) deg");
  if (!(pixel_arcmin > 0 && std::isfinite(pixel_arcmin))) throw std::invalid_argument("--pixel: must be > 0");
  radius_deg_ = nested(region_nside).max_pixrad() / kDeg;
  if (2 * (radius_deg_ + margin_deg) > 60)
    throw std::invalid_argument(
        "--regions " + std::to_string(region_nside) +
        ": regions plus margin span more than 60 deg; use a finer region nside (2 or more)");
}

long long SkyRegions::region_of(double ra_deg, double dec_deg) const {
  return nested(nside_).ang2pix(direction(ra_deg, dec_deg));
}

void SkyRegions::regions_near(double ra_deg, double dec_deg, std::vector<long long>& out,
                              double extra_deg) const {
  out.clear();
  rangeset<int64> ranges;
  nested(nside_).query_disc_inclusive(direction(ra_deg, dec_deg), (margin_deg_ + extra_deg) * kDeg, ranges);
  for (size_t r = 0; r < ranges.nranges(); ++r)
    for (int64 p = ranges.ivbegin(r); p < ranges.ivend(r); ++p) out.push_back(p);
}

TangentPoint SkyRegions::centre(long long region) const {
  const pointing c = nested(nside_).pix2ang(region);
  return {c.phi / kDeg, 90.0 - c.theta / kDeg};
}

FlatGrid SkyRegions::grid(long long region) const {
  // Half-side: tan of the angular radius (a gnomonic plane stretches away from the centre), plus two pixels.
  const double half_deg = std::tan((radius_deg_ + margin_deg_) * kDeg) / kDeg + 2 * pixel_arcmin_ / 60.0;
  const long n = 2 * static_cast<long>(std::ceil(half_deg * 60.0 / pixel_arcmin_));
  return FlatGrid::square(n, pixel_arcmin_, centre(region));
}

void SkyRegions::output_range(long long region, long out_nside, long long& first, long long& last) const {
  if (out_nside < nside_ || out_nside % nside_ != 0)
    throw std::invalid_argument("--nside: the output nside must be a multiple of the region nside");
  const long long factor = (static_cast<long long>(out_nside) / nside_) * (out_nside / nside_);
  first = region * factor;
  last = (region + 1) * factor;
}

}  // namespace lofimap::pipeline
