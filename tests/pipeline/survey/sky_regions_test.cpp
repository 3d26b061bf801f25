// Sky regions and the per-region frame: a region's grid holds every one of its output pixels; its output
// range is the NESTED children of the region; and shear rotated into a region's tangent plane stays
// tangential around a mass at Dec 73, where the plane's axes and the local East/North differ by up to ~10 deg
// (a tangential pattern computed on the sphere with spherical trigonometry, independently of the projection
// code).
#include "pipeline/survey/sky_regions.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/survey/region_map.hpp"

namespace lofimap::pipeline {
namespace {

constexpr double kDeg = std::numbers::pi / 180;

TEST(SkyRegions, OutputPixelsAreTheNestedChildrenAndLieOnTheGrid) {
  const SkyRegions regions(8, 0.5, 2.0);
  const SkyRegions fine(64, 0.0, 1.0);
  for (long long r : {0LL, 100LL, 767LL}) {
    long long first = 0, last = 0;
    regions.output_range(r, 64, first, last);
    EXPECT_EQ(last - first, 64);  // (64 / 8)^2 children
    const auto grid = regions.grid(r);
    const GnomonicProjector project(grid.centre);
    for (long long p = first; p < last; ++p) {
      const auto c = fine.centre(p);
      EXPECT_EQ(regions.region_of(c.ra_deg, c.dec_deg), r);  // a child's centre lies in its parent
      const auto xy = project(c.ra_deg, c.dec_deg);
      long ix = 0, iy = 0;
      EXPECT_TRUE(xy.valid && grid.pixel_of(xy.x_deg, xy.y_deg, ix, iy)) << "region " << r << " pixel " << p;
    }
  }
  long long first = 0, last = 0;
  EXPECT_THROW(regions.output_range(0, 4, first, last), std::invalid_argument);
  EXPECT_THROW(SkyRegions(1, 1.0, 1.0), std::invalid_argument);  // 58 deg regions: too wide for a plane
}

TEST(SkyRegions, RegionsNearAPointIncludeEveryRegionWithinTheMargin) {
  const SkyRegions regions(16, 1.0, 1.0);
  std::vector<long long> near;
  regions.regions_near(10.0, 20.0, near);
  EXPECT_GE(near.size(), 1u);
  // Points 0.9 deg away in eight directions: their regions are all among the near ones.
  for (int k = 0; k < 8; ++k) {
    const double a = k * std::numbers::pi / 4;
    const double ra = 10.0 + 0.9 * std::cos(a) / std::cos(20.0 * kDeg), dec = 20.0 + 0.9 * std::sin(a);
    EXPECT_NE(std::find(near.begin(), near.end(), regions.region_of(ra, dec)), near.end()) << k;
  }
}

// Bearing (from North through East) from point 1 to point 2 on the sphere.
double bearing(double ra1, double dec1, double ra2, double dec2) {
  const double d = (ra2 - ra1) * kDeg;
  return std::atan2(std::sin(d) * std::cos(dec2 * kDeg),
                    std::cos(dec1 * kDeg) * std::sin(dec2 * kDeg) -
                        std::sin(dec1 * kDeg) * std::cos(dec2 * kDeg) * std::cos(d));
}

TEST(RegionMap, ShearRotatedIntoThePlaneStaysTangentialAroundAMass) {
  const TangentPoint centre{30.0, 75.0};
  const double mass_ra = 45.0, mass_dec = 73.0;  // ~4.5 deg from the tangent point
  ShearCatalogue local;
  for (int k = 0; k < 16; ++k) {  // galaxies 0.5 deg from the mass, every 22.5 deg of bearing
    const double b = k * std::numbers::pi / 8, dist = 0.5 * kDeg;
    const double dec = std::asin(std::sin(mass_dec * kDeg) * std::cos(dist) +
                                 std::cos(mass_dec * kDeg) * std::sin(dist) * std::cos(b));
    const double ra = mass_ra * kDeg + std::atan2(std::sin(b) * std::sin(dist) * std::cos(mass_dec * kDeg),
                                                  std::cos(dist) - std::sin(mass_dec * kDeg) * std::sin(dec));
    // Tangential shear in the galaxy's (East, North) frame: phi = angle of the mass direction from East.
    const double phi = std::numbers::pi / 2 - bearing(ra / kDeg, dec / kDeg, mass_ra, mass_dec);
    local.push_back(ra / kDeg, dec / kDeg, -0.1 * std::cos(2 * phi), -0.1 * std::sin(2 * phi), 1);
  }
  const auto plane = rotate_into_plane(local, centre);
  const GnomonicProjector project(centre);
  const auto m = project(mass_ra, mass_dec);
  double worst_cross = 0, worst_cross_unrotated = 0;
  for (size_t i = 0; i < plane.size(); ++i) {
    const auto g = project(plane.ra_deg[i], plane.dec_deg[i]);
    const double phi = std::atan2(g.y_deg - m.y_deg, g.x_deg - m.x_deg);
    auto cross = [&](double g1, double g2) { return g1 * std::sin(2 * phi) - g2 * std::cos(2 * phi); };
    auto tangential = [&](double g1, double g2) {
      return -(g1 * std::cos(2 * phi) + g2 * std::sin(2 * phi));
    };
    EXPECT_NEAR(tangential(plane.g1[i], plane.g2[i]), 0.1, 2e-3) << i;
    worst_cross = std::max(worst_cross, std::abs(cross(plane.g1[i], plane.g2[i])));
    worst_cross_unrotated = std::max(worst_cross_unrotated, std::abs(cross(local.g1[i], local.g2[i])));
  }
  EXPECT_LT(worst_cross, 2e-3);            // tangential within the projection's angular distortion
  EXPECT_GT(worst_cross_unrotated, 0.02);  // without the rotation the pattern would be visibly twisted
}

}  // namespace
}  // namespace lofimap::pipeline
