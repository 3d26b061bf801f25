// Flat-sky geometry: the gnomonic (TAN) projection about a patch centre and the checks of a patch given
// explicitly (the patch covering a catalogue is in flat_footprint.hpp). Internal frame: x = +RA (East), y =
// +Dec (North), in degrees on the tangent plane; these are exactly the FITS TAN intermediate world
// coordinates.
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>

#include "distributed/communicator.hpp"
#include "pipeline/core/flat_grid.hpp"
#include "pipeline/core/shear_catalogue.hpp"

namespace lofimap::pipeline {

struct PlaneXY {
  double x_deg = 0, y_deg = 0;
  bool valid = true;  // false on the far hemisphere (cos c <= 0)
};

PlaneXY gnomonic_project(const TangentPoint& centre, double ra_deg, double dec_deg);

// The same projection with the tangent point's trigonometry computed once (the hot loop of binning).
// Inline: it runs once per galaxy in binning.
class GnomonicProjector {
 public:
  explicit GnomonicProjector(const TangentPoint& centre)
      : ra0_rad_(centre.ra_deg * kRadPerDeg),
        sin_d0_(std::sin(centre.dec_deg * kRadPerDeg)),
        cos_d0_(std::cos(centre.dec_deg * kRadPerDeg)) {}
  PlaneXY operator()(double ra_deg, double dec_deg) const {
    double sin_dra = 0, cos_dra = 0, sin_d = 0, cos_d = 0;
    ::sincos(ra_deg * kRadPerDeg - ra0_rad_, &sin_dra, &cos_dra);
    ::sincos(dec_deg * kRadPerDeg, &sin_d, &cos_d);
    const double cos_c = sin_d0_ * sin_d + cos_d0_ * cos_d * cos_dra;
    const double scale = 1.0 / (cos_c * kRadPerDeg);
    return {cos_d * sin_dra * scale, (cos_d0_ * sin_d - sin_d0_ * cos_d * cos_dra) * scale, cos_c > 0};
  }
  // The same for n points at once (binning loops): x, y [deg]; x is NaN for a point on the far hemisphere.
  // With AVX2 the sines and cosines come four at a time from glibc's vector math library (libmvec, within 4
  // ulp: a point moves by < 1e-12 deg), which took the projection from a fifth of a 10^7-row ingest to a
  // twentieth; without AVX2, the scalar operator() per point.
  void project(const double* ra_deg, const double* dec_deg, std::size_t n, double* x_deg,
               double* y_deg) const;

 private:
  static constexpr double kRadPerDeg = std::numbers::pi / 180.0;
  double ra0_rad_, sin_d0_, cos_d0_;
};
// The angle psi (radians, from the plane's +y axis towards +x) by which the projection turns the local (East,
// North) frame at (ra, dec): the rotation of the polar decomposition J = P R of its Jacobian, i.e. what is
// left once the symmetric stretch P (sec^2 of the angle from the tangent point along the radius, sec across
// it) is taken out. A spin-2 quantity gamma in the local frame is gamma * exp(-2 i psi) in the plane's, and
// the plane's stretch is then symmetric in that frame (what tangent_plane_kaiser_squires assumes). Near the
// tangent point it is the angle of the image of North; 4.5 deg away the two differ by up to ~r^2/4 = 1.5e-3
// rad.
double gnomonic_frame_angle(const TangentPoint& centre, double ra_deg, double dec_deg);
void gnomonic_deproject(const TangentPoint& centre, double x_deg, double y_deg, double& ra_deg,
                        double& dec_deg);

// Validates a patch given explicitly; throws std::invalid_argument naming the option.
void validate_patch(const FlatGrid& patch);

}  // namespace lofimap::pipeline
