#include "pipeline/survey/sky_regions.hpp"

#include "pipeline/flat/flat_kaiser_squires.hpp"

#include <healpix_base.h>
#include <pointing.h>
#include <rangeset.h>

#include <algorithm>
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
        ": regions plus margin span more than 60 deg; use a finer region nside or a smaller --margin");
}

long long SkyRegions::region_of(double ra_deg, double dec_deg) const {
  return nested(nside_).ang2pix(direction(ra_deg, dec_deg));
}

void SkyRegions::regions_near(double ra_deg, double dec_deg, std::vector<long long>& out,
                              double extra_deg) const {
  out.clear();
  // HEALPix's inclusive query at the region nside adds a whole region radius to the disc (a 1 deg margin
  // would reach regions 5 deg away): the disc is covered by the pixels of a 16x finer NESTED grid whose
  // centres lie in it (plus the point's own), and their parent regions are listed. Exact to a fine pixel.
  const long fine_nside = std::min(8192L, nside_ * 16);
  int shift = 0;
  while ((nside_ << (shift / 2 + 1)) <= fine_nside) shift += 2;
  const Healpix_Base2 fine(fine_nside, NEST, SET_NSIDE);
  rangeset<int64> ranges;
  fine.query_disc(direction(ra_deg, dec_deg), (margin_deg_ + extra_deg) * kDeg, ranges);
  out.push_back(region_of(ra_deg, dec_deg));
  for (size_t r = 0; r < ranges.nranges(); ++r)
    for (int64 first = ranges.ivbegin(r) >> shift, last = (ranges.ivend(r) - 1) >> shift, p = first;
         p <= last; ++p)
      out.push_back(p);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

TangentPoint SkyRegions::centre(long long region) const {
  const pointing c = nested(nside_).pix2ang(region);
  return {c.phi / kDeg, 90.0 - c.theta / kDeg};
}

long SkyRegions::grid_side() const {
  // Half-side: tan of the angular radius (a gnomonic plane stretches away from the centre), plus two pixels.
  const double half_deg = std::tan((radius_deg_ + margin_deg_) * kDeg) / kDeg + 2 * pixel_arcmin_ / 60.0;
  const double half_pixels = std::ceil(half_deg * 60.0 / pixel_arcmin_);
  if (!(half_pixels < (1 << 23))) return 0;
  // The side is rounded up to an even size with no prime factor above 7: the region's FFTs (KS padding, the
  // periodic Wiener channel) then run on FFTW's fast radices (a 580-pixel side, 4 x 5 x 29, becomes 588).
  long n = 2 * static_cast<long>(half_pixels);
  while ((n = padded_fft_size(n, 1.0)) % 2 != 0) ++n;
  return n;
}

double SkyRegions::grid_reach_deg() const {
  // A galaxy reaches the regions whose fine (1/16) pixels lie within the margin plus a fine pixel's radius
  // (regions_near), so their centres lie within margin + 17/16 region radii; a grid's corner lies
  // atan(sqrt(2) h) from its centre on the sky, h its half side in tangent-plane units.
  const double half = 0.5 * static_cast<double>(grid_side()) * pixel_arcmin_ / 60.0 * kDeg;
  return margin_deg_ + 17.0 / 16.0 * radius_deg_ + std::atan(std::sqrt(2.0) * half) / kDeg;
}

FlatGrid SkyRegions::grid(long long region) const {
  return FlatGrid::square(grid_side(), pixel_arcmin_, centre(region));
}

void SkyRegions::output_range(long long region, long out_nside, long long& first, long long& last) const {
  if (out_nside < nside_ || out_nside % nside_ != 0)
    throw std::invalid_argument("--nside: the output nside must be a multiple of the region nside");
  const long long factor = (static_cast<long long>(out_nside) / nside_) * (out_nside / nside_);
  first = region * factor;
  last = (region + 1) * factor;
}

}  // namespace lofimap::pipeline
