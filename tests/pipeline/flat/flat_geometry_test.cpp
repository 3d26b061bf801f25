// Gnomonic projection against spherical trigonometry, and the footprint patch across RA = 0.
#include "pipeline/flat/flat_geometry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

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

TEST(FlatGeometry, RejectsBadPatches) {
  EXPECT_THROW(validate_patch({{0, 0}, 0.0, 64, 64}), std::invalid_argument);
  EXPECT_THROW(validate_patch({{0, 0}, -1.0, 64, 64}), std::invalid_argument);
  EXPECT_THROW(validate_patch({{0, 95}, 1.0, 64, 64}), std::invalid_argument);
  EXPECT_NO_THROW(validate_patch({{0, 0}, 1.0, 64, 64}));
}

}  // namespace
}  // namespace lofimap::pipeline
