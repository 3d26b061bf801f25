#include "pipeline/sphere/sphere_geometry.hpp"

#include <healpix_base.h>
#include <pointing.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace lofimap::pipeline {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
}  // namespace

void validate_nside(long nside) {
  if (nside < 1 || nside > 8192 || (nside & (nside - 1)) != 0)
    throw std::invalid_argument("--nside: must be a power of two between 1 and 8192 (got " +
                                std::to_string(nside) + ")");
}

long long sphere_ang2pix(long nside, double ra_deg, double dec_deg) {
  Healpix_Base2 base(nside, RING, SET_NSIDE);
  return base.ang2pix(pointing((90.0 - dec_deg) * kDeg, ra_deg * kDeg));
}

void sphere_pix2ang(long nside, long long pixel, double& ra_deg, double& dec_deg) {
  Healpix_Base2 base(nside, RING, SET_NSIDE);
  const pointing p = base.pix2ang(pixel);
  ra_deg = p.phi / kDeg;
  dec_deg = 90.0 - p.theta / kDeg;
}

std::array<double, 3> radec_unit_vector(double ra_deg, double dec_deg) {
  const double ra = ra_deg * kDeg, dec = dec_deg * kDeg;
  return {std::cos(dec) * std::cos(ra), std::cos(dec) * std::sin(ra), std::sin(dec)};
}

CapSampler::CapSampler(double ra0_deg, double dec0_deg, double cos_radius)
    : centre_(radec_unit_vector(ra0_deg, dec0_deg)),
      east_(radec_unit_vector(ra0_deg + 90, 0)),
      cos_radius_(cos_radius) {
  const vec3 north = crossprod(vec3(centre_[0], centre_[1], centre_[2]), vec3(east_[0], east_[1], east_[2]));
  north_ = {north.x, north.y, north.z};
}

void CapSampler::point(double u1, double u2, double& ra_deg, double& dec_deg) const {
  const double cos_t = 1 - u1 * (1 - cos_radius_), phi = 2 * std::numbers::pi * u2;
  const double sin_t = std::sqrt(std::max(0.0, 1 - cos_t * cos_t));
  const double a = sin_t * std::cos(phi), b = sin_t * std::sin(phi);
  double v[3];
  for (int i = 0; i < 3; ++i) v[i] = centre_[i] * cos_t + east_[i] * a + north_[i] * b;
  ra_deg = std::atan2(v[1], v[0]) / kDeg;
  if (ra_deg < 0) ra_deg += 360;
  dec_deg = std::asin(std::clamp(v[2], -1.0, 1.0)) / kDeg;
}

}  // namespace lofimap::pipeline
