// The spherical Wiener filter: as the noise vanishes on the full sky it returns the field itself (the data
// determine every mode, so the forward model and its adjoint must match exactly); on a masked Gaussian sky
// with noise, where it is the minimum-variance linear estimator, it beats spherical Kaiser-Squires at its
// best smoothing.
#include "pipeline/sphere/sphere_wiener_filter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "pipeline/simulate/sphere_random_fields.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"

namespace lofimap::pipeline {
namespace {

// A smooth spectrum from l = 2 (no monopole or dipole, which shear does not constrain).
AngularSpectrum test_spectrum() {
  AngularSpectrum s;
  for (double l = 2; l <= 1024; l *= 1.25)
    s.ell.push_back(l), s.cl.push_back(1e-5 / (1 + (l / 20) * (l / 20)));
  return s;
}

TEST(SphereWienerFilter, RecoversTheFieldWhenNoiseVanishes) {
  const long nside = 32;
  const int lmax = 64;
  const auto sky = simulate_sphere(test_spectrum(), nside, lmax, 0.0, 4, 0);
  const std::vector<double> counts(sky.q.size(), 1e10);
  const AngularSpectrum generous{{1.0, 1e4}, {1e-3, 1e-3}};  // the data decide
  SphereWienerOptions o;
  o.lmax = lmax;
  o.tolerance = 1e-10;
  const auto w = sphere_wiener_filter(sky.q, sky.u, counts, 0.3, generous, nside, o);
  double worst = 0, scale = 0;
  for (size_t i = 0; i < sky.kappa.size(); ++i) {
    worst = std::max(worst, std::abs(w.kappa[i] - sky.kappa[i]));
    scale = std::max(scale, std::abs(sky.kappa[i]));
  }
  EXPECT_GT(scale, 1e-3);
  EXPECT_LT(worst, 1e-5 * scale) << w.iterations << " iterations, residual " << w.residual;
}

TEST(SphereWienerFilter, BeatsBestSmoothedKaiserSquiresOnAMaskedGaussianSky) {
  const long nside = 64;
  const int lmax = 128;
  const auto cl = test_spectrum();
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal(0.0, 1.0);
  const double sigma_e = 0.3;
  double wiener = 0, best_ks = 1e9;
  const double sigmas[] = {20, 40, 60, 90, 120, 180};  // arcmin
  std::vector<double> ks(6, 0.0);
  for (int map = 0; map < 2; ++map) {
    const auto sky = simulate_sphere(cl, nside, lmax, 0.0, 12, static_cast<std::uint64_t>(map));
    // A 40 deg cap with 4 galaxies per pixel; nothing outside.
    std::vector<double> counts(sky.q.size(), 0.0), q(sky.q.size(), 0.0), u(sky.q.size(), 0.0);
    std::vector<size_t> inside;
    for (size_t p = 0; p < counts.size(); ++p) {
      double ra = 0, dec = 0;
      sphere_pix2ang(nside, static_cast<long long>(p), ra, dec);
      if (dec < 50) continue;
      counts[p] = 4;
      q[p] = sky.q[p] + normal(rng) * sigma_e / 2;
      u[p] = sky.u[p] + normal(rng) * sigma_e / 2;
      inside.push_back(p);
    }
    auto rmse = [&](const std::vector<double>& m) {
      double s = 0;
      for (size_t p : inside) s += (m[p] - sky.kappa[p]) * (m[p] - sky.kappa[p]);
      return std::sqrt(s / static_cast<double>(inside.size()));
    };
    SphereWienerOptions o;
    o.lmax = lmax;
    const auto w = sphere_wiener_filter(q, u, counts, sigma_e, cl, nside, o);
    EXPECT_LT(w.residual, o.tolerance) << "no convergence in " << w.iterations << " iterations";
    if (map == 0) std::printf("spherical Wiener: %d iterations\n", w.iterations);
    wiener += rmse(w.kappa) / 2;
    for (size_t k = 0; k < 6; ++k) {
      SphereKsOptions ko;
      ko.lmax = lmax;
      ko.smoothing_arcmin = sigmas[k];
      ks[k] += rmse(sphere_kaiser_squires(q, u, nside, ko).a) / 2;
    }
  }
  for (size_t k = 0; k < 6; ++k) {
    std::printf("KS smoothed %.0f': RMSE %.6f\n", sigmas[k], ks[k]);
    best_ks = std::min(best_ks, ks[k]);
  }
  std::printf("Wiener: RMSE %.6f\n", wiener);
  EXPECT_LT(wiener, 0.97 * best_ks);
}

}  // namespace
}  // namespace lofimap::pipeline
