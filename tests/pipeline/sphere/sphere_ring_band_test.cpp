// Transforms on a band of rings against the full sky's:
// - synthesis against HEALPix C++'s full-sky alm2map of the same random alm: the band's pixels must be the
// full
//   map's pixels of those rings to rounding (libsharp pairs a ring with its mirror ring only when both are
//   synthesised, so the sums run in another order: about 1e-14 of the map's largest value);
// - the whole rings that hold a pixel range;
// - spherical KS of (Q, U) on a band against that of full-sky maps that are zero elsewhere.
#include "pipeline/sphere/sphere_ring_band.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"

#include <gtest/gtest.h>

#include <alm.h>
#include <alm_healpix_tools.h>
#include <healpix_map.h>

#include <algorithm>
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

// The band's whole rings from any pixel range; a range off the sphere is refused.
TEST_F(BandSynthesis, WholeRingsHoldAPixelRange) {
  const RingBand band = RingBand::of_pixels(kNside, 1000, 5000);
  EXPECT_LE(band.first_pixel, 1000);
  EXPECT_GE(band.first_pixel + band.pixels, 5000);
  EXPECT_EQ(full_.pix2ring(static_cast<int>(band.first_pixel)), band.first_ring);
  EXPECT_NE(full_.pix2ring(static_cast<int>(band.first_pixel) - 1), band.first_ring);
  EXPECT_EQ(full_.pix2ring(static_cast<int>(band.first_pixel + band.pixels - 1)), band.last_ring);
  EXPECT_NE(full_.pix2ring(static_cast<int>(band.first_pixel + band.pixels)), band.last_ring);
  EXPECT_THROW(RingBand::of_pixels(kNside, 0, 12 * kNside * kNside + 1), std::invalid_argument);
}

// Spherical KS of (Q, U) given on a band of rings equals that of the full-sky maps that are zero elsewhere,
// to rounding: the band analysis skips only zero rings; the Jacobi refinements run on the full sky either
// way.
TEST_F(BandSynthesis, KaiserSquiresOfABandEqualsTheFullSkys) {
  const long n = 12 * kNside * kNside;
  std::vector<double> q(static_cast<size_t>(n), 0.0), u(q);
  const RingBand band = RingBand::covering(kNside, 100 * kDeg, 130 * kDeg, 0);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> g;
  SphereFieldPair band_qu{kNside, {}, {}, band.first_pixel};
  for (long long k = 0; k < band.pixels; ++k) {
    q[static_cast<size_t>(band.first_pixel + k)] = g(rng),
                                             u[static_cast<size_t>(band.first_pixel + k)] = g(rng);
    band_qu.a.push_back(q[static_cast<size_t>(band.first_pixel + k)]);
    band_qu.b.push_back(u[static_cast<size_t>(band.first_pixel + k)]);
  }
  SphereKsOptions options;
  options.lmax = 2 * kNside;
  options.iterations = 3;
  const auto full = sphere_kaiser_squires(q, u, kNside, options);
  const auto banded = sphere_kaiser_squires(band_qu, options);
  ASSERT_EQ(banded.a.size(), full.a.size());
  double worst = 0, scale = 0;
  for (size_t k = 0; k < full.a.size(); ++k) {
    worst = std::max({worst, std::abs(banded.a[k] - full.a[k]), std::abs(banded.b[k] - full.b[k])});
    scale = std::max(scale, std::abs(full.a[k]));
  }
  EXPECT_LE(worst, 1e-10 * scale);
  // A band that does not hold whole rings is refused.
  band_qu.first_pixel += 1;
  EXPECT_THROW(sphere_kaiser_squires(band_qu, options), std::invalid_argument);
}

TEST_F(BandSynthesis, ABandOffTheSphereIsRefused) {
  RingBand band = RingBand::full_sky(kNside);
  band.last_ring = 4 * kNside;
  EXPECT_THROW(synthesise_band(&alm_(0, 0), kLmax, kLmax, band), std::invalid_argument);
}

}  // namespace
}  // namespace lofimap::pipeline
