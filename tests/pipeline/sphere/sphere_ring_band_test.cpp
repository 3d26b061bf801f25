// Synthesis on a band of rings against HEALPix C++'s full-sky alm2map of the same random alm: the band's
// pixels must be the full map's pixels of those rings to rounding (libsharp pairs a ring with its mirror ring
// only when both are synthesised, so the sums run in another order: about 1e-14 of the map's largest value).
#include "pipeline/sphere/sphere_ring_band.hpp"

#include <gtest/gtest.h>

#include <alm.h>
#include <alm_healpix_tools.h>
#include <healpix_map.h>

#include <cmath>
#include <numbers>
#include <random>

namespace lofimap::pipeline {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

class BandSynthesis : public ::testing::Test {
 protected:
  static constexpr long kNside = 64;
  static constexpr int kLmax = 150;
  void SetUp() override {
    alm_.Set(kLmax, kLmax);
    std::mt19937_64 rng(7);
    std::normal_distribution<double> g;
    for (int m = 0; m <= kLmax; ++m)
      for (int l = m; l <= kLmax; ++l) alm_(l, m) = {g(rng), m == 0 ? 0.0 : g(rng)};
    full_.SetNside(kNside, RING);
    alm2map(alm_, full_);
  }
  void expect_band_matches(double theta_min_deg, double theta_max_deg) {
    const RingBand band = RingBand::covering(kNside, theta_min_deg * kDeg, theta_max_deg * kDeg, 2);
    const std::vector<double> map = synthesise_band(&alm_(0, 0), kLmax, kLmax, band);
    ASSERT_EQ(static_cast<long long>(map.size()), band.pixels);
    // The band holds every pixel whose centre lies in [theta_min, theta_max].
    for (int p = 0; p < full_.Npix(); ++p) {
      const double theta = full_.pix2ang(p).theta / kDeg;
      if (theta >= theta_min_deg && theta <= theta_max_deg) {
        ASSERT_GE(p, band.first_pixel);
        ASSERT_LT(p, band.first_pixel + band.pixels);
      }
    }
    double worst = 0, scale = 0;
    for (long long k = 0; k < band.pixels; ++k) {
      const double reference = full_[static_cast<int>(band.first_pixel + k)];
      worst = std::max(worst, std::abs(map[static_cast<size_t>(k)] - reference));
      scale = std::max(scale, std::abs(reference));
    }
    EXPECT_LE(worst, 1e-12 * scale) << "band " << theta_min_deg << ".." << theta_max_deg << " deg";
  }
  Alm<xcomplex<double>> alm_;
  Healpix_Map<double> full_;
};

TEST_F(BandSynthesis, EqualsTheFullSkyMapOnItsRings) {
  expect_band_matches(30, 45);    // northern cap rings and belt
  expect_band_matches(80, 100);   // across the equator (ring pairs with both rings inside)
  expect_band_matches(120, 150);  // southern rings without their northern partners
  expect_band_matches(0, 5);      // the North pole
  expect_band_matches(170, 180);  // the South pole
  expect_band_matches(0, 180);    // everything
}

TEST_F(BandSynthesis, ABandOffTheSphereIsRefused) {
  RingBand band = RingBand::full_sky(kNside);
  band.last_ring = 4 * kNside;
  EXPECT_THROW(synthesise_band(&alm_(0, 0), kLmax, kLmax, band), std::invalid_argument);
}

}  // namespace
}  // namespace lofimap::pipeline
