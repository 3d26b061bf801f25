// The Wiener filter is the minimum-variance linear estimator for Gaussian fields: on Gaussian simulations
// with noise and masks it must beat Kaiser-Squires at its best smoothing, and its solve must converge.
#include "pipeline/flat/wiener_filter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
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
