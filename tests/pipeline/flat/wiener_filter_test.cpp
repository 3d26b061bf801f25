// The Wiener filter is the minimum-variance linear estimator for Gaussian fields: on Gaussian simulations
// with noise and masks it must beat Kaiser-Squires at its best smoothing, and its solve must converge.
#include "pipeline/flat/wiener_filter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <random>
#include <tuple>

#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/flat/map_quality.hpp"
#include "pipeline/simulate/training_set.hpp"

namespace lofimap::pipeline {
namespace {

TEST(WienerFilter, RecoversAPeriodicFieldOnARectangleWhenNoiseVanishes) {
  // 64 x 40 pixels: plane waves with whole periods along each side, their exact periodic shear, and a noise
  // so small that the posterior mean is the field itself (its mean is not constrained and is zero here).
  const long nx = 64, ny = 40;
  const FlatGrid grid{{}, 1.0, nx, ny};
  std::vector<double> kappa(static_cast<size_t>(nx * ny), 0.0);
  for (const auto& [m1, m2, a] : {std::tuple{3, 1, 0.02}, std::tuple{-5, 4, 0.01}, std::tuple{1, -7, 0.015}})
    for (long iy = 0; iy < ny; ++iy)
      for (long ix = 0; ix < nx; ++ix)
        kappa[static_cast<size_t>(iy * nx + ix)] +=
            a * std::cos(2 * M_PI * (static_cast<double>(m1 * ix) / nx + static_cast<double>(m2 * iy) / ny));
  const auto shear = flat_shear_from_convergence({nx, ny, kappa, {}}, 1.0);
  const std::vector<double> counts(kappa.size(), 1e8);
  AngularSpectrum prior{{10.0, 1e5}, {1e-6, 1e-6}};  // flat and generous: the data decide
  WienerOptions o;
  o.tolerance = 1e-10;
  const auto w = wiener_filter(shear.a, shear.b, counts, 0.3, prior, grid, o);
  double worst = 0;
  for (size_t i = 0; i < kappa.size(); ++i) worst = std::max(worst, std::abs(w.kappa[i] - kappa[i]));
  EXPECT_LT(worst, 1e-4 * 0.045) << "after " << w.iterations << " iterations";
}

// The solve against a dense reference: on a 12 x 10 grid with masked pixels and uneven noise, the system
// (S^-1 + A^T N^-1 A) kappa = A^T N^-1 gamma is built column by column with direct DFT sums (no FFTW) and
// solved by Gaussian elimination; the mean, which no term constrains, is pinned to zero as the solver keeps
// it.
TEST(WienerFilter, EqualsADenseSolveOfTheSameSystem) {
  const long nx = 12, ny = 10;
  const size_t nn = static_cast<size_t>(nx * ny);
  const FlatGrid grid{{}, 2.0, nx, ny};
  const AngularSpectrum prior{{10.0, 1e3, 1e4, 1e5}, {1e-7, 1e-8, 1e-9, 1e-11}};
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> g1(nn), g2(nn), counts(nn);
  for (size_t i = 0; i < nn; ++i) {
    g1[i] = 0.05 * (u(rng) - 0.5), g2[i] = 0.05 * (u(rng) - 0.5);
    counts[i] = u(rng) < 0.2 ? 0.0 : std::floor(1 + 10 * u(rng));  // a fifth of the pixels masked
  }
  const double sigma_e = 0.3, pix = grid.pixel_rad();
  using C = std::complex<double>;
  // Direct DFT operators: kappa -> gamma1 + i gamma2 = F^-1 D F kappa; adjoint Re F^-1 D* F; S^-1 = F^-1
  // (1/S) F.
  auto wavenumber = [](long i, long n) { return 2 * M_PI * static_cast<double>(i <= n / 2 ? i : i - n) / n; };
  auto transform = [&](const std::vector<C>& in, double sign) {  // unnormalised
    std::vector<C> out(nn);
    for (long a = 0; a < nx; ++a)
      for (long b = 0; b < ny; ++b) {
        C sum = 0;
        for (long x = 0; x < nx; ++x)
          for (long y = 0; y < ny; ++y)
            sum += in[static_cast<size_t>(y * nx + x)] *
                   std::polar(1.0, sign * 2 * M_PI *
                                       (static_cast<double>(a * x) / nx + static_cast<double>(b * y) / ny));
        out[static_cast<size_t>(b * nx + a)] = sum;
      }
    return out;
  };
  auto multiply = [&](const std::vector<C>& in, auto&& kernel) {  // Fourier multiplier in real space
    auto f = transform(in, -1);
    for (long a = 0; a < nx; ++a)
      for (long b = 0; b < ny; ++b) {
        const double k1 = wavenumber(a, nx), k2 = wavenumber(b, ny);
        const bool nyquist = (nx % 2 == 0 && a == nx / 2) || (ny % 2 == 0 && b == ny / 2);
        f[static_cast<size_t>(b * nx + a)] *= kernel(k1, k2, nyquist) / static_cast<double>(nn);
      }
    return transform(f, +1);
  };
  auto d = [](double k1, double k2, bool nyquist) {
    const double k_sq = k1 * k1 + k2 * k2;
    return k_sq > 0 ? C(k1 * k1 - k2 * k2, nyquist ? 0.0 : 2 * k1 * k2) / k_sq : C(0);
  };
  auto s_inv = [&](double k1, double k2, bool) {
    const double ell = std::hypot(k1, k2) / pix;
    return ell > 0 ? C(pix * pix / prior.at(ell)) : C(0);
  };
  auto system = [&](const std::vector<double>& x) {  // (S^-1 + A^T W A) x
    std::vector<C> xc(x.begin(), x.end());
    auto gamma = multiply(xc, d);
    for (size_t i = 0; i < nn; ++i) gamma[i] *= counts[i] / (sigma_e * sigma_e);
    const auto back = multiply(gamma, [&](double k1, double k2, bool n) { return std::conj(d(k1, k2, n)); });
    const auto prior_term = multiply(xc, s_inv);
    std::vector<double> out(nn);
    for (size_t i = 0; i < nn; ++i) out[i] = back[i].real() + prior_term[i].real();
    return out;
  };
  // Dense matrix plus the mean pinned to zero, and the right-hand side A^T W gamma.
  std::vector<std::vector<double>> m(nn, std::vector<double>(nn + 1, 0.0));
  for (size_t j = 0; j < nn; ++j) {
    std::vector<double> e(nn, 0.0);
    e[j] = 1;
    const auto column = system(e);
    for (size_t i = 0; i < nn; ++i) m[i][j] = column[i] + 1.0 / static_cast<double>(nn);
  }
  std::vector<C> weighted(nn);
  for (size_t i = 0; i < nn; ++i) weighted[i] = C(g1[i], g2[i]) * counts[i] / (sigma_e * sigma_e);
  const auto rhs = multiply(weighted, [&](double k1, double k2, bool n) { return std::conj(d(k1, k2, n)); });
  for (size_t i = 0; i < nn; ++i) m[i][nn] = rhs[i].real();
  for (size_t c = 0; c < nn; ++c) {  // Gaussian elimination with partial pivoting
    size_t best = c;
    for (size_t r = c + 1; r < nn; ++r)
      if (std::abs(m[r][c]) > std::abs(m[best][c])) best = r;
    std::swap(m[c], m[best]);
    for (size_t r = 0; r < nn; ++r)
      if (r != c) {
        const double f = m[r][c] / m[c][c];
        for (size_t k = c; k <= nn; ++k) m[r][k] -= f * m[c][k];
      }
  }
  WienerOptions o;
  o.tolerance = 1e-12;
  const auto w = wiener_filter(g1, g2, counts, sigma_e, prior, grid, o);
  double worst = 0, scale = 0;
  for (size_t i = 0; i < nn; ++i) {
    const double dense = m[i][nn] / m[i][i];
    worst = std::max(worst, std::abs(w.kappa[i] - dense));
    scale = std::max(scale, std::abs(dense));
  }
  EXPECT_GT(scale, 1e-4);
  EXPECT_LT(worst, 1e-8 * scale) << "after " << w.iterations << " iterations, residual " << w.residual;
}

TEST(WienerFilter, BeatsBestSmoothedKaiserSquiresOnGaussianFields) {
  TrainingSetConfig c;
  c.grid = pipeline::FlatGrid::square(128, 1.0);
  SourceDistribution s;
  s.z_single = 1.0;
  c.sky.fixed_cl = convergence_cl_limber(Cosmology(planck2015_tng()), s, log_ell_grid(10, 1e5, 200));
  c.sky.families = {SkyFamily::gaussian};  // where Wiener is optimal
  c.n_gal_min = c.n_gal_max = 20;
  c.sigma_e_min = c.sigma_e_max = 0.26;
  c.masked_fraction = 0.1;
  c.pad = 1;
  c.seed = 3;
  double wiener = 0, best_ks = 1e9;
  std::vector<double> ks_rmse(6, 0.0);
  const double sigmas[] = {0.5, 1, 2, 3, 4, 6};
  const int maps = 4;
  for (int i = 0; i < maps; ++i) {
    const auto m = simulate_training_map(c, i);
    const size_t nn = m.kappa.size();
    std::vector<double> g1(m.shear.begin(), m.shear.begin() + nn), g2(m.shear.begin() + nn, m.shear.end());
    std::vector<double> counts(m.counts.begin(), m.counts.end()), truth(m.kappa.begin(), m.kappa.end());
    std::vector<double> mask(m.mask.begin(), m.mask.end());
    const auto w = wiener_filter(g1, g2, counts, m.sigma_e, *c.sky.fixed_cl, c.grid, {1.0, 1e-6, 1000});
    EXPECT_LT(w.residual, 1e-6) << "CG did not converge in " << w.iterations << " iterations";
    wiener += evaluate_map(w.kappa, truth, mask, c.grid).rmse / maps;
    const auto ks = flat_kaiser_squires({128, 128, g1, g2}, 1.0, 0.0);
    for (size_t k = 0; k < 6; ++k)
      ks_rmse[k] +=
          evaluate_map(flat_gaussian_smooth(ks.a, 128, 128, sigmas[k], 1.0), truth, mask, c.grid).rmse / maps;
    if (i == 0) std::printf("Wiener CG: %d iterations, residual %.1e\n", w.iterations, w.residual);
  }
  for (size_t k = 0; k < 6; ++k) {
    std::printf("KS smoothed %.1f': RMSE %.5f\n", sigmas[k], ks_rmse[k]);
    best_ks = std::min(best_ks, ks_rmse[k]);
  }
  std::printf("Wiener: RMSE %.5f\n", wiener);
  EXPECT_LT(wiener, best_ks);
}

}  // namespace
}  // namespace lofimap::pipeline
