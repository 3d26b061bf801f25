// The one flat grid: pixel centres symmetric about the tangent point, pixel_of the inverse of the centre
// formula, the multipole range of a square grid, and the TAN WCS description written to FITS.
#include "pipeline/core/flat_grid.hpp"

#include <gtest/gtest.h>

#include <numbers>
#include <stdexcept>

#include "pipeline/core/flat_grid_wcs.hpp"

namespace lofimap::pipeline {
namespace {

TEST(FlatGrid, PixelCentresAreSymmetricAboutTheTangentPoint) {
  const FlatGrid even({10, 20}, 0.5, 4, 3);
  EXPECT_DOUBLE_EQ(even.x_arcmin(0), -0.75);
  EXPECT_DOUBLE_EQ(even.x_arcmin(3), 0.75);
  EXPECT_DOUBLE_EQ(even.y_arcmin(1), 0.0);  // odd axis: the middle pixel sits on the tangent point
  EXPECT_DOUBLE_EQ(even.x_of(3), 0.75 / 60);
  EXPECT_DOUBLE_EQ(even.x_arcmin(1.5), 0.0);  // fractional indices: the centre between pixels 1 and 2
}

TEST(FlatGrid, PixelOfInvertsTheCentreFormula) {
  const FlatGrid g({0, 0}, 1.5, 7, 5);
  for (long iy = 0; iy < g.ny; ++iy)
    for (long ix = 0; ix < g.nx; ++ix) {
      long jx = -1, jy = -1;
      ASSERT_TRUE(g.pixel_of(g.x_of(ix), g.y_of(iy), jx, jy));
      EXPECT_EQ(jx, ix);
      EXPECT_EQ(jy, iy);
    }
  long jx = 0, jy = 0;
  EXPECT_FALSE(g.pixel_of(g.x_of(0) - g.pixel_deg(), 0, jx, jy));  // one pixel beyond the West edge
}

TEST(FlatGrid, MultipoleRangeOfASquareGrid) {
  const auto g = FlatGrid::square(256, 1.0);
  const double pixel_rad = std::numbers::pi / (180.0 * 60.0);
  EXPECT_NEAR(g.ell_max(), std::numbers::pi / pixel_rad, 1e-9);              // Nyquist: 10800 at 1'
  EXPECT_NEAR(g.ell_min(), 2 * std::numbers::pi / (256 * pixel_rad), 1e-9);  // fundamental: ~84.4
}

TEST(FlatGrid, SimulationGridsMustBeSquareAndSensible) {
  EXPECT_NO_THROW(validate_grid(FlatGrid::square(64, 1.0)));
  EXPECT_THROW(validate_grid(FlatGrid({0, 0}, 1.0, 64, 32)), std::invalid_argument);
  EXPECT_THROW(validate_grid(FlatGrid::square(4, 1.0)), std::invalid_argument);
  EXPECT_THROW(validate_grid(FlatGrid::square(64, 0.0)), std::invalid_argument);
}

TEST(FlatGrid, TanDescriptionRoundTrips) {
  const FlatGrid g({150.25, -2.5}, 0.29, 360, 120);
  const auto t = tan_grid(g);
  EXPECT_DOUBLE_EQ(t.ra0_deg, 150.25);
  EXPECT_DOUBLE_EQ(t.dec0_deg, -2.5);
  const auto back = flat_grid(t);
  EXPECT_EQ(back.nx, 360);
  EXPECT_EQ(back.ny, 120);
  EXPECT_DOUBLE_EQ(back.pixel_arcmin, 0.29);
  EXPECT_DOUBLE_EQ(back.centre.ra_deg, 150.25);
}

}  // namespace
}  // namespace lofimap::pipeline
