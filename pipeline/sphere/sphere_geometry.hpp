// HEALPix pixel geometry (RING ordering) for callers that must not include HEALPix headers (they define
// macros and global names such as RING and pi): nside checks and pixel <-> (RA, Dec) in degrees.
#pragma once

#include <array>

namespace lofimap::pipeline {

// Throws std::invalid_argument naming --nside unless nside is a power of two in [1, 8192].
void validate_nside(long nside);

long long sphere_ang2pix(long nside, double ra_deg, double dec_deg);
void sphere_pix2ang(long nside, long long pixel, double& ra_deg, double& dec_deg);

// The unit vector (x, y, z) of a direction in equatorial coordinates: x towards RA 0, z towards the pole.
std::array<double, 3> radec_unit_vector(double ra_deg, double dec_deg);

// Points uniform by area in the cap of cos(angular radius) = cos_radius about (ra0, dec0), from two uniform
// deviates: cos(distance from the centre) = 1 - u1 (1 - cos_radius), position angle 2 pi u2 from East
// through North. The one cap sampler of the simulations (haloes and galaxies).
class CapSampler {
 public:
  CapSampler(double ra0_deg, double dec0_deg, double cos_radius);
  void point(double u1, double u2, double& ra_deg, double& dec_deg) const;

 private:
  std::array<double, 3> centre_, east_, north_;  // an orthonormal frame: the centre and its tangent plane
  double cos_radius_;
};

}  // namespace lofimap::pipeline
