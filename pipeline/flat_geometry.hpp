// Flat-sky geometry: the gnomonic (TAN) projection about a patch centre, the pixel grid of a patch, and the
// patch that covers a catalogue. Internal frame: x = +RA (East), y = +Dec (North), in degrees on the tangent
// plane; these are exactly the FITS TAN intermediate world coordinates.
#pragma once

#include <cmath>
#include <numbers>

#include "distributed/communicator.hpp"
#include "pipeline/shear_catalogue.hpp"

namespace lofimap::pipeline {

struct TangentPoint {
  double ra_deg = 0, dec_deg = 0;
};

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

 private:
  static constexpr double kRadPerDeg = std::numbers::pi / 180.0;
  double ra0_rad_, sin_d0_, cos_d0_;
};
void gnomonic_deproject(const TangentPoint& centre, double x_deg, double y_deg, double& ra_deg, double& dec_deg);

// A square-pixel grid centred on the tangent point: pixel (ix, iy) has its centre at
// x = (ix - (nx - 1) / 2) * pixel, y = (iy - (ny - 1) / 2) * pixel.
struct FlatPatch {
  TangentPoint centre;
  double pixel_arcmin = 1;
  long nx = 0, ny = 0;
  double pixel_deg() const { return pixel_arcmin / 60.0; }
  double x_of(long ix) const { return (static_cast<double>(ix) - 0.5 * static_cast<double>(nx - 1)) * pixel_deg(); }
  double y_of(long iy) const { return (static_cast<double>(iy) - 0.5 * static_cast<double>(ny - 1)) * pixel_deg(); }
  // Pixel containing (x, y), or false when outside the grid. (Inline: once per galaxy in binning.)
  bool pixel_of(double x_deg, double y_deg, long& ix, long& iy) const {
    const double fx = x_deg / pixel_deg() + 0.5 * static_cast<double>(nx);
    const double fy = y_deg / pixel_deg() + 0.5 * static_cast<double>(ny);
    if (!(fx >= 0 && fy >= 0 && fx < static_cast<double>(nx) && fy < static_cast<double>(ny))) return false;
    ix = static_cast<long>(fx);
    iy = static_cast<long>(fy);
    return true;
  }
};

// The patch covering every galaxy of the (distributed) catalogue: centre at the middle of the projected extent
// (RA wrap-around handled). Give the pixel scale (grid size follows from the extent plus one pixel) or the
// number of pixels per side npix (square grid, pixel scale chosen so the footprint just fits); the other is 0.
FlatPatch patch_covering(const ShearCatalogue& local, double pixel_arcmin, long npix,
                         const distributed::Communicator& comm);

// Validates a patch given explicitly; throws std::invalid_argument naming the option.
void validate_patch(const FlatPatch& patch);

}  // namespace lofimap::pipeline
