#include "pipeline/flat/wiener_filter.hpp"

#include <cmath>
#include <stdexcept>

#include "pipeline/flat/flat_fourier.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"

namespace lofimap::pipeline {

namespace {
double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
}  // namespace

WienerResult wiener_filter(const std::vector<double>& gamma1, const std::vector<double>& gamma2,
                           const std::vector<double>& counts, double sigma_e, const AngularSpectrum& cl,
                           const FlatGrid& grid, const WienerOptions& opt) {
  // Any rectangle: the operators are FFTs over nx x ny, whose wavenumbers per axis follow each side.
  if (grid.nx < 8 || grid.ny < 8)
    throw std::invalid_argument("Wiener filter: the grid needs >= 8 pixels a side");
  if (!(grid.pixel_arcmin > 0)) throw std::invalid_argument("Wiener filter: the pixel must be > 0 arcmin");
  const long nx = grid.nx, ny = grid.ny;
  const size_t nn = static_cast<size_t>(nx * ny);
  if (gamma1.size() != nn || gamma2.size() != nn || counts.size() != nn)
    throw std::invalid_argument("Wiener filter: maps do not match the grid");
  if (!(sigma_e > 0)) throw std::invalid_argument("Wiener filter: sigma_e must be > 0");
  const double inv_pix = 1 / grid.pixel_rad();
  // Signal covariance in Fourier space: S = F^-1 (C / pixel^2) F (the convention of the field generator).
  auto signal = [&](double k1, double k2) {
    const double ell = std::sqrt(k1 * k1 + k2 * k2) * inv_pix;
    return ell > 0 ? cl.at(ell) * inv_pix * inv_pix : 0.0;
  };
  std::vector<double> weight(nn);  // N^-1 per component
  double mean_weight = 0;
  for (size_t i = 0; i < nn; ++i)
    mean_weight += (weight[i] = counts[i] / (sigma_e * sigma_e)) / static_cast<double>(nn);

  auto forward = [&](const std::vector<double>& kappa) {
    return flat_shear_from_convergence({nx, ny, kappa, {}}, opt.pad);
  };
  auto adjoint = [&](const std::vector<double>& y1, const std::vector<double>& y2) {
    return flat_kaiser_squires({nx, ny, y1, y2}, opt.pad, 0.0).a;  // A^T = Re F^-1 D* F
  };
  auto apply_system = [&](const std::vector<double>& x) {
    auto g = forward(x);
    for (size_t i = 0; i < nn; ++i) g.a[i] *= weight[i], g.b[i] *= weight[i];
    auto out = adjoint(g.a, g.b);
    const auto sinv = detail::apply_fourier({nx, ny, x, {}}, 1.0, [&](double k1, double k2, bool) {
      const double s = signal(k1, k2);
      return detail::cplx(s > 0 ? 1 / s : 0.0, 0);  // the mean (k = 0) is not constrained: kept at zero below
    });
    for (size_t i = 0; i < nn; ++i) out[i] += sinv.a[i];
    return out;
  };
  auto precondition = [&](const std::vector<double>& r) {
    return detail::apply_fourier({nx, ny, r, {}}, 1.0,
                                 [&](double k1, double k2, bool) {
                                   const double s = signal(k1, k2);
                                   return detail::cplx(s > 0 ? 1 / (1 / s + mean_weight) : 0.0, 0);
                                 })
        .a;
  };

  std::vector<double> w1(nn), w2(nn);
  for (size_t i = 0; i < nn; ++i) w1[i] = weight[i] * gamma1[i], w2[i] = weight[i] * gamma2[i];
  const auto b = adjoint(w1, w2);
  WienerResult result;
  result.kappa.assign(nn, 0.0);
  std::vector<double> r = b, z = precondition(r), p = z;
  double rz = dot(r, z);
  const double b_norm = std::sqrt(dot(b, b));
  if (b_norm == 0) return result;
  for (int it = 1; it <= opt.max_iterations; ++it) {
    const auto ap = apply_system(p);
    const double alpha = rz / dot(p, ap);
    for (size_t i = 0; i < nn; ++i) result.kappa[i] += alpha * p[i], r[i] -= alpha * ap[i];
    result.iterations = it;
    result.residual = std::sqrt(dot(r, r)) / b_norm;
    if (result.residual < opt.tolerance) break;
    z = precondition(r);
    const double rz_new = dot(r, z);
    for (size_t i = 0; i < nn; ++i) p[i] = z[i] + rz_new / rz * p[i];
    rz = rz_new;
  }
  return result;
}

}  // namespace lofimap::pipeline
