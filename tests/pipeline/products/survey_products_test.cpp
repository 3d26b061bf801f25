// Survey products: row selection by CFITSIO's calculator against a hand count, tomographic bin tests, the
// footprint mask, peaks, tangential shear against its definition and the rank chi^2 test's PTE under the
// null.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

#include "io/error.hpp"
#include "io/fits_table_writer.hpp"
#include "pipeline/catalogue/catalogue_loader.hpp"
#include "pipeline/catalogue/survey_preset.hpp"
#include "pipeline/catalogue/tomographic_bins.hpp"
#include "pipeline/flat/flat_peaks.hpp"
#include "pipeline/flat/footprint_mask.hpp"
#include "pipeline/products/null_test_product.hpp"
#include "pipeline/products/profile_product.hpp"
#include "test_paths.hpp"

namespace lofimap::pipeline {
namespace {

const distributed::Communicator& world() {
  static const auto comm = distributed::Communicator::world();
  return comm;
}

// A catalogue in the generic preset with a redshift column Z, and the Z values written (float32 values, so
// that the hand count compares the same numbers CFITSIO reads).
std::string write_catalogue_with_z(const std::string& name, std::vector<double>& z) {
  const std::string path = (testing::scratch_dir() / name).string();
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  const long n = 5000;
  std::vector<double> ra(n), dec(n), e1(n), e2(n), w(n, 1.0);
  z.resize(n);
  for (long i = 0; i < n; ++i) {
    ra[i] = 10 + u(rng), dec[i] = -5 + u(rng), e1[i] = 0.2 * (u(rng) - 0.5), e2[i] = 0.2 * (u(rng) - 0.5);
    z[i] = static_cast<double>(static_cast<float>(2 * u(rng)));
  }
  io::FitsTableWriter writer(path, "CAT", {"RA", "DEC", "E1", "E2", "WEIGHT", "Z"});
  writer.append({ra.data(), dec.data(), e1.data(), e2.data(), w.data(), z.data()}, n);
  writer.close();
  return path;
}

TEST(RowSelection, KeepsExactlyTheRowsTheExpressionHolds) {
  std::vector<double> z;
  CatalogueOptions o;
  o.inputs = {write_catalogue_with_z("select.fits", z)};
  o.select = "Z > 0.5 && Z <= 1.25";
  const auto cat = load_catalogue(o, world());
  const long long expected = std::count_if(z.begin(), z.end(), [](double v) { return v > 0.5 && v <= 1.25; });
  EXPECT_EQ(cat.summary.rows_read, 5000);
  EXPECT_EQ(cat.summary.rows_selected, expected);
  EXPECT_EQ(cat.summary.rows_valid, expected);
  EXPECT_EQ(static_cast<long long>(cat.galaxies.size()), expected);
  EXPECT_NE(cat.summary.report().find("selected"), std::string::npos);
}

TEST(RowSelection, RefusesExpressionsThatAreNotTestsOrNameNoColumn) {
  std::vector<double> z;
  CatalogueOptions o;
  o.inputs = {write_catalogue_with_z("select_bad.fits", z)};
  for (const std::string bad : {"Z + 1", "ZPHOT > 1", "Z >"}) {
    o.select = bad;
    try {
      load_catalogue(o, world());
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const io::Error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
  o.select = "Z > 5";  // a valid test that keeps nothing
  try {
    load_catalogue(o, world());
    ADD_FAILURE() << "an empty selection was accepted";
  } catch (const io::Error& e) {
    EXPECT_NE(std::string(e.what()).find("keeps none"), std::string::npos) << e.what();
  }
}

TEST(TomographicBins, BinsAreSelectionsThatTileTheRange) {
  std::vector<double> z;
  CatalogueOptions o;
  o.inputs = {write_catalogue_with_z("bins.fits", z)};
  ColumnMap columns = survey_preset("generic").columns;
  const auto bins = parse_tomographic_bins({"z", "0", "0.3", "0.9", "2"}, columns);
  ASSERT_EQ(bins.count(), 3u);
  EXPECT_EQ(bins.column, "Z");  // the preset's redshift column
  EXPECT_EQ(bins.bin_test(1), "Z > 0.3 && Z <= 0.9");
  EXPECT_EQ(bins.selection(0, "E1 > 0"), "(E1 > 0) && (Z > 0 && Z <= 0.3)");
  long long total = 0;
  for (size_t b = 0; b < bins.count(); ++b) {
    o.select = bins.selection(b, "");
    const auto cat = load_catalogue(o, world());
    const double lo = bins.edges[b], hi = bins.edges[b + 1];
    EXPECT_EQ(cat.summary.rows_valid,
              std::count_if(z.begin(), z.end(), [&](double v) { return v > lo && v <= hi; }));
    total += cat.summary.rows_valid;
  }
  EXPECT_EQ(total, 5000);  // z in (0, 2): every row in exactly one bin
  EXPECT_THROW(parse_tomographic_bins({"z", "0.5"}, columns), std::invalid_argument);
  EXPECT_THROW(parse_tomographic_bins({"z", "0.5", "0.5"}, columns), std::invalid_argument);
  EXPECT_THROW(parse_tomographic_bins({"z", "0", "x"}, columns), std::invalid_argument);
  columns.z.clear();
  EXPECT_THROW(parse_tomographic_bins({"z", "0", "1"}, columns), std::invalid_argument);
  EXPECT_EQ(parse_tomographic_bins({"photo z", "0", "1"}, columns).bin_test(0),
            "$photo z$ > 0 && $photo z$ <= 1");
}

TEST(FootprintMask, ClosesGapsBetweenGalaxiesWithoutGrowingTheEdge) {
  const FlatGrid grid{{0, 0}, 1.0, 64, 64};
  std::vector<double> counts(64 * 64, 0.0);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  const auto radius = [](long ix, long iy) { return std::hypot(ix - 31.5, iy - 31.5); };
  for (long iy = 0; iy < 64; ++iy)
    for (long ix = 0; ix < 64; ++ix)
      if (radius(ix, iy) < 20 && u(rng) > 0.2 && !(ix >= 30 && ix <= 31 && iy >= 30 && iy <= 31))
        counts[static_cast<size_t>(iy * 64 + ix)] = 5;
  const auto mask = footprint_mask(counts, grid);
  EXPECT_NEAR(footprint_closing_radius(counts, grid), 1.5, 1e-12);  // 5 per pixel: the 1.5-pixel floor
  for (long iy = 0; iy < 64; ++iy)
    for (long ix = 0; ix < 64; ++ix) {
      const double m = mask[static_cast<size_t>(iy * 64 + ix)];
      if (radius(ix, iy) < 18) {
        EXPECT_EQ(m, 1.0) << ix << " " << iy;  // the holes are closed
      }
      if (radius(ix, iy) > 21.5) {
        EXPECT_EQ(m, 0.0) << ix << " " << iy;  // the edge did not grow
      }
    }
  // A footprint that reaches the grid's border is not eroded there.
  std::vector<double> full(64 * 64, 3.0);
  full[5 * 64 + 5] = 0;
  const auto all = footprint_mask(full, grid);
  EXPECT_EQ(*std::min_element(all.begin(), all.end()), 1.0);
}

TEST(FlatPeaks, OnePeakPerPlateauInsideOnlyAndSortedByValue) {
  const long n = 16;
  std::vector<double> v(n * n, 0.0);
  std::vector<char> inside(n * n, 1);
  v[5 * n + 5] = 4, v[5 * n + 6] = 4;  // a plateau of two pixels
  v[10 * n + 10] = 7;
  v[12 * n + 3] = 9, inside[12 * n + 4] = 0;  // a neighbour outside: not a peak
  v[2 * n + 12] = 1;                          // below the threshold
  const auto peaks = flat_peaks(v, inside, n, n, 2);
  ASSERT_EQ(peaks.size(), 2u);
  EXPECT_EQ(peaks[0], 10 * n + 10);
  EXPECT_TRUE(peaks[1] == 5 * n + 5 || peaks[1] == 5 * n + 6);
}

TEST(TangentialShear, FollowsTheDefinitionAtEveryPositionAngle) {
  // Galaxy East of the centre (phi = 0): gamma_t = -gamma_1; North (phi = 90 deg): gamma_t = +gamma_1; at
  // 45 deg: gamma_t = -gamma_2. The cross shear is the same rotated by 45 degrees.
  const double g1 = 0.03, g2 = -0.02;
  auto east = tangential_shear(10, 0, 10.1, 0, g1, g2);
  EXPECT_NEAR(east.t, -g1, 1e-12);
  EXPECT_NEAR(east.x, -g2, 1e-12);
  EXPECT_NEAR(east.separation_arcmin, 6.0, 1e-9);
  auto north = tangential_shear(10, 0, 10, 0.1, g1, g2);
  EXPECT_NEAR(north.t, g1, 1e-12);
  EXPECT_NEAR(north.x, g2, 1e-12);
  // North-east on the equator, small separation: 45 degrees.
  auto ne = tangential_shear(10, 0, 10.001, 0.001, g1, g2);
  EXPECT_NEAR(ne.t, -g2, 1e-6);
  EXPECT_NEAR(ne.x, g1, 1e-6);
  // A great-circle separation far from the tangent-plane regime: 90 degrees along the equator.
  EXPECT_NEAR(tangential_shear(0, 0, 90, 0, g1, g2).separation_arcmin, 90 * 60.0, 1e-6);
  // Near the pole the bearing differs from the RA difference: a galaxy across the pole is due North.
  auto pole = tangential_shear(0, 89, 180, 89, g1, g2);
  EXPECT_NEAR(pole.t, g1, 1e-9);
  EXPECT_NEAR(pole.separation_arcmin, 120.0, 1e-6);
}

TEST(RankChi2Test, PteIsUniformUnderTheNullAndSmallForASignal) {
  std::mt19937_64 rng(17);
  std::normal_distribution<double> normal(0, 1);
  const size_t p = 4, k = 60;
  const auto draw = [&](double shift) {
    std::vector<double> v(p);
    for (size_t i = 0; i < p; ++i) v[i] = normal(rng) + (i == 0 ? 0.5 * v.size() : 0) + shift;
    v[1] += 0.6 * v[0];  // correlated statistics
    return v;
  };
  std::vector<double> ptes;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<std::vector<double>> realisations;
    for (size_t j = 0; j < k; ++j) realisations.push_back(draw(0));
    ptes.push_back(rank_chi2_test(draw(0), realisations).pte);
  }
  // Kolmogorov-Smirnov distance to the uniform law on {1, ..., K + 1} / (K + 1): 1% critical value for 300
  // draws is 1.63 / sqrt(300) = 0.094.
  std::sort(ptes.begin(), ptes.end());
  double d = 0;
  for (size_t i = 0; i < ptes.size(); ++i) {
    const double f = static_cast<double>(i + 1) / static_cast<double>(ptes.size());
    d = std::max({d, std::abs(f - ptes[i]), std::abs(f - 1.0 / ptes.size() - ptes[i])});
  }
  EXPECT_LT(d, 0.094);
  std::vector<std::vector<double>> realisations;
  for (size_t j = 0; j < k; ++j) realisations.push_back(draw(0));
  const auto signal = rank_chi2_test(draw(5), realisations);
  EXPECT_NEAR(signal.pte, 1.0 / (k + 1), 1e-12);
  EXPECT_EQ(signal.dof, static_cast<long>(p));
  EXPECT_THROW(rank_chi2_test(
                   draw(0), std::vector<std::vector<double>>(realisations.begin(), realisations.begin() + 5)),
               std::invalid_argument);
}

}  // namespace
}  // namespace lofimap::pipeline
