#include "pipeline/sphere/sphere_geometry.hpp"

#include <healpix_base.h>
#include <pointing.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>

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

CapSampler::CapSampler(double ra0_deg, double dec0_deg, double cos_radius) : cos_radius_(cos_radius) {
  const double ra = ra0_deg * kDeg, dec = dec0_deg * kDeg, ra_east = (ra0_deg + 90) * kDeg;
  const vec3 c(std::cos(dec) * std::cos(ra), std::cos(dec) * std::sin(ra), std::sin(dec));
  const vec3 east(std::cos(0.0) * std::cos(ra_east), std::cos(0.0) * std::sin(ra_east), std::sin(0.0));
  const vec3 north = crossprod(c, east);
  for (const auto& [dst, v] : {std::pair{centre_, c}, std::pair{east_, east}, std::pair{north_, north}})
    dst[0] = v.x, dst[1] = v.y, dst[2] = v.z;
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
