#include "pipeline/flat/wiener_filter.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "pipeline/core/random_stream.hpp"
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

// The Wiener system of one data set's noise and prior, (S^-1 + A^T W A) x = A^T W gamma, solved for x's
// Fourier transform, [k1][k2]: S^-1 and the preconditioner are diagonal there, so an iteration costs one
// inverse and one forward FFT (8 with the operators applied in real space). A maps kappa to
// gamma1 + i gamma2 = F^-1 D F kappa, with D = (k1^2 - k2^2 + 2 i k1 k2) / k^2, its odd term dropped on
// Nyquist lines (the sign there is ambiguous, as in flat_shear_from_convergence); A^T y = Re F^-1 D* F (y1 +
// i y2), whose Fourier transform is the Hermitian part of D* F (y1 + i y2). Set up once, solved for many
// shears (the posterior samples).
class WienerSystem {
 public:
  WienerSystem(const std::vector<double>& counts, double sigma_e, const AngularSpectrum& cl,
               const FlatGrid& grid, const WienerOptions& opt)
      : opt_(opt), nx_(grid.nx), ny_(grid.ny), nn_(static_cast<size_t>(grid.nx * grid.ny)), fft_(nx_, ny_) {
    // Any rectangle: the operators are FFTs over nx x ny, whose wavenumbers per axis follow each side.
    if (grid.nx < 8 || grid.ny < 8)
      throw std::invalid_argument("Wiener filter: the grid needs >= 8 pixels a side");
    if (!(grid.pixel_arcmin > 0)) throw std::invalid_argument("Wiener filter: the pixel must be > 0 arcmin");
    // Zero-padded KS is not the exact adjoint of the zero-padded forward model, and CG on that non-symmetric
    // system stalls (1,000 iterations without converging on a 96^2 patch); the prior and the noise weights
    // handle the patch edges.
    if (opt.pad != 1) throw std::invalid_argument("Wiener filter: only periodic operators (pad 1)");
    if (counts.size() != nn_) throw std::invalid_argument("Wiener filter: maps do not match the grid");
    if (!(sigma_e > 0)) throw std::invalid_argument("Wiener filter: sigma_e must be > 0");
    const double inv_pix = 1 / grid.pixel_rad();
    weight_.resize(nn_);  // N^-1 per component
    double mean_weight = 0;
    for (size_t i = 0; i < nn_; ++i)
      mean_weight += (weight_[i] = counts[i] / (sigma_e * sigma_e)) / static_cast<double>(nn_);
    d_.resize(nn_), s_inv_.resize(nn_), signal_.resize(nn_), precon_.resize(nn_), mirror_.resize(nn_);
    for (long i1 = 0; i1 < nx_; ++i1) {
      const double k1 = detail::wavenumber(i1, nx_);
      const bool nyquist_x = nx_ % 2 == 0 && i1 == nx_ / 2;
      for (long i2 = 0; i2 < ny_; ++i2) {
        const double k2 = detail::wavenumber(i2, ny_);
        const bool nyquist = nyquist_x || (ny_ % 2 == 0 && i2 == ny_ / 2);
        const size_t k = static_cast<size_t>(i1 * ny_ + i2);
        mirror_[k] = static_cast<size_t>(((nx_ - i1) % nx_) * ny_ + (ny_ - i2) % ny_);
        const double k_sq = k1 * k1 + k2 * k2;
        d_[k] = k_sq > 0 ? cplx(k1 * k1 - k2 * k2, nyquist ? 0.0 : 2 * k1 * k2) / k_sq : cplx(0, 0);
        // Signal covariance S = F^-1 (C / pixel^2) F (the convention of the field generator); the mean (k =
        // 0) is not constrained and stays zero.
        const double ell = std::sqrt(k_sq) * inv_pix;
        const double sig = ell > 0 ? cl.at(ell) * inv_pix * inv_pix : 0.0;
        signal_[k] = sig;
        s_inv_[k] = sig > 0 ? 1 / sig : 0.0;
        precon_[k] = sig > 0 ? 1 / (1 / sig + mean_weight) : 0.0;
      }
    }
  }

  WienerResult solve(const std::vector<double>& gamma1, const std::vector<double>& gamma2) {
    if (gamma1.size() != nn_ || gamma2.size() != nn_)
      throw std::invalid_argument("Wiener filter: maps do not match the grid");
    cplx* r0 = fft_.rows();
    for (size_t i = 0; i < nn_; ++i) r0[i] = cplx(gamma1[i], gamma2[i]);
    std::vector<cplx> b(nn_), x(nn_, cplx(0, 0)), r(nn_), z(nn_), p(nn_), ap(nn_);
    adjoint_of_weighted(b);
    // Modes without signal (C_ell = 0, the mean) stay zero: the system is kept to the others.
    for (size_t k = 0; k < nn_; ++k)
      if (!(s_inv_[k] > 0)) b[k] = 0;
    WienerResult result;
    result.kappa.assign(nn_, 0.0);
    const double b_norm = std::sqrt(dot(b, b));
    if (b_norm == 0) return result;
    r = b;
    for (size_t k = 0; k < nn_; ++k) z[k] = precon_[k] * r[k];
    p = z;
    double rz = dot(r, z);
    for (int it = 1; it <= opt_.max_iterations; ++it) {
      apply_system(p, ap);
      const double alpha = rz / dot(p, ap);
      for (size_t k = 0; k < nn_; ++k) x[k] += alpha * p[k], r[k] -= alpha * ap[k];
      result.iterations = it;
      result.residual = std::sqrt(dot(r, r)) / b_norm;
      if (result.residual < opt_.tolerance) break;
      for (size_t k = 0; k < nn_; ++k) z[k] = precon_[k] * r[k];
      const double rz_new = dot(r, z);
      for (size_t k = 0; k < nn_; ++k) p[k] = z[k] + rz_new / rz * p[k];
      rz = rz_new;
    }
    result.kappa = real_map(x);
    return result;
  }

  // A draw of the prior: kappa with spectrum S (white noise u shaped by sqrt(S) per mode; the mean mode
  // zero, as in S) and its shear A kappa, both on the grid.
  void draw_prior(RandomStream& rng, std::vector<double>& kappa, std::vector<double>& gamma1,
                  std::vector<double>& gamma2) {
    cplx* r = fft_.rows();
    for (size_t i = 0; i < nn_; ++i) r[i] = cplx(rng.normal(), 0);
    fft_.forward();
    std::vector<cplx> s(nn_);
    for (size_t k = 0; k < nn_; ++k) s[k] = std::sqrt(signal_[k]) * fft_.freq()[k];
    kappa = real_map(s);
    cplx* f = fft_.freq();
    const double norm = 1.0 / static_cast<double>(nn_);
    for (size_t k = 0; k < nn_; ++k) f[k] = d_[k] * s[k] * norm;
    fft_.backward();
    gamma1.resize(nn_), gamma2.resize(nn_);
    for (size_t i = 0; i < nn_; ++i) gamma1[i] = fft_.rows()[i].real(), gamma2[i] = fft_.rows()[i].imag();
  }

  // The noise weight of pixel i (N^-1 per component; 0 where no galaxy fell).
  double weight(size_t i) const { return weight_[i]; }
  size_t pixels() const { return nn_; }

 private:
  // out = Hermitian part of D* F (W (y)), y = rows() as gamma1 + i gamma2 (overwritten).
  void adjoint_of_weighted(std::vector<cplx>& out) {
    cplx* r = fft_.rows();
    for (size_t i = 0; i < nn_; ++i) r[i] *= weight_[i];
    fft_.forward();
    const cplx* f = fft_.freq();
    for (size_t k = 0; k < nn_; ++k) out[k] = std::conj(d_[k]) * f[k];
    for (size_t k = 0; k < nn_; ++k)
      if (mirror_[k] > k) {
        const cplx a = out[k], b = out[mirror_[k]];
        out[k] = 0.5 * (a + std::conj(b)), out[mirror_[k]] = 0.5 * (b + std::conj(a));
      } else if (mirror_[k] == k) {
        out[k] = cplx(out[k].real(), 0);
      }
  }
  void apply_system(const std::vector<cplx>& x, std::vector<cplx>& out) {
    cplx* f = fft_.freq();
    const double norm = 1.0 / static_cast<double>(nn_);
    for (size_t k = 0; k < nn_; ++k) f[k] = d_[k] * x[k] * norm;
    fft_.backward();  // rows = gamma1 + i gamma2 of x
    adjoint_of_weighted(out);
    for (size_t k = 0; k < nn_; ++k) out[k] = s_inv_[k] > 0 ? out[k] + s_inv_[k] * x[k] : cplx(0, 0);
  }
  // Re F^-1 x, back to [y][x].
  std::vector<double> real_map(const std::vector<cplx>& x) {
    cplx* f = fft_.freq();
    const double norm = 1.0 / static_cast<double>(nn_);
    for (size_t k = 0; k < nn_; ++k) f[k] = x[k] * norm;
    fft_.backward();
    std::vector<double> out(nn_);
    for (size_t i = 0; i < nn_; ++i) out[i] = fft_.rows()[i].real();
    return out;
  }

  WienerOptions opt_;
  long nx_, ny_;
  size_t nn_;
  PeriodicFft fft_;
  std::vector<double> weight_;
  std::vector<cplx> d_;                          // D(k)
  std::vector<double> s_inv_, signal_, precon_;  // S^-1(k), S(k), (S^-1 + mean weight)^-1
  std::vector<size_t> mirror_;                   // index of -k
};

}  // namespace

WienerResult wiener_filter(const std::vector<double>& gamma1, const std::vector<double>& gamma2,
                           const std::vector<double>& counts, double sigma_e, const AngularSpectrum& cl,
                           const FlatGrid& grid, const WienerOptions& opt) {
  WienerSystem system(counts, sigma_e, cl, grid, opt);
  return system.solve(gamma1, gamma2);
}

WienerPosterior wiener_posterior_samples(const std::vector<double>& counts, double sigma_e,
                                         const AngularSpectrum& cl, const FlatGrid& grid,
                                         const std::vector<double>& mean, int samples, std::uint64_t seed,
                                         const WienerOptions& opt) {
  if (samples < 1) throw std::invalid_argument("Wiener posterior: at least one sample");
  WienerSystem system(counts, sigma_e, cl, grid, opt);
  const size_t nn = system.pixels();
  if (mean.size() != nn) throw std::invalid_argument("Wiener posterior: the mean does not match the grid");
  WienerPosterior out;
  std::vector<double> kappa, g1, g2;
  for (int j = 0; j < samples; ++j) {
    RandomStream rng(seed, static_cast<std::uint64_t>(j));  // draw j alone keys its numbers
    system.draw_prior(rng, kappa, g1, g2);
    for (size_t i = 0; i < nn; ++i) {
      const double w = system.weight(i);
      if (w > 0) {
        const double sigma = 1 / std::sqrt(w);
        g1[i] += sigma * rng.normal(), g2[i] += sigma * rng.normal();
      }
    }
    const WienerResult filtered = system.solve(g1, g2);
    if (filtered.iterations >= opt.max_iterations)
      throw std::runtime_error("Wiener posterior: a conjugate-gradient solve did not converge (residual " +
                               std::to_string(filtered.residual) + ")");
    out.iterations = std::max(out.iterations, filtered.iterations);
    std::vector<double> draw(nn);
    for (size_t i = 0; i < nn; ++i) draw[i] = mean[i] + kappa[i] - filtered.kappa[i];
    out.samples.push_back(std::move(draw));
  }
  return out;
}

}  // namespace lofimap::pipeline
