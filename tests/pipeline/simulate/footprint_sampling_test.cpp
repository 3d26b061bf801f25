// Footprint training data: galaxies land where the catalogue put them (up to the square's symmetries and a
// cut-out shift), rotated ellipticities keep each galaxy's |e|, and the pixel estimate is the weighted mean.
#include "pipeline/simulate/footprint_sampling.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <utility>

namespace lofimap::pipeline {
namespace {

FootprintCatalogue letter_l() {
  // An L-shaped footprint of 12 galaxies, one per 1' pixel, on a 16' x 16' bounding box: asymmetric, so the
  // orientation chosen is visible in the pattern.
  FootprintCatalogue f;
  auto add = [&](double x, double y, double e1, double e2, double w) {
    f.x_arcmin.push_back(x), f.y_arcmin.push_back(y), f.e1.push_back(e1), f.e2.push_back(e2),
        f.weight.push_back(w);
  };
  for (int i = 0; i < 8; ++i) add(-7.5, -7.5 + 2 * i, 0.1 * (i % 3), -0.05 * i, 1 + i);
  for (int i = 1; i < 5; ++i) add(-7.5 + 3.5 * i, -7.5, 0.3, 0.2, 0.5);
  f.x_min = f.y_min = -7.5, f.x_max = 6.5, f.y_max = 6.5;
  f.sigma_e = 0.2;
  return f;
}

TEST(FootprintSampling, GalaxiesKeepTheirPositionsAndTheirEllipticityModulus) {
  const auto f = letter_l();
  const auto grid = FlatGrid::square(32, 1.0);  // wider than the footprint: centred
  const size_t nn = 32 * 32;
  const std::vector<double> zero(nn, 0.0);
  const std::vector<unsigned char> survey(nn, 1);
  std::set<int> orientations;
  for (int draw = 0; draw < 40; ++draw) {
    RandomStream rng(3, static_cast<std::uint64_t>(draw));
    const auto seen = observe_through_footprint(f, grid, zero, zero, zero, false, survey, rng);
    ASSERT_EQ(seen.galaxies, 12);
    // Zero shear: each occupied pixel holds one galaxy whose estimate is its own rotated ellipticity.
    std::multiset<double> moduli_seen, moduli_true;
    std::set<std::pair<long, long>> occupied;
    for (size_t p = 0; p < nn; ++p)
      if (seen.counts[p] > 0) {
        EXPECT_NEAR(seen.counts[p], 1.0, 1e-12);
        moduli_seen.insert(std::round(1e9 * std::hypot(seen.g1[p], seen.g2[p])));
        occupied.insert({static_cast<long>(p % 32), static_cast<long>(p / 32)});
      }
    for (size_t i = 0; i < f.e1.size(); ++i)
      moduli_true.insert(std::round(1e9 * std::hypot(f.e1[i], f.e2[i])));
    EXPECT_EQ(moduli_seen, moduli_true);
    // The occupied pixels are the footprint under one of the 8 symmetries, centred: find which.
    int match = -1;
    for (int s = 0; s < 8 && match < 0; ++s) {
      std::set<std::pair<long, long>> expected;
      for (size_t i = 0; i < f.x_arcmin.size(); ++i) {
        double x = f.x_arcmin[i], y = f.y_arcmin[i];
        if (s & 1) std::swap(x, y);
        if (s & 2) x = -x;
        if (s & 4) y = -y;
        // Bounding box of the transformed footprint is [-7.5, 6.5] or [-6.5, 7.5]; centred on the grid.
        const double lo_x = (s & 2) ? -6.5 : -7.5, lo_y = (s & 4) ? -6.5 : -7.5;
        const double u0 = lo_x + 7.0 - 16.0, v0 = lo_y + 7.0 - 16.0;
        expected.insert({static_cast<long>(std::floor(x - u0)), static_cast<long>(std::floor(y - v0))});
      }
      if (expected == occupied) match = s;
    }
    EXPECT_GE(match, 0) << "draw " << draw << ": the pattern is no symmetry of the footprint";
    orientations.insert(match);
  }
  EXPECT_GE(orientations.size(), 6u);  // 40 draws visit (nearly) all 8 orientations
}

TEST(FootprintSampling, PixelEstimateIsTheWeightedMeanAndMasksDropGalaxies) {
  FootprintCatalogue f;
  for (int i = 0; i < 3; ++i) {
    f.x_arcmin.push_back(0.2 + 0.1 * i), f.y_arcmin.push_back(0.3), f.e1.push_back(0), f.e2.push_back(0);
    f.weight.push_back(1.0 + i);
  }
  f.x_arcmin.push_back(5.5), f.y_arcmin.push_back(5.5), f.e1.push_back(0), f.e2.push_back(0),
      f.weight.push_back(1);
  f.x_min = 0.2, f.x_max = 5.5, f.y_min = 0.3, f.y_max = 5.5;
  const auto grid = FlatGrid::square(16, 1.0);
  const size_t nn = 256;
  std::vector<double> s1(nn, 0.02), s2(nn, -0.01), kappa(nn, 0.0);
  std::vector<unsigned char> survey(nn, 1);
  RandomStream rng(1, 1);
  const auto seen = observe_through_footprint(f, grid, s1, s2, kappa, false, survey, rng);
  double counts = 0;
  for (size_t p = 0; p < nn; ++p)
    if (seen.counts[p] > 0) {
      counts += seen.counts[p];
      EXPECT_NEAR(seen.g1[p], 0.02, 1e-12);  // zero ellipticities: the shear itself
      EXPECT_NEAR(seen.g2[p], -0.01, 1e-12);
    }
  EXPECT_NEAR(counts, 36.0 / 14.0 + 1.0, 1e-12);  // (1+2+3)^2 / (1+4+9) effective galaxies, plus one
  // Mask every pixel: nothing is observed.
  std::fill(survey.begin(), survey.end(), 0);
  RandomStream rng2(1, 1);
  EXPECT_EQ(observe_through_footprint(f, grid, s1, s2, kappa, false, survey, rng2).galaxies, 0);
}

}  // namespace
}  // namespace lofimap::pipeline
