#include "pipeline/sphere/sphere_geometry.hpp"

#include <healpix_base.h>
#include <pointing.h>

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

}  // namespace lofimap::pipeline
