// Halo-model skies against independent references: the untruncated NFW projection of Wright & Brainerd
// (2000), the 3-D mass inside the truncation radius, a direct Hankel transform (Bessel J0) of the profile,
// sigma8, the cluster abundance of Tinker et al. (2008), Poisson statistics of the drawn light cone, and the
// Limber/halofit spectrum for the total power of the simulated skies.
#include "pipeline/simulate/halo_model_sky.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numbers>

#include "pipeline/flat/flat_power_spectrum.hpp"
#include "pipeline/simulate/truncated_nfw.hpp"

namespace lofimap::pipeline {
namespace {

// Wright & Brainerd (2000): Sigma(x) / (2 rho_s r_s) of the untruncated NFW profile.
double wright_brainerd(double x) {
  if (x < 1) return (1 - 2 / std::sqrt(1 - x * x) * std::atanh(std::sqrt((1 - x) / (1 + x)))) / (x * x - 1);
  return (1 - 2 / std::sqrt(x * x - 1) * std::atan(std::sqrt((x - 1) / (1 + x)))) / (x * x - 1);
}

TEST(TruncatedNfw, FarTruncationIsTheUntruncatedProjection) {
  const double c = 1e4;  // the truncated tail is ~1 / (2 c^2) of the profile
  for (double x : {0.05, 0.3, 0.9, 1.5, 4.0, 20.0})
    EXPECT_NEAR(truncated_nfw_sigma_exact(x / c, c) / wright_brainerd(x), 1.0, 1e-4) << "x = " << x;
}

TEST(TruncatedNfw, ProjectedMassIsTheMassInsideTheTruncationRadius) {
  for (double c : {2.0, 5.0, 12.0}) {
    const double m = (std::log(1 + c) - c / (1 + c)) / (c * c);  // 3-D mass inside r_t, in these units
    double s = 0;
    const int n = 20000;
    for (int k = 0; k < n; ++k) {
      const double y = (k + 0.5) / n;
      s += truncated_nfw_sigma_exact(y, c) * y / n;
    }
    EXPECT_NEAR(s / m, 1.0, 2e-3) << "c = " << c;
    EXPECT_NEAR(truncated_nfw_fourier_exact(0, c) / m, 1.0, 1e-6) << "c = " << c;
    EXPECT_NEAR(truncated_nfw_fourier(0, c) / m, 1.0, 2e-3) << "c = " << c;
  }
}

TEST(TruncatedNfw, FourierTransformMatchesTheHankelTransform) {
  for (double c : {3.0, 9.0})
    for (double q : {3.0, 30.0}) {
      double s = 0;
      const int n = 20000;
      for (int k = 0; k < n; ++k) {
        const double y = (k + 0.5) / n;
        s += truncated_nfw_sigma_exact(y, c) * std::cyl_bessel_j(0.0, q * y) * y / n;
      }
      EXPECT_NEAR(truncated_nfw_fourier_exact(q, c) / s, 1.0, 1e-3) << "c = " << c << ", q = " << q;
      EXPECT_NEAR(truncated_nfw_fourier(q, c) / s, 1.0, 1e-2) << "c = " << c << ", q = " << q;
    }
}

Cosmology tng() {
  auto p = planck2015_tng();
  p.sigma8 = 0.8159;
  return Cosmology(p);
}

TEST(HaloMassFunction, Sigma8AndClusterAbundance) {
  const auto cosmo = tng();
  const HaloMassFunction mf(cosmo);
  const double h = cosmo.parameters().h;
  const double m8 = 4 * std::numbers::pi / 3 * mf.mean_density() * std::pow(8 / h, 3);
  EXPECT_NEAR(mf.sigma_of_mass(m8, 0), 0.8159, 0.003);
  // Haloes above M200m = 1e14 Msun/h at z = 0: of order 2e-5 (h/Mpc)^3 for sigma8 near 0.8 (Tinker et al.
  // 2008, their figure 5; cluster counts, e.g. Vikhlinin et al. 2009, are of the same order).
  double n = 0;
  const double dlnm = 0.01;
  for (double lnm = std::log(1e14 / h); lnm < std::log(1e16); lnm += dlnm)
    n += mf.dn_dlnm(std::exp(lnm + dlnm / 2), 0) * dlnm;
  const double n_h = n / (h * h * h);
  std::printf("n(M200m > 1e14 Msun/h, z = 0) = %.3g (h/Mpc)^3\n", n_h);
  EXPECT_GT(n_h, 1e-5);
  EXPECT_LT(n_h, 4e-5);
  // Duffy et al. (2008): c200m = 10.14 at the pivot mass 2e12 Msun/h at z = 0, falling as (1+z)^-1.01.
  EXPECT_NEAR(mf.concentration(2e12 / h, 0), 10.14, 1e-9);
  EXPECT_NEAR(mf.concentration(2e12 / h, 1), 10.14 * std::pow(2.0, -1.01), 1e-9);
}

TEST(HaloModel, LightConeCountsFollowTheMassFunction) {
  const auto cosmo = tng();
  SourceDistribution src;
  src.z_single = 1.0;
  HaloModelSettings s;
  s.m_min_msun = 1e13;
  const HaloModel model(cosmo, src, s);
  const auto grid = FlatGrid::square(600, 1.0);  // 100 deg^2
  const auto haloes = model.draw(grid, 5, 0);
  const double area = 600.0 * 600.0 * grid.pixel_rad() * grid.pixel_rad();
  const auto mass_hist = model.expected_mass_histogram(area);
  // Per decade of mass and per quarter of the redshift range: counts within 4 sigma of the expectation.
  const auto check = [&](auto value_of, const std::vector<HaloModel::Bin>& bins, size_t group,
                         const char* what) {
    for (size_t g = 0; g < bins.size(); g += group) {
      double expected = 0, lo = bins[g].low, hi = bins[std::min(bins.size(), g + group) - 1].high;
      for (size_t k = g; k < std::min(bins.size(), g + group); ++k) expected += bins[k].expected;
      double seen = 0;
      for (const auto& h : haloes) seen += value_of(h) >= lo && value_of(h) < hi;
      if (expected < 20) continue;
      std::printf("%s [%.3g, %.3g): %6.0f drawn, %8.1f expected\n", what, lo, hi, seen, expected);
      EXPECT_NEAR(seen, expected, 4 * std::sqrt(expected)) << what << " in [" << lo << ", " << hi << ")";
    }
  };
  check([](const LightconeHalo& h) { return h.m200m_msun; }, mass_hist, 20, "mass");
  check([](const LightconeHalo& h) { return h.z; }, model.expected_redshift_histogram(area), 10, "z");
}

TEST(HaloModelSky, SmallFieldsLeaveOutHaloesTheyCannotHold) {
  // A 32' field: nearby massive haloes can be larger than the field; they are left to the background.
  const auto cosmo = tng();
  SourceDistribution src;
  src.z_single = 1.0;
  const HaloModel model(cosmo, src);
  const auto grid = FlatGrid::square(64, 0.5);
  const auto total = convergence_cl_limber(cosmo, src, log_ell_grid(100, 1e5, 100));
  for (int seed = 0; seed < 30; ++seed) {
    const auto sky = halo_model_sky(model, total, grid, BackgroundField::gaussian, 0, seed, 0, 1);
    for (const auto& h : sky.haloes) EXPECT_LE(h.theta_t_arcmin, 0.4 * 32);
  }
  EXPECT_LT(model.mean_kappa(0.4 * 32), model.mean_kappa());
}

TEST(HaloModelSky, PowerMatchesHalofitAndTheOneHaloTerm) {
  const auto cosmo = tng();
  SourceDistribution src;
  src.z_single = 1.0;
  HaloModelSettings settings;
  settings.m_min_msun = 1e13;  // fewer haloes than the default, for speed; the check is the same
  const HaloModel model(cosmo, src, settings);
  // 4.3 deg on a side at 0.5': ell from 84 to 21600. Pasted haloes are pixel averages near their centres
  // (the background is not), so the halo power is compared up to half the Nyquist multipole only.
  const auto grid = FlatGrid::square(512, 0.5);
  const auto total = convergence_cl_limber(cosmo, src, log_ell_grid(10, 3e4, 300));
  AngularSpectrum one_halo{total.ell, model.one_halo_cl(total.ell, HaloModel::max_theta_arcmin(grid))};
  const int maps = 4, bins = 10;
  std::vector<double> sky_ratio(bins, 0.0), halo_ratio(bins, 0.0), ell(bins, 0.0);
  for (int m = 0; m < maps; ++m) {
    const auto sky = halo_model_sky(model, total, grid, BackgroundField::gaussian, 0, 11, 2 * m, 2 * m + 1);
    std::vector<double> haloes(sky.kappa.size(), 0.0);
    paste_haloes(haloes, grid, sky.haloes);
    const auto p_sky = measure_flat_power(sky.kappa, grid, bins, total);
    const auto p_halo = measure_flat_power(haloes, grid, bins, one_halo);
    for (int b = 0; b < bins; ++b) {
      ell[b] = p_sky.ell[b];
      sky_ratio[b] += p_sky.power[b] / p_sky.expected[b] / maps;
      halo_ratio[b] += p_halo.power[b] / p_halo.expected[b] / maps;
    }
  }
  for (int b = 0; b < bins; ++b) {
    std::printf("ell %7.0f: sky / halofit %.3f, haloes / one-halo term %.3f\n", ell[b], sky_ratio[b],
                halo_ratio[b]);
    if (ell[b] >= 200 && ell[b] <= 1e4) {
      EXPECT_NEAR(sky_ratio[b], 1.0, 0.15) << "ell " << ell[b];
    }
    if (ell[b] >= 1000 && ell[b] <= 1e4) {
      EXPECT_NEAR(halo_ratio[b], 1.0, 0.15) << "ell " << ell[b];
    }
  }
}

}  // namespace
}  // namespace lofimap::pipeline
