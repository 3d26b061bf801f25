#include "pipeline/flat/tangent_plane_kaiser_squires.hpp"

#include <cmath>
#include <stdexcept>

#include "pipeline/flat/flat_fourier.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"

namespace lofimap::pipeline {

using detail::cplx;

namespace {

// The transfer's Gaussians each weighted by its variance v_n and sign: sigma^2 G(sigma) - (sigma^2 +
// removed^2) G(sqrt(sigma^2 + removed^2)). Times -k_i k_j / 2 it is the transfer's change, per unit D_ij,
// when every Gaussian's covariance becomes v_n (I + D) instead of v_n I.
double variance_weighted_transfer(double k_sq, double sigma, double removed) {
  const double s2 = sigma * sigma, t2 = s2 + removed * removed;
  double w = sigma > 0 ? s2 * std::exp(-0.5 * k_sq * s2) : 0.0;
  if (removed > 0) w -= t2 * std::exp(-0.5 * k_sq * t2);
  return w;
}

}  // namespace

FlatFieldPair tangent_plane_kaiser_squires(const FlatFieldPair& shear, double pad, double sigma,
                                           double removed, double pixel_rad) {
  if (sigma < 0 || removed < 0) throw std::invalid_argument("tangent_plane_kaiser_squires: negative sigma");
  if (!(pixel_rad > 0)) throw std::invalid_argument("tangent_plane_kaiser_squires: pixel size must be > 0");
  // Without smoothing only the large-scale cut would be corrected: a few 1e-3 of the large scales at a
  // region's margin, for three more FFTs (a fifth of an unsmoothed region map's time): left as on the plane.
  if (!(sigma > 0)) return flat_kaiser_squires(shear, pad, 0.0, removed);
  detail::PaddedSpectrum spectrum(shear, pad);
  FlatFieldPair kappa = spectrum.filtered(
      [sigma, removed](double k1, double k2, bool nyquist) {
        return detail::ks_kernel(k1, k2, nyquist) * detail::ks_transfer(k1 * k1 + k2 * k2, sigma, removed);
      },
      false);
  // d_i d_j (-k_i k_j in Fourier space) of the variance-weighted transfer's map; k1 k2 is odd in each
  // component, so it is dropped at a Nyquist index (as D*'s odd term is).
  auto derivative = [&](int i, int j, bool last) {
    return spectrum.filtered(
        [=](double k1, double k2, bool nyquist) {
          if (nyquist && i != j) return cplx(0, 0);
          const double ki = i == 0 ? k1 : k2, kj = j == 0 ? k1 : k2;
          return detail::ks_kernel(k1, k2, nyquist) *
                 (-ki * kj * variance_weighted_transfer(k1 * k1 + k2 * k2, sigma, removed));
        },
        last);
  };
  const FlatFieldPair dxx = derivative(0, 0, false), dxy = derivative(0, 1, false),
                      dyy = derivative(1, 1, true);
  const long nx = shear.nx, ny = shear.ny;
#pragma omp parallel for schedule(static) if (nx * ny > (1L << 16))
  for (long iy = 0; iy < ny; ++iy) {
    const double v = (static_cast<double>(iy) - 0.5 * static_cast<double>(ny - 1)) * pixel_rad;
    for (long ix = 0; ix < nx; ++ix) {
      const double u = (static_cast<double>(ix) - 0.5 * static_cast<double>(nx - 1)) * pixel_rad;
      const double r2 = u * u + v * v;
      const double d_xx = u * u * (2 + r2) + v * v, d_xy = u * v * (1 + r2), d_yy = v * v * (2 + r2) + u * u;
      const size_t k = static_cast<size_t>(iy * nx + ix);
      kappa.a[k] += 0.5 * (d_xx * dxx.a[k] + 2 * d_xy * dxy.a[k] + d_yy * dyy.a[k]);
      kappa.b[k] += 0.5 * (d_xx * dxx.b[k] + 2 * d_xy * dxy.b[k] + d_yy * dyy.b[k]);
    }
  }
  return kappa;
}

}  // namespace lofimap::pipeline
