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

TEST(FlatGeometry, PatchCoveringHandlesRaWrap) {
  ShearCatalogue g;
  for (double ra : {359.0, 359.5, 0.2, 0.9})
    for (double dec : {-1.0, 1.0}) g.push_back(ra, dec, 0, 0, 1);
  const auto comm = distributed::Communicator::world();
  const auto patch = patch_covering(g, 1.0, 0, comm);
  EXPECT_NEAR(patch.centre.ra_deg < 180 ? patch.centre.ra_deg : patch.centre.ra_deg - 360, -0.05, 0.01);
  EXPECT_NEAR(patch.centre.dec_deg, 0.0, 1e-3);
  EXPECT_LE(patch.nx, 2 * 60 + 4);  // ~1.9 deg wide, not 360
  for (size_t i = 0; i < g.size(); ++i) {
    const auto p = gnomonic_project(patch.centre, g.ra_deg[i], g.dec_deg[i]);
    long ix = 0, iy = 0;
    EXPECT_TRUE(patch.pixel_of(p.x_deg, p.y_deg, ix, iy));
  }
}

TEST(FlatGeometry, RejectsBadPatches) {
  EXPECT_THROW(validate_patch({{0, 0}, 0.0, 64, 64}), std::invalid_argument);
  EXPECT_THROW(validate_patch({{0, 0}, -1.0, 64, 64}), std::invalid_argument);
  EXPECT_THROW(validate_patch({{0, 95}, 1.0, 64, 64}), std::invalid_argument);
  EXPECT_NO_THROW(validate_patch({{0, 0}, 1.0, 64, 64}));
}

}  // namespace
}  // namespace lofimap::pipeline
