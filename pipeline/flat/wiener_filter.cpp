#include "pipeline/flat/wiener_filter.hpp"

#include <cmath>
#include <stdexcept>

#include "pipeline/flat/flat_fourier.hpp"

namespace lofimap::pipeline {

namespace {
using detail::cplx;

// Periodic 2-D FFTs of an nx x ny grid with plans made once: real space row-major [y][x], Fourier space kept
// transposed [k1][k2] (contiguous row transforms around explicit transposes, as apply_fourier does). Both
// directions are unnormalised.
class PeriodicFft {
 public:
  PeriodicFft(long nx, long ny)
      : nx_(nx),
        ny_(ny),
        rows_(static_cast<size_t>(nx * ny)),
        freq_(static_cast<size_t>(nx * ny)),
        x_plans_(rows_.data, static_cast<int>(nx), static_cast<int>(ny)),
        y_plans_(freq_.data, static_cast<int>(ny), static_cast<int>(nx)) {}
  cplx* rows() { return rows_.data; }  // [y][x]
  cplx* freq() { return freq_.data; }  // [k1][k2]
  void forward() {                     // rows -> freq
    fftw_execute(x_plans_.forward);
    detail::transpose(rows_.data, nx_, freq_.data, ny_, ny_, nx_);
    fftw_execute(y_plans_.forward);
  }
  void backward() {  // freq -> rows (freq is overwritten)
    fftw_execute(y_plans_.backward);
    detail::transpose(freq_.data, ny_, rows_.data, nx_, nx_, ny_);
    fftw_execute(x_plans_.backward);
  }

 private:
  long nx_, ny_;
  detail::FftwArray rows_, freq_;
  detail::RowPlans x_plans_, y_plans_;
};

// Re <a, b> over Hermitian Fourier vectors: N times the real-space inner product (Parseval).
double dot(const std::vector<cplx>& a, const std::vector<cplx>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i].real() * b[i].real() + a[i].imag() * b[i].imag();
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
  // Zero-padded KS is not the exact adjoint of the zero-padded forward model, and CG on that non-symmetric
  // system stalls (1,000 iterations without converging on a 96^2 patch); the prior and the noise weights
  // handle the patch edges.
  if (opt.pad != 1) throw std::invalid_argument("Wiener filter: only periodic operators (pad 1)");
  const long nx = grid.nx, ny = grid.ny;
  const size_t nn = static_cast<size_t>(nx * ny);
  if (gamma1.size() != nn || gamma2.size() != nn || counts.size() != nn)
    throw std::invalid_argument("Wiener filter: maps do not match the grid");
  if (!(sigma_e > 0)) throw std::invalid_argument("Wiener filter: sigma_e must be > 0");
  const double inv_pix = 1 / grid.pixel_rad();
  std::vector<double> weight(nn);  // N^-1 per component
  double mean_weight = 0;
  for (size_t i = 0; i < nn; ++i)
    mean_weight += (weight[i] = counts[i] / (sigma_e * sigma_e)) / static_cast<double>(nn);

  // The system (S^-1 + A^T W A) x = A^T W gamma is solved for x's Fourier transform, [k1][k2]: S^-1 and the
  // preconditioner are diagonal there, so an iteration costs one inverse and one forward FFT (8 with the
  // operators applied in real space). A maps kappa to gamma1 + i gamma2 = F^-1 D F kappa, with
  // D = (k1^2 - k2^2 + 2 i k1 k2) / k^2, its odd term dropped on Nyquist lines (the sign there is ambiguous,
  // as in flat_shear_from_convergence); A^T y = Re F^-1 D* F (y1 + i y2), whose Fourier transform is the
  // Hermitian part of D* F (y1 + i y2).
  std::vector<cplx> d(nn);                    // D(k)
  std::vector<double> s_inv(nn), precon(nn);  // S^-1(k) and (S^-1 + mean weight)^-1 (0 for k = 0)
  std::vector<size_t> mirror(nn);             // index of -k
  for (long i1 = 0; i1 < nx; ++i1) {
    const double k1 = detail::wavenumber(i1, nx);
    const bool nyquist_x = nx % 2 == 0 && i1 == nx / 2;
    for (long i2 = 0; i2 < ny; ++i2) {
      const double k2 = detail::wavenumber(i2, ny);
      const bool nyquist = nyquist_x || (ny % 2 == 0 && i2 == ny / 2);
      const size_t k = static_cast<size_t>(i1 * ny + i2);
      mirror[k] = static_cast<size_t>(((nx - i1) % nx) * ny + (ny - i2) % ny);
      const double k_sq = k1 * k1 + k2 * k2;
      d[k] = k_sq > 0 ? cplx(k1 * k1 - k2 * k2, nyquist ? 0.0 : 2 * k1 * k2) / k_sq : cplx(0, 0);
      // Signal covariance S = F^-1 (C / pixel^2) F (the convention of the field generator); the mean (k = 0)
      // is not constrained and stays zero.
      const double ell = std::sqrt(k_sq) * inv_pix;
      const double sig = ell > 0 ? cl.at(ell) * inv_pix * inv_pix : 0.0;
      s_inv[k] = sig > 0 ? 1 / sig : 0.0;
      precon[k] = sig > 0 ? 1 / (1 / sig + mean_weight) : 0.0;
    }
  }
  PeriodicFft fft(nx, ny);
  const double norm = 1.0 / static_cast<double>(nn);
  // out = Hermitian part of D* F (W (y)), y = rows() as gamma1 + i gamma2 (overwritten).
  auto adjoint_of_weighted = [&](std::vector<cplx>& out) {
    cplx* r = fft.rows();
    for (size_t i = 0; i < nn; ++i) r[i] *= weight[i];
    fft.forward();
    const cplx* f = fft.freq();
    for (size_t k = 0; k < nn; ++k) out[k] = std::conj(d[k]) * f[k];
    for (size_t k = 0; k < nn; ++k)
      if (mirror[k] > k) {
        const cplx a = out[k], b = out[mirror[k]];
        out[k] = 0.5 * (a + std::conj(b)), out[mirror[k]] = 0.5 * (b + std::conj(a));
      } else if (mirror[k] == k) {
        out[k] = cplx(out[k].real(), 0);
      }
  };
  auto apply_system = [&](const std::vector<cplx>& x, std::vector<cplx>& out) {
    cplx* f = fft.freq();
    for (size_t k = 0; k < nn; ++k) f[k] = d[k] * x[k] * norm;
    fft.backward();  // rows = gamma1 + i gamma2 of x
    adjoint_of_weighted(out);
    for (size_t k = 0; k < nn; ++k) out[k] = s_inv[k] > 0 ? out[k] + s_inv[k] * x[k] : cplx(0, 0);
  };

  cplx* r0 = fft.rows();
  for (size_t i = 0; i < nn; ++i) r0[i] = cplx(gamma1[i], gamma2[i]);
  std::vector<cplx> b(nn), x(nn, cplx(0, 0)), r(nn), z(nn), p(nn), ap(nn);
  adjoint_of_weighted(b);
  // Modes without signal (C_ell = 0, the mean) stay zero: the system is kept to the others.
  for (size_t k = 0; k < nn; ++k)
    if (!(s_inv[k] > 0)) b[k] = 0;
  WienerResult result;
  result.kappa.assign(nn, 0.0);
  const double b_norm = std::sqrt(dot(b, b));
  if (b_norm == 0) return result;
  r = b;
  for (size_t k = 0; k < nn; ++k) z[k] = precon[k] * r[k];
  p = z;
  double rz = dot(r, z);
  for (int it = 1; it <= opt.max_iterations; ++it) {
    apply_system(p, ap);
    const double alpha = rz / dot(p, ap);
    for (size_t k = 0; k < nn; ++k) x[k] += alpha * p[k], r[k] -= alpha * ap[k];
    result.iterations = it;
    result.residual = std::sqrt(dot(r, r)) / b_norm;
    if (result.residual < opt.tolerance) break;
    for (size_t k = 0; k < nn; ++k) z[k] = precon[k] * r[k];
    const double rz_new = dot(r, z);
    for (size_t k = 0; k < nn; ++k) p[k] = z[k] + rz_new / rz * p[k];
    rz = rz_new;
  }
  // kappa = Re F^-1 x, back to [y][x].
  cplx* f = fft.freq();
  for (size_t k = 0; k < nn; ++k) f[k] = x[k] * norm;
  fft.backward();
  const cplx* out = fft.rows();
  for (size_t i = 0; i < nn; ++i) result.kappa[i] = out[i].real();
  return result;
}

}  // namespace lofimap::pipeline
