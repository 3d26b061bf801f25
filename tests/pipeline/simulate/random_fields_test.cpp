// Simulated convergence fields: measured power against the input C_ell (flat and sphere, Gaussian and
// lognormal), lognormal one-point properties, and the NFW tangential shear against the analytic profile.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "pipeline/core/map_statistics.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/flat/flat_power_spectrum.hpp"
#include "pipeline/simulate/flat_random_fields.hpp"
#include "pipeline/simulate/nfw_halo.hpp"
#include "pipeline/simulate/sphere_random_fields.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"

namespace lofimap::pipeline {
namespace {

AngularSpectrum test_spectrum() {
  SourceDistribution s;
  s.z_single = 1.0;
  return convergence_cl_limber(Cosmology(planck2015_tng()), s, log_ell_grid(2, 2e5, 300));
}

// Mean over realisations of measured / expected per bin, for bins with >= 100 modes (away from the grid's
// fundamental), excluding the last bin (the Nyquist corner).
std::vector<std::pair<double, double>> flat_ratios(bool lognormal, int realisations) {
  const auto cl = test_spectrum();
  const auto grid = FlatGrid::square(256, 1.0);
  std::vector<double> sum(12, 0.0);
  BinnedPower p;
  for (int r = 0; r < realisations; ++r) {
    const auto f = lognormal ? lognormal_field(cl, grid, 0.02, 7, static_cast<std::uint64_t>(r))
                             : gaussian_field(cl, grid, 7, static_cast<std::uint64_t>(r));
    p = measure_flat_power(f, grid, 12, cl);
    for (int b = 0; b < 12; ++b)
      sum[static_cast<size_t>(b)] +=
          p.power[static_cast<size_t>(b)] / p.expected[static_cast<size_t>(b)] / realisations;
  }
  std::vector<std::pair<double, double>> out;
  for (int b = 0; b < 11; ++b)
    if (p.modes[static_cast<size_t>(b)] >= 100)
      out.push_back({p.ell[static_cast<size_t>(b)], sum[static_cast<size_t>(b)]});
  return out;
}

TEST(RandomFields, FlatGaussianPowerMatchesInputWithin5Percent) {
  for (const auto& [ell, ratio] : flat_ratios(false, 30)) {
    std::printf("flat GRF ell %7.0f: measured/input %.3f\n", ell, ratio);
    EXPECT_NEAR(ratio, 1.0, 0.05) << "ell " << ell;
  }
}

TEST(RandomFields, FlatLognormalKeepsPowerAndIsSkewed) {
  for (const auto& [ell, ratio] : flat_ratios(true, 30)) {
    std::printf("flat lognormal ell %7.0f: measured/input %.3f\n", ell, ratio);
    EXPECT_NEAR(ratio, 1.0, 0.10) << "ell " << ell;
  }
  const auto f = lognormal_field(test_spectrum(), pipeline::FlatGrid::square(256, 1.0), 0.02, 3, 0);
  EXPECT_GE(*std::min_element(f.begin(), f.end()), -0.02);
  EXPECT_GT(skewness(f), 0.5);
  const auto g = gaussian_field(test_spectrum(), pipeline::FlatGrid::square(256, 1.0), 3, 0);
  EXPECT_LT(std::abs(skewness(g)), 0.1);
}

TEST(RandomFields, SameSeedSameFieldOtherStreamOtherField) {
  const auto cl = test_spectrum();
  const auto a = gaussian_field(cl, pipeline::FlatGrid::square(64, 1.0), 5, 1),
             b = gaussian_field(cl, pipeline::FlatGrid::square(64, 1.0), 5, 1);
  const auto c = gaussian_field(cl, pipeline::FlatGrid::square(64, 1.0), 5, 2);
  EXPECT_EQ(a, b);
  EXPECT_LT(std::abs(pearson(a, c)), 0.2);
}

TEST(RandomFields, SphereGaussianAndLognormalPower) {
  const auto cl = test_spectrum();
  const long nside = 128;
  const int lmax = 256, realisations = 6;
  std::vector<double> rg(lmax + 1, 0.0), rl(lmax + 1, 0.0);
  double min_ln = 0, skew_ln = 0;
  for (int r = 0; r < realisations; ++r) {
    const auto g = simulate_sphere(cl, nside, lmax, 0.0, 11, static_cast<std::uint64_t>(r), false);
    const auto l = simulate_sphere(cl, nside, lmax, 0.02, 12, static_cast<std::uint64_t>(r), false);
    const auto mg = measure_sphere_cl(g.kappa, nside, lmax), ml = measure_sphere_cl(l.kappa, nside, lmax);
    for (int k = 2; k <= lmax; ++k) {
      rg[static_cast<size_t>(k)] += mg[static_cast<size_t>(k)] / cl.at(k) / realisations;
      rl[static_cast<size_t>(k)] += ml[static_cast<size_t>(k)] / cl.at(k) / realisations;
    }
    min_ln = std::min(min_ln, *std::min_element(l.kappa.begin(), l.kappa.end()));
    skew_ln += skewness(l.kappa) / realisations;
  }
  for (int lo = 16; lo + 32 <= lmax; lo += 32) {  // bins of 32 multipoles from l = 16
    double g = 0, l = 0;
    for (int k = lo; k < lo + 32; ++k)
      g += rg[static_cast<size_t>(k)] / 32, l += rl[static_cast<size_t>(k)] / 32;
    std::printf("sphere l %3d-%3d: Gaussian %.3f, lognormal %.3f\n", lo, lo + 31, g, l);
    EXPECT_NEAR(g, 1.0, 0.05);
    EXPECT_NEAR(l, 1.0, 0.10);
  }
  EXPECT_GE(min_ln, -0.02);
  EXPECT_GT(skew_ln, 0.3);
}

TEST(RandomFields, SphereShearIsTheForwardModelOfKappa) {
  const auto sim = simulate_sphere(test_spectrum(), 64, 128, 0.0, 3, 0, true);
  const auto back = sphere_kaiser_squires(sim.q, sim.u, 64, {128, 0.0, 3});
  EXPECT_GT(pearson(back.a, sim.kappa), 0.99);
}

TEST(RandomFields, NfwTangentialShearMatchesAnalyticProfile) {
  const Cosmology cosmo(planck2015_tng());
  const NfwHalo halo{5e14, 4.0, 0.3, 150.0, 2.0};
  const auto prof = nfw_profile(cosmo, halo, 1.0);
  // r_s ~ 1.3' for this halo: 0.05' pixels resolve it; the 1024^2 grid spans 40 r_s.
  const auto grid = FlatGrid::square(1024, 0.05, {150.0, 2.0});
  std::vector<double> kappa(static_cast<size_t>(grid.nx * grid.nx), 0.0);
  add_nfw(kappa, grid, prof, 150.0, 2.0);
  const auto shear = flat_shear_from_convergence({grid.nx, grid.nx, kappa, {}}, 2.0);
  std::printf("NFW r_s = %.3f arcmin, kappa_s = %.4f\n", prof.r_s_arcmin, prof.kappa_s);
  // Azimuthally averaged tangential shear in annuli, gamma_t = -Re[gamma e^{-2 i phi}].
  for (double x : {0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0}) {
    const double r = x * prof.r_s_arcmin, dr = 0.05 * r;
    double sum = 0;
    long count = 0;
    const double c = 0.5 * static_cast<double>(grid.nx - 1);
    for (long iy = 0; iy < grid.nx; ++iy)
      for (long ix = 0; ix < grid.nx; ++ix) {
        const double dx = (static_cast<double>(ix) - c) * grid.pixel_arcmin,
                     dy = (static_cast<double>(iy) - c) * grid.pixel_arcmin;
        const double rr = std::hypot(dx, dy);
        if (std::abs(rr - r) > dr) continue;
        const double phi = std::atan2(dy, dx);
        const size_t i = static_cast<size_t>(iy * grid.nx + ix);
        sum += -(shear.a[i] * std::cos(2 * phi) + shear.b[i] * std::sin(2 * phi));
        ++count;
      }
    const double measured = sum / static_cast<double>(count), expected = prof.gamma_t(r);
    std::printf("NFW r = %.2f r_s: gamma_t %.5f, analytic %.5f, ratio %.4f\n", x, measured, expected,
                measured / expected);
    EXPECT_NEAR(measured / expected, 1.0, 0.05) << "r = " << x << " r_s";
  }
}

TEST(RandomFields, BadInputsAreClearErrors) {
  const auto cl = test_spectrum();
  EXPECT_THROW(gaussian_field(cl, pipeline::FlatGrid::square(4, 1.0), 1, 0), std::invalid_argument);
  EXPECT_THROW(gaussian_field(cl, pipeline::FlatGrid::square(64, -1.0), 1, 0), std::invalid_argument);
  EXPECT_THROW(lognormal_field(cl, pipeline::FlatGrid::square(64, 1.0), 0.0, 1, 0), std::invalid_argument);
  EXPECT_THROW(lognormal_field(cl, pipeline::FlatGrid::square(64, 1.0), -0.1, 1, 0), std::invalid_argument);
  EXPECT_THROW(simulate_sphere(cl, 100, 0, 0.0, 1, 0), std::invalid_argument);
}

}  // namespace
}  // namespace lofimap::pipeline
