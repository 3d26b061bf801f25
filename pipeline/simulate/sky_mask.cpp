#include "pipeline/simulate/sky_mask.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "io/fits_maps.hpp"
#include "pipeline/core/flat_grid_wcs.hpp"
#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"

namespace lofimap::pipeline {

struct SkyMask::Impl {
  SkyMaskSpec spec;
  io::HealpixMap healpix;
  io::FlatImage image;
  FlatGrid image_patch;
};

SkyMask::SkyMask(const SkyMaskSpec& spec) : impl_(new Impl) {
  impl_->spec = spec;
  if (!spec.healpix_file.empty())
    impl_->healpix = io::read_healpix_fits(spec.healpix_file, spec.healpix_column);
  if (!spec.image_file.empty()) {
    impl_->image = io::read_flat_fits(spec.image_file, spec.image_extname);
    const auto& g = impl_->image.grid;
    impl_->image_patch = flat_grid(g);
  }
  if (spec.dec_range && !(spec.dec_range->first < spec.dec_range->second))
    throw std::invalid_argument("--dec-range: give MIN MAX with MIN < MAX");
  if (spec.disc && (spec.disc->size() != 3 || !((*spec.disc)[2] > 0)))
    throw std::invalid_argument("--disc: give RA DEC RADIUS with RADIUS > 0 (degrees)");
}

SkyMask::~SkyMask() = default;

SkyZone SkyMaskSpec::zone() const {
  constexpr double d2r = std::numbers::pi / 180;
  SkyZone z;
  if (dec_range) {
    z.z_lo = std::sin(std::clamp(dec_range->first, -90.0, 90.0) * d2r);
    z.z_hi = std::max(z.z_lo, std::sin(std::clamp(dec_range->second, -90.0, 90.0) * d2r));
  }
  if (ra_range) {
    const double lo = ra_range->first, hi = ra_range->second;
    z.phi_lo = lo * d2r;
    z.phi_width = std::max(0.0, lo <= hi ? hi - lo : 360 - (lo - hi)) * d2r;
  }
  if (disc && disc->size() == 3) {
    const double cos_r = std::cos(std::min((*disc)[2], 180.0) * d2r);
    if (2 * std::numbers::pi * (1 - cos_r) < z.area_sr())
      z.cap = true, z.ra0_deg = (*disc)[0], z.dec0_deg = (*disc)[1], z.cos_radius = cos_r;
  }
  return z;
}

double SkyMaskSpec::geometric_area_bound_deg2() const {
  constexpr double d2r = std::numbers::pi / 180;
  return std::min(4 * std::numbers::pi, zone().area_sr()) / (d2r * d2r);
}

const SkyMaskSpec& SkyMask::spec() const {
  return impl_->spec;
}

bool SkyMask::contains(double ra, double dec) const {
  const auto& s = impl_->spec;
  if (s.ra_range) {
    const double lo = s.ra_range->first, hi = s.ra_range->second;
    const bool in =
        lo <= hi ? (ra >= lo && ra <= hi) : (ra >= lo || ra <= hi);  // wraps through 0 when lo > hi
    if (!in) return false;
  }
  if (s.dec_range && (dec < s.dec_range->first || dec > s.dec_range->second)) return false;
  if (s.disc) {
    constexpr double d2r = std::numbers::pi / 180;
    const auto& d = *s.disc;
    const double c = std::sin(dec * d2r) * std::sin(d[1] * d2r) +
                     std::cos(dec * d2r) * std::cos(d[1] * d2r) * std::cos((ra - d[0]) * d2r);
    if (c < std::cos(d[2] * d2r)) return false;
  }
  if (!impl_->healpix.data.empty()) {
    const auto p = sphere_ang2pix(impl_->healpix.nside, ra, dec);
    if (!(impl_->healpix.data[static_cast<size_t>(p)] > 0)) return false;
  }
  if (!impl_->image.data.empty()) {
    const auto xy = gnomonic_project(impl_->image_patch.centre, ra, dec);
    long ix = 0, iy = 0;
    if (!xy.valid || !impl_->image_patch.pixel_of(xy.x_deg, xy.y_deg, ix, iy)) return false;
    if (!(impl_->image.data[static_cast<size_t>(iy * impl_->image_patch.nx + ix)] > 0)) return false;
  }
  return true;
}

}  // namespace lofimap::pipeline
