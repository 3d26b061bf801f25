// Born convergence through lens planes against the direct projection of the lensing kernel: uniform thin
// sheets of known overdensity give kappa = (3/2) Omega_m (H0/c)^2 int dchi chi (chi_s - chi) / chi_s (1 + z)
// delta, integrated here on its own fine grid (trapezoid, 20,000 points per sheet), for a source inside the
// last sheet and for an n(z). Sub-mesh haloes: the compensated profile carries no net mass and keeps the NFW
// cusp.
#include "pipeline/simulate/lens_planes.hpp"
#include "pipeline/simulate/submesh_haloes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace lofimap::pipeline {
namespace {

double direct_sheet_kappa(const Cosmology& c, double chi_lo, double chi_hi, double chi_s, double delta) {
  const int n = 20000;
  const double hi = std::min(chi_hi, chi_s), h = (hi - chi_lo) / n;
  if (hi <= chi_lo) return 0;
  double s = 0;
  for (int i = 0; i <= n; ++i) {
    const double chi = chi_lo + i * h;
    const double f = chi * (chi_s - chi) / chi_s * (1 + c.redshift_at_distance(chi));
    s += (i == 0 || i == n ? 0.5 : 1.0) * f;
  }
  return 1.5 * c.parameters().omega_m / std::pow(c.hubble_distance(), 2) * s * h * delta;
}

TEST(LensPlanes, BornConvergenceOfUniformSheetsMatchesTheDirectProjection) {
  const Cosmology c(planck2015_tng());
  const double box = 300;
  const int slabs = 2;
  const long n = 8;
  const double thickness = box / slabs;
  std::vector<LensPlanes::Plane> planes(40);
  std::vector<double> delta(planes.size());
  for (size_t j = 0; j < planes.size(); ++j) {
    auto& p = planes[j];
    p.chi_low = j * thickness, p.chi_high = p.chi_low + thickness, p.chi_mid = p.chi_low + thickness / 2;
    p.a = 1 / (1 + c.redshift_at_distance(p.chi_mid));
    delta[j] = 0.05 * std::cos(0.7 * static_cast<double>(j));  // a different sheet density per plane
    p.contrast.assign(static_cast<size_t>(3 * slabs * n * n), static_cast<float>(delta[j]));
  }
  const double z_max = c.redshift_at_distance(40 * thickness);
  const LensPlanes lens(c, box, n, slabs, z_max, planes);
  const auto grid = FlatGrid::square(16, 2.0);
  for (double z_s : {0.3, 1.0, 1.7}) {  // sources inside a sheet, not at its edge
    SourceDistribution s;
    s.z_single = z_s;
    const double chi_s = c.comoving_distance(z_s);
    double direct = 0;
    for (size_t j = 0; j < planes.size(); ++j)
      direct += direct_sheet_kappa(c, planes[j].chi_low, planes[j].chi_high, chi_s, delta[j]);
    const auto kappa = lens.convergence(grid, s, 3, 4);
    for (double k : kappa) ASSERT_NEAR(k, direct, 1e-4 * std::abs(direct) + 1e-9) << "z_s = " << z_s;
  }
  // An n(z): the weighted mean of single planes.
  SourceDistribution nz;
  nz.z = {0.5, 0.8, 1.1};
  nz.n = {1, 2, 1};
  const auto kappa = lens.convergence(grid, nz, 3, 4);
  double direct = 0, total = 0;
  const double width[3] = {0.15, 0.3, 0.15};  // trapezoid weights of the table: n times half-spacings
  for (int i = 0; i < 3; ++i) {
    const double chi_s = c.comoving_distance(nz.z[static_cast<size_t>(i)]);
    for (size_t j = 0; j < planes.size(); ++j)
      direct += nz.n[static_cast<size_t>(i)] * width[i] *
                direct_sheet_kappa(c, planes[j].chi_low, planes[j].chi_high, chi_s, delta[j]);
    total += nz.n[static_cast<size_t>(i)] * width[i];
  }
  EXPECT_NEAR(kappa[0], direct / total, 1e-4 * std::abs(direct / total));
  // Sources beyond the planes are refused.
  SourceDistribution far;
  far.z_single = z_max + 0.5;
  EXPECT_THROW(lens.convergence(grid, far, 3, 4), std::invalid_argument);
}

TEST(SubmeshHaloes, CompensatedProfilesCarryNoNetMass) {
  const Cosmology c(planck2015_tng());
  const double box = 256;
  const long n = 8;
  std::vector<LensPlanes::Plane> planes(20);
  for (size_t j = 0; j < planes.size(); ++j) {
    auto& p = planes[j];
    p.chi_low = j * box / 2, p.chi_high = p.chi_low + box / 2, p.chi_mid = p.chi_low + box / 4;
    p.a = 1 / (1 + c.redshift_at_distance(p.chi_mid));
    p.contrast.assign(static_cast<size_t>(6 * n * n), 0.0f);
  }
  const LensPlanes lens(c, box, n, 2, 1.5, planes);
  SourceDistribution s;
  s.z_single = 1.0;
  const HaloModel model(c, s);
  const auto grid = FlatGrid::square(200, 0.25);
  const auto haloes = place_submesh_haloes(grid, lens, model, 9, 1, 2);
  ASSERT_GT(haloes.size(), 100u);
  // No particles were sampled: every halo falls back to a uniform position on the grid.
  for (const auto& h : haloes)
    ASSERT_TRUE(h.x_pix >= -0.5 && h.x_pix < 199.5 && h.y_pix >= -0.5 && h.y_pix < 199.5);
  std::vector<double> plain(static_cast<size_t>(grid.pixels()), 0.0), compensated = plain;
  paste_haloes(plain, grid, haloes);
  paste_compensated_haloes(compensated, grid, lens, haloes, {});
  double mass = 0, net = 0;
  for (size_t i = 0; i < plain.size(); ++i) mass += plain[i], net += compensated[i];
  EXPECT_GT(mass, 0);
  EXPECT_LT(std::abs(net), 0.01 * mass);
  // At the centre of the heaviest halo the cusp stays: the compensated map is positive and within a few per
  // cent of the plain one.
  const auto heaviest = *std::max_element(
      haloes.begin(), haloes.end(), [](const auto& a, const auto& b) { return a.m200m_msun < b.m200m_msun; });
  const size_t centre = static_cast<size_t>(std::lround(heaviest.y_pix) * 200 + std::lround(heaviest.x_pix));
  EXPECT_GT(compensated[centre], 0.8 * plain[centre]);
}

}  // namespace
}  // namespace lofimap::pipeline
