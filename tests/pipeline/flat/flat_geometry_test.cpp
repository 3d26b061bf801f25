// Gnomonic projection against spherical trigonometry, and the footprint patch across RA = 0.
#include "pipeline/flat/flat_geometry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

namespace lofimap::pipeline {
namespace {

TEST(FlatGeometry, ProjectionRoundTripsAndKeepsAxesEastNorth) {
  const TangentPoint c{150.1, 2.2};
  for (double dra : {-1.5, 0.0, 0.7})
    for (double ddec : {-1.0, 0.0, 1.3}) {
      const auto p = gnomonic_project(c, c.ra_deg + dra, c.dec_deg + ddec);
      double ra = 0, dec = 0;
      gnomonic_deproject(c, p.x_deg, p.y_deg, ra, dec);
      EXPECT_NEAR(ra, c.ra_deg + dra, 1e-10);
      EXPECT_NEAR(dec, c.dec_deg + ddec, 1e-10);
      if (dra > 0) {
        EXPECT_GT(p.x_deg, 0);  // East = +x
      }
      if (ddec > 0) {
        EXPECT_GT(p.y_deg, 0);  // North = +y
      }
    }
}

TEST(FlatGeometry, ProjectedDistanceIsTanOfAngularDistance) {
  // On the tangent plane, the radius is tan(angular distance) (in radians): independent of the formulae used.
  const TangentPoint c{10, -60};
  const double ra = 13, dec = -58.5;
  const double d2r = std::numbers::pi / 180;
  const double cosd = std::sin(dec * d2r) * std::sin(c.dec_deg * d2r) +
                      std::cos(dec * d2r) * std::cos(c.dec_deg * d2r) * std::cos((ra - c.ra_deg) * d2r);
  const auto p = gnomonic_project(c, ra, dec);
  EXPECT_NEAR(std::hypot(p.x_deg, p.y_deg) * d2r, std::tan(std::acos(cosd)), 1e-12);
}

TEST(FlatGeometry, BatchProjectionAgreesWithThePointwiseOne) {
  // The batch form (vector sin/cos where the processor has AVX2) against operator(): the same positions to a
  // few ulp, NaN x on the far hemisphere, and a count that is not a multiple of the vector width.
  const TangentPoint c{355, 20};
  const GnomonicProjector project(c);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> ra(0, 360), z(-1, 1);
  const std::size_t n = 1003;
  std::vector<double> ras(n), decs(n), x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    ras[i] = i % 2 ? ra(rng) : 355 + 10 * z(rng);  // half near the tangent point, half anywhere
    decs[i] = i % 2 ? std::asin(z(rng)) * 180 / std::numbers::pi : 20 + 10 * z(rng);
  }
  project.project(ras.data(), decs.data(), n, x.data(), y.data());
  std::size_t far = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto p = project(ras[i], decs[i]);
    if (!p.valid) {
      EXPECT_TRUE(std::isnan(x[i])) << i;
      ++far;
      continue;
    }
    const double tol = 1e-13 * (1 + std::abs(p.x_deg) + std::abs(p.y_deg)) * (1 + std::hypot(p.x_deg, p.y_deg));
    EXPECT_NEAR(x[i], p.x_deg, tol) << i;
    EXPECT_NEAR(y[i], p.y_deg, tol) << i;
  }
  EXPECT_GT(far, n / 8);  // the far hemisphere was exercised
}

TEST(FlatGeometry, RejectsBadPatches) {
  EXPECT_THROW(validate_patch({{0, 0}, 0.0, 64, 64}), std::invalid_argument);
  EXPECT_THROW(validate_patch({{0, 0}, -1.0, 64, 64}), std::invalid_argument);
  EXPECT_THROW(validate_patch({{0, 95}, 1.0, 64, 64}), std::invalid_argument);
  EXPECT_NO_THROW(validate_patch({{0, 0}, 1.0, 64, 64}));
}

}  // namespace
}  // namespace lofimap::pipeline
