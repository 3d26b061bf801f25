// Halo-model skies on the sphere against independent references: the 3-D mass inside each halo's
// truncation radius (the pasted convergence integrated over the sphere), Poisson counts and uniform
// positions over the cap, and the Limber/halofit spectrum for the total power of a whole-sky map.
#include "pipeline/simulate/sphere_halo_sky.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numbers>

#include "pipeline/simulate/sphere_random_fields.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"

namespace lofimap::pipeline {
namespace {

constexpr double kArcminPerRad = 180.0 * 60.0 / std::numbers::pi;

Cosmology tng() {
  auto p = planck2015_tng();
  p.sigma8 = 0.8159;
  return Cosmology(p);
}

SourceDistribution sources_at(double z) {
  SourceDistribution s;
  s.z_single = z;
  return s;
}

TEST(SphereHaloSky, PastedConvergenceIntegratesToTheHaloMass) {
  // Haloes from a fraction of a pixel to 30 pixels in radius (nside 512: 6.9' pixels), centred at a pole, on
  // the equator and in between: sum of kappa x pixel area = 2 pi theta_t^2 kappa_norm (ln(1+c) -
  // c/(1+c))/c^2.
  const long nside = 512;
  const double pixel_area = 4 * std::numbers::pi / (12.0 * nside * nside);
  for (double theta_t : {2.0, 5.0, 15.0, 60.0, 200.0})
    for (double dec : {89.9, 0.0, -41.3}) {
      LightconeHalo h;
      h.theta_t_arcmin = theta_t;
      h.concentration = 6;
      h.kappa_norm = 0.1;
      h.ra_deg = 33.3;
      h.dec_deg = dec;
      std::vector<double> kappa(static_cast<size_t>(12 * nside * nside), 0.0);
      paste_sphere_haloes(kappa, nside, {h});
      double sum = 0;
      for (double k : kappa) sum += k * pixel_area;
      const double c = h.concentration, t = theta_t / kArcminPerRad;
      const double mass =
          2 * std::numbers::pi * t * t * h.kappa_norm * (std::log(1 + c) - c / (1 + c)) / (c * c);
      // Sub-pixel means near the centre make small haloes exact to a few per cent; a large one is a Riemann
      // sum of a smooth profile.
      std::printf("theta_t %5.0f' Dec %5.1f: %.4f\n", theta_t, dec, sum / mass);
      EXPECT_NEAR(sum / mass, 1.0, 0.03) << "theta_t " << theta_t << "', Dec " << dec;
    }
}

TEST(SphereHaloSky, HaloesFillTheCapUniformly) {
  HaloModelSettings s;
  s.m_min_msun = 1e13;
  const HaloModel model(tng(), sources_at(1.0), s);
  const SphereCap cap{150, -60, 8};  // crosses RA 180 deg near the pole's side
  const auto haloes = draw_sphere_haloes(model, cap, 3, 7);
  const double expected = model.haloes_per_sr() * cap.area_sr();
  std::printf("%zu haloes drawn, %.0f expected\n", haloes.size(), expected);
  EXPECT_NEAR(static_cast<double>(haloes.size()), expected, 5 * std::sqrt(expected));
  // The inner cap of half the area: radius acos(1 - (1 - cos 8 deg) / 2).
  const double half_radius =
      std::acos(1 - (1 - std::cos(8 * std::numbers::pi / 180)) / 2) * 180 / std::numbers::pi;
  const SphereCap inner{150, -60, half_radius};
  double inside = 0, east = 0;
  for (const auto& h : haloes) {
    ASSERT_TRUE(cap.contains(h.ra_deg, h.dec_deg)) << h.ra_deg << " " << h.dec_deg;
    inside += inner.contains(h.ra_deg, h.dec_deg);
    east += std::remainder(h.ra_deg - 150, 360) > 0;
  }
  const double n = static_cast<double>(haloes.size());
  EXPECT_NEAR(inside / n, 0.5, 5 * 0.5 / std::sqrt(n));
  EXPECT_NEAR(east / n, 0.5, 5 * 0.5 / std::sqrt(n));
  // The same seed and stream give the same light cone.
  const auto again = draw_sphere_haloes(model, cap, 3, 7);
  ASSERT_EQ(again.size(), haloes.size());
  EXPECT_EQ(again.back().ra_deg, haloes.back().ra_deg);
  // A cap holding more haloes than allowed is refused by name.
  HaloModelSettings light;
  light.m_min_msun = 1e10;
  EXPECT_THROW(draw_sphere_haloes(HaloModel(tng(), sources_at(1.0), light), SphereCap{}, 1, 1),
               std::invalid_argument);
}

TEST(SphereHaloSky, WholeSkyPowerMatchesHalofit) {
  // Haloes above 1e14 Msun over the whole sky at nside 128 (27' pixels): the map's C_ell (background plus
  // one-halo term) against the Limber/halofit total, in bins of 30 multipoles up to ell 180 where the pixel
  // window of the pasted haloes is within a few per cent of one. The one-halo term makes up a visible part of
  // the power there: pasting it without taking it from the background would fail this.
  const auto cosmo = tng();
  const auto src = sources_at(1.0);
  HaloModelSettings s;
  s.m_min_msun = 1e14;
  const HaloModel model(cosmo, src, s);
  const long nside = 128;
  const int lmax = 3 * nside - 1;
  const auto total = convergence_cl_limber(cosmo, src, log_ell_grid(2, 1.1 * lmax, 200));
  const auto one_halo = model.one_halo_cl({60.0, 150.0});
  std::printf("one-halo share of the total: %.2f at ell 60, %.2f at ell 150\n", one_halo[0] / total.at(60),
              one_halo[1] / total.at(150));
  const auto sky = sphere_halo_model_sky(model, total, nside, lmax, 0.0, SphereCap{}, 5, 0, 1);
  const auto cl = measure_sphere_cl(sky.sim.kappa, nside, lmax);
  for (int lo = 30; lo < 180; lo += 30) {
    double seen = 0, expected = 0;
    for (int l = lo; l < lo + 30; ++l) seen += (2 * l + 1) * cl[l], expected += (2 * l + 1) * total.at(l);
    std::printf("ell [%d, %d): map / halofit %.3f\n", lo, lo + 30, seen / expected);
    EXPECT_NEAR(seen / expected, 1.0, 0.08) << "ell from " << lo;
  }
  // The shear is the spin-2 forward model of this convergence: Kaiser-Squires of it gives the convergence
  // back below the band limit (pixel-scale halo cusps above it are what differ). Shear made without the
  // haloes would miss their one-halo power, 3-9% of the total here.
  SphereKsOptions ks;
  ks.lmax = lmax;
  const auto back = sphere_kaiser_squires(sky.sim.q, sky.sim.u, nside, ks);
  std::vector<double> diff(back.a.size());
  for (size_t p = 0; p < diff.size(); ++p) diff[p] = back.a[p] - sky.sim.kappa[p];
  const auto cl_diff = measure_sphere_cl(diff, nside, lmax), cl_b = measure_sphere_cl(back.b, nside, lmax);
  double d = 0, b = 0, k = 0;
  for (int l = 30; l < 180; ++l) d += cl_diff[l], b += cl_b[l], k += cl[l];
  std::printf("Kaiser-Squires of the shear, ell 30-180: difference %.2g, B %.2g of the convergence power\n",
              d / k, b / k);
  EXPECT_LT(d / k, 1e-3);
  EXPECT_LT(b / k, 1e-3);
}

}  // namespace
}  // namespace lofimap::pipeline
