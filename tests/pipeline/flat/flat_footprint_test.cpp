// The patch covering a catalogue: RA wrap-around, and one broken row far from the footprint neither stretches
// the patch nor makes it "span a hemisphere"; a footprint that really is wide is covered whole.
#include "pipeline/flat/flat_footprint.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "pipeline/flat/flat_geometry.hpp"

namespace lofimap::pipeline {
namespace {

TEST(FlatFootprint, PatchCoveringHandlesRaWrap) {
  ShearCatalogue g;
  for (double ra : {359.0, 359.5, 0.2, 0.9})
    for (double dec : {-1.0, 1.0}) g.push_back(ra, dec, 0, 0, 1);
  const auto comm = distributed::Communicator::world();
  const auto patch = patch_covering(g, 1.0, 0, comm).grid;
  EXPECT_NEAR(patch.centre.ra_deg < 180 ? patch.centre.ra_deg : patch.centre.ra_deg - 360, -0.05, 0.01);
  EXPECT_NEAR(patch.centre.dec_deg, 0.0, 1e-3);
  EXPECT_LE(patch.nx, 2 * 60 + 4);  // ~1.9 deg wide, not 360
  for (size_t i = 0; i < g.size(); ++i) {
    const auto p = gnomonic_project(patch.centre, g.ra_deg[i], g.dec_deg[i]);
    long ix = 0, iy = 0;
    EXPECT_TRUE(patch.pixel_of(p.x_deg, p.y_deg, ix, iy));
  }
}

// A 2 x 2 deg field of 40 x 40 galaxies around (150, 2).
ShearCatalogue square_field() {
  ShearCatalogue g;
  for (int i = 0; i < 40; ++i)
    for (int j = 0; j < 40; ++j) g.push_back(149 + (i + 0.5) / 20.0, 1 + (j + 0.5) / 20.0, 0, 0, 1);
  return g;
}

TEST(FlatFootprint, OneFarGalaxyIsLeftOutAndReported) {
  const auto comm = distributed::Communicator::world();
  const auto clean = patch_covering(square_field(), 1.0, 0, comm);
  EXPECT_EQ(clean.left_out, 0);
  for (const auto& [ra, dec] : {std::pair{150.0, -60.0}, std::pair{330.0, -2.0}, std::pair{151.5, 2.0}}) {
    auto g = square_field();
    g.push_back(ra, dec, 0, 0, 1);  // Dec -60; the far hemisphere; 0.5 deg beyond the edge
    const auto patch = patch_covering(g, 1.0, 0, comm);
    if (ra == 151.5) {  // close to the field (within half its width): covered, the patch grows
      EXPECT_EQ(patch.left_out, 0);
      EXPECT_GT(patch.grid.nx, clean.grid.nx + 20);
      continue;
    }
    EXPECT_EQ(patch.left_out, 1) << ra << " " << dec;
    EXPECT_EQ(patch.galaxies, 1601);
    EXPECT_NE(patch.left_out_example.find("Dec"), std::string::npos);
    EXPECT_EQ(patch.grid.nx, clean.grid.nx);
    EXPECT_EQ(patch.grid.ny, clean.grid.ny);
    EXPECT_NEAR(patch.grid.centre.ra_deg, clean.grid.centre.ra_deg, 1e-9);
    EXPECT_NEAR(patch.grid.centre.dec_deg, clean.grid.centre.dec_deg, 1e-9);
  }
}

TEST(FlatFootprint, TwoDistantFieldsAreBothCovered) {
  // 50% of the galaxies in each of two fields 6 deg apart: not outliers, the footprint is that wide.
  auto g = square_field();
  const auto n = g.size();
  for (size_t i = 0; i < n; ++i) g.push_back(g.ra_deg[i] + 6, g.dec_deg[i], 0, 0, 1);
  const auto patch = patch_covering(g, 1.0, 0, distributed::Communicator::world());
  EXPECT_EQ(patch.left_out, 0);
  EXPECT_GT(patch.grid.nx, 7 * 60);
}

}  // namespace
}  // namespace lofimap::pipeline
