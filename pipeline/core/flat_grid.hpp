// The one flat pixel grid of the pipeline: a tangent point on the sky and nx x ny square pixels centred on
// it. Internal frame: x = +RA (East), y = +Dec (North) on the tangent plane; pixel (ix, iy) has its centre at
//   x = (ix - (nx - 1) / 2) * pixel,  y = (iy - (ny - 1) / 2) * pixel,
// and arrays on the grid are row-major [iy * nx + ix]. Simulated periodic fields use the same type (square,
// tangent point at RA = Dec = 0 unless placed on the sky).
#pragma once

#include <numbers>

namespace lofimap::pipeline {

struct TangentPoint {
  double ra_deg = 0, dec_deg = 0;
};

struct FlatGrid {
  TangentPoint centre;
  double pixel_arcmin = 1;
  long nx = 0, ny = 0;

  // Constructors rather than aggregate initialisation: {64, 1.0} must not silently mean a tangent point.
  FlatGrid() = default;
  FlatGrid(TangentPoint centre, double pixel_arcmin, long nx, long ny)
      : centre(centre), pixel_arcmin(pixel_arcmin), nx(nx), ny(ny) {}
  static FlatGrid square(long n, double pixel_arcmin, TangentPoint centre = {}) {
    return {centre, pixel_arcmin, n, n};
  }

  long pixels() const { return nx * ny; }
  double pixel_deg() const { return pixel_arcmin / 60.0; }
  double pixel_rad() const { return pixel_arcmin * std::numbers::pi / (180.0 * 60.0); }

  // Offset of (fractional) pixel index i from the grid centre along an axis of n pixels, in pixels.
  static double centre_offset(double i, long n) { return i - 0.5 * static_cast<double>(n - 1); }
  // Pixel-centre coordinates on the tangent plane, in degrees and in arcmin (fractional indices allowed).
  double x_of(long ix) const { return centre_offset(static_cast<double>(ix), nx) * pixel_deg(); }
  double y_of(long iy) const { return centre_offset(static_cast<double>(iy), ny) * pixel_deg(); }
  double x_arcmin(double ix) const { return centre_offset(ix, nx) * pixel_arcmin; }
  double y_arcmin(double iy) const { return centre_offset(iy, ny) * pixel_arcmin; }

  // Pixel containing (x, y) [deg], or false when outside the grid. (Inline: once per galaxy in binning.)
  bool pixel_of(double x_deg, double y_deg, long& ix, long& iy) const {
    const double fx = x_deg / pixel_deg() + 0.5 * static_cast<double>(nx);
    const double fy = y_deg / pixel_deg() + 0.5 * static_cast<double>(ny);
    if (!(fx >= 0 && fy >= 0 && fx < static_cast<double>(nx) && fy < static_cast<double>(ny))) return false;
    ix = static_cast<long>(fx);
    iy = static_cast<long>(fy);
    return true;
  }

  // Multipole range of a square grid: the fundamental 2 pi / L up to the Nyquist pi / pixel.
  double ell_min() const { return 2 * std::numbers::pi / (static_cast<double>(nx) * pixel_rad()); }
  double ell_max() const { return std::numbers::pi / pixel_rad(); }
};

// A square grid that can hold a simulated periodic field; throws std::invalid_argument naming --npix/--pixel.
void validate_grid(const FlatGrid& grid);

}  // namespace lofimap::pipeline
