// Catalogue ingest: every preset round-trips through a written catalogue, invalid rows are counted by reason,
// calibrations divide out what they should, and bad inputs name the file and column.
#include "pipeline/catalogue/catalogue_loader.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "io/error.hpp"
#include "io/fits_table_writer.hpp"
#include "pipeline/core/map_statistics.hpp"
#include "pipeline/flat/flat_binning.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/flat/flat_raw_binning.hpp"
#include "pipeline/simulate/synthetic_sky.hpp"
#include "pipeline/sphere/sphere_binning.hpp"
#include "pipeline/sphere/sphere_raw_binning.hpp"
#include "test_paths.hpp"

namespace lofimap::pipeline {
namespace {

const distributed::Communicator& world() {
  static const auto comm = distributed::Communicator::world();
  return comm;
}

FlatSky test_sky() {
  const FlatGrid patch{{36.0, -5.0}, 1.0, 64, 64};
  return make_synthetic_sky(patch,
                            {{36.1, -4.9, 0.2, 3.0}, {35.8, -5.2, 0.15, 4.0}, {36.2, -5.3, -0.05, 5.0}});
}

std::string write_preset_catalogue(const std::filesystem::path& dir, const FlatSky& sky,
                                   const std::string& preset, long long n, double sigma_e) {
  const std::string path = (dir / (preset + ".fits")).string();
  CatalogueWriter writer(path, preset);
  sample_galaxies(sky, n, sigma_e, 11, 100000, [&](const GalaxySample& s) { writer.append(s); });
  writer.close();
  return path;
}

class PresetRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(PresetRoundTrip, BinnedShearEqualsSimulatedShearAndKsRecoversTruth) {
  const auto dir = testing::scratch_dir();
  const auto sky = test_sky();
  CatalogueOptions opt;
  opt.preset = GetParam();
  opt.inputs = {write_preset_catalogue(dir, sky, opt.preset, 64 * 64 * 40, 0.0)};
  const auto cat = load_catalogue(opt, world());
  EXPECT_EQ(cat.summary.rows_valid, 64 * 64 * 40);
  const auto grid = bin_flat(cat.galaxies, sky.patch, world());
  // Noise-free: the binned shear is the truth averaged over the pixel (a mean offset may be subtracted).
  EXPECT_GT(pearson(grid.g1, sky.gamma1), 0.995);
  EXPECT_GT(pearson(grid.g2, sky.gamma2), 0.995);
  double offset = 0, max_diff = 0;
  for (size_t i = 0; i < grid.g1.size(); ++i)
    offset += (grid.g1[i] - sky.gamma1[i]) / static_cast<double>(grid.g1.size());
  for (size_t i = 0; i < grid.g1.size(); ++i)
    max_diff = std::max(max_diff, std::abs(grid.g1[i] - sky.gamma1[i] - offset));
  EXPECT_LT(max_diff, 0.02);
  const auto kappa = flat_kaiser_squires({64, 64, grid.g1, grid.g2}, 2.0, 0.0);
  EXPECT_GT(pearson(kappa.a, sky.kappa), 0.99);
}

INSTANTIATE_TEST_SUITE_P(AllPresets, PresetRoundTrip,
                         ::testing::Values("des", "kids", "hsc", "cosmos", "healpix-sim", "generic"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

// A hand-written table: one valid row per reason plus nine good rows.
std::string write_table(const std::filesystem::path& dir, const std::vector<std::vector<double>>& cols,
                        const std::vector<std::string>& names, const std::string& file = "table.fits") {
  const std::string path = (dir / file).string();
  io::FitsTableWriter w(path, "SHEAR", names);
  std::vector<const double*> ptrs;
  for (const auto& c : cols) ptrs.push_back(c.data());
  w.append(ptrs, static_cast<long>(cols[0].size()));
  w.close();
  return path;
}

TEST(CatalogueLoader, InvalidRowsAreCountedByReasonAndThresholded) {
  const auto dir = testing::scratch_dir();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> ra(13, 10.0), dec(13, 0.0), e1(13, 0.1), e2(13, 0.0), w(13, 1.0);
  e1[0] = nan;               // non-finite
  w[1] = 0;                  // weight
  w[2] = -1;                 // weight
  dec[3] = 95;               // Dec
  e1[4] = 0.9, e2[4] = 0.5;  // |e| >= 1
  const auto path = write_table(dir, {ra, dec, e1, e2, w}, {"RA", "DEC", "E1", "E2", "WEIGHT"});
  CatalogueOptions opt;
  opt.inputs = {path};
  opt.preset = "cosmos";
  opt.max_invalid_fraction = 0.5;
  const auto cat = load_catalogue(opt, world());
  EXPECT_EQ(cat.summary.rows_read, 13);
  EXPECT_EQ(cat.summary.invalid.nonfinite, 1);
  EXPECT_EQ(cat.summary.invalid.bad_weight, 2);
  EXPECT_EQ(cat.summary.invalid.bad_dec, 1);
  EXPECT_EQ(cat.summary.invalid.bad_shape, 1);
  EXPECT_EQ(cat.galaxies.size(), 8u);
  opt.max_invalid_fraction = 0.2;
  try {
    load_catalogue(opt, world());
    FAIL() << "expected the invalid fraction to be an error";
  } catch (const io::Error& e) {
    EXPECT_NE(std::string(e.what()).find("max-invalid-fraction"), std::string::npos) << e.what();
  }
}

TEST(CatalogueLoader, PartsReadOnThreadsKeepRowOrderAcrossInvalidRows) {
  // 600,000 rows read as three parts (200,000 each), invalid rows in every part: the galaxies come out in row
  // order, as read in one part, with the same counts.
  const auto dir = testing::scratch_dir();
  const long n = 600000;
  std::vector<double> ra(n), dec(n), e1(n), e2(n), w(n, 1.0);
  for (long i = 0; i < n; ++i) {
    ra[i] = 10 + 1e-5 * static_cast<double>(i);  // the row number, readable back from RA
    dec[i] = 0;
    e1[i] = 0.1 * std::sin(0.001 * static_cast<double>(i));
    e2[i] = 0.1 * std::cos(0.003 * static_cast<double>(i));
    if (i % 7919 == 3) w[i] = 0;  // invalid, in every part
  }
  const auto path = write_table(dir, {ra, dec, e1, e2, w}, {"RA", "DEC", "E1", "E2", "WEIGHT"});
  CatalogueOptions opt;
  opt.inputs = {path};
  opt.preset = "cosmos";
  CatalogueScan scan(opt, distributed::Communicator::self());
  ASSERT_EQ(scan.default_parts(), std::min(3, std::max(1, omp_get_max_threads())));
  std::vector<std::vector<double>> by_part(3);
  scan.run(3, [&](int part, const RawShearRows& rows) {
    by_part[static_cast<size_t>(part)].insert(by_part[static_cast<size_t>(part)].end(), rows.ra.begin(),
                                              rows.ra.end());
  });
  std::vector<double> expected;
  for (long i = 0; i < n; ++i)
    if (w[i] > 0) expected.push_back(ra[i]);
  std::vector<double> joined;
  for (const auto& p : by_part) joined.insert(joined.end(), p.begin(), p.end());
  ASSERT_EQ(joined, expected);
  ShapeCalibration calibration;
  EXPECT_EQ(scan.finish(calibration).invalid.bad_weight, n / 7919 + (n % 7919 > 3 ? 1 : 0));

  const auto cat = load_catalogue(opt, distributed::Communicator::self());  // as many parts as threads
  ASSERT_EQ(cat.galaxies.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(cat.galaxies.ra_deg[i], expected[i]) << i;
}

TEST_P(PresetRoundTrip, BinningInTheCataloguePassEqualsBinningTheLoadedGalaxies) {
  // Raw sums per pixel calibrated afterwards (FlatRawBinner, SphereRawBinner) against galaxies calibrated one
  // by one and then binned, for every preset's calibration (HSC subtracts c per galaxy), with shape noise
  // (0.12) and two parts: the same shear, weights, counts and shape noise to rounding.
  const auto dir = testing::scratch_dir();
  const auto sky = test_sky();
  CatalogueOptions opt;
  opt.preset = GetParam();
  opt.inputs = {write_preset_catalogue(dir, sky, opt.preset, 64 * 64 * 20, 0.12)};
  const auto cat = load_catalogue(opt, world());
  const auto reference = bin_flat(cat.galaxies, sky.patch, world());
  const double reference_noise = measured_shape_noise(cat.galaxies, world());

  CatalogueScan scan(opt, world());
  std::printf("%s: c subtracted per galaxy: %d\n", opt.preset.c_str(), scan.per_galaxy_c());
  FlatRawBinner binner(sky.patch, 2, scan.per_galaxy_c());
  scan.run(2, [&](int part, const RawShearRows& rows) { binner.add(part, rows); });
  ShapeCalibration calibration;
  const auto summary = scan.finish(calibration);
  ShapeMoments moments = binner.moments();
  world().allreduce_sum(moments.v, ShapeMoments::kCount);
  EXPECT_NEAR(moments.shape_noise(calibration), reference_noise, 1e-12);
  const auto streamed = binner.finish(calibration, world());
  EXPECT_EQ(summary.rows_valid, cat.summary.rows_valid);
  EXPECT_EQ(streamed.outside, reference.outside);
  // The same on HEALPix (nside 256): raw sums per pixel against bin_sphere of the loaded galaxies.
  CatalogueScan sphere_scan(opt, world());
  SphereRawBinner sphere_binner(256, 2, sphere_scan.per_galaxy_c());
  sphere_scan.run(2, [&](int part, const RawShearRows& rows) { sphere_binner.add(part, rows); });
  sphere_scan.finish(calibration);
  const auto sphere_streamed = sphere_binner.finish(calibration, world());
  const auto sphere_reference = bin_sphere(cat.galaxies, 256, world());
  if (!world().is_root()) return;
  for (size_t i = 0; i < reference.g1.size(); ++i) {
    ASSERT_NEAR(streamed.g1[i], reference.g1[i], 1e-12) << i;
    ASSERT_NEAR(streamed.g2[i], reference.g2[i], 1e-12) << i;
    ASSERT_NEAR(streamed.weight[i], reference.weight[i], 1e-9 * reference.weight[i]) << i;
    ASSERT_EQ(streamed.count[i], reference.count[i]) << i;
  }
  long long observed = 0;
  for (size_t i = 0; i < sphere_reference.q.size(); ++i) {
    observed += sphere_reference.weight[i] > 0;
    ASSERT_NEAR(sphere_streamed.q[i], sphere_reference.q[i], 1e-12) << i;
    ASSERT_NEAR(sphere_streamed.u[i], sphere_reference.u[i], 1e-12) << i;
    ASSERT_NEAR(sphere_streamed.weight[i], sphere_reference.weight[i], 1e-9 * sphere_reference.weight[i])
        << i;
    ASSERT_EQ(sphere_streamed.count[i], sphere_reference.count[i]) << i;
  }
  EXPECT_GT(observed, 10);
}

TEST(CatalogueLoader, DesResponseAndSignsAreApplied) {
  const auto dir = testing::scratch_dir();
  // Two galaxies with mean zero e; response 2 halves the shear; DES flat frame is (e1, -e2).
  const auto path = write_table(dir, {{10, 10}, {0, 0}, {0.2, -0.2}, {0.1, -0.1}, {1, 1}, {2, 2}, {2, 2}},
                                {"ra", "dec", "e_1", "e_2", "weight", "R11", "R22"});
  CatalogueOptions opt;
  opt.inputs = {path};
  opt.preset = "des";
  const auto cat = load_catalogue(opt, world());
  EXPECT_DOUBLE_EQ(cat.summary.response, 2.0);
  EXPECT_DOUBLE_EQ(cat.galaxies.g1[0], 0.1);
  EXPECT_DOUBLE_EQ(cat.galaxies.g2[0], -0.05);
  opt.flip_e1 = opt.flip_e2 = true;
  const auto flipped = load_catalogue(opt, world());
  EXPECT_DOUBLE_EQ(flipped.galaxies.g1[0], -0.1);
  EXPECT_DOUBLE_EQ(flipped.galaxies.g2[0], 0.05);
}

TEST(CatalogueLoader, ColumnsAreCaseInsensitiveAndOverridable) {
  const auto dir = testing::scratch_dir();
  const auto path = write_table(dir, {{10}, {1}, {0.3}, {0.1}}, {"Ra", "dEc", "G1", "G2"});
  CatalogueOptions opt;
  opt.inputs = {path};
  opt.preset = "generic";
  opt.column_overrides = {{"e1", "g1"}, {"e2", "g2"}};
  const auto cat = load_catalogue(opt, world());
  ASSERT_EQ(cat.galaxies.size(), 1u);
  EXPECT_DOUBLE_EQ(cat.galaxies.g1[0], 0.3);
  EXPECT_DOUBLE_EQ(cat.galaxies.weight[0], 1.0);  // no WEIGHT column: unit weights
}

TEST(CatalogueLoader, MissingColumnNamesItAndListsWhatExists) {
  const auto dir = testing::scratch_dir();
  const auto path = write_table(dir, {{10}, {1}, {0.3}}, {"RA", "DEC", "E1"});
  CatalogueOptions opt;
  opt.inputs = {path};
  try {
    load_catalogue(opt, world());
    FAIL();
  } catch (const io::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'E2'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("RA, DEC, E1"), std::string::npos) << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
  }
}

TEST(CatalogueLoader, BadFilesAndHdusAreClearErrors) {
  const auto dir = testing::scratch_dir();
  CatalogueOptions opt;
  opt.inputs = {(dir / "missing.fits").string()};
  EXPECT_THROW(load_catalogue(opt, world()), io::Error);
  const auto text = dir / "not_fits.fits";
  std::ofstream(text) << "this is not a FITS file\n";
  opt.inputs = {text.string()};
  EXPECT_THROW(load_catalogue(opt, world()), io::Error);
  opt.inputs = {write_table(dir, {{10}, {1}, {0.3}, {0.1}}, {"RA", "DEC", "E1", "E2"})};
  opt.hdu = "NOPE";
  EXPECT_THROW(load_catalogue(opt, world()), io::Error);
  opt.hdu = "7";
  EXPECT_THROW(load_catalogue(opt, world()), io::Error);
  opt.hdu = "0";  // the primary image
  EXPECT_THROW(load_catalogue(opt, world()), io::Error);
  opt.hdu = "SHEAR";
  EXPECT_EQ(load_catalogue(opt, world()).galaxies.size(), 1u);
  opt.hdu = "";
  opt.preset = "nosuch";
  EXPECT_THROW(load_catalogue(opt, world()), std::invalid_argument);
}

TEST(CatalogueLoader, ManyFilesAndGlobsActAsOneCatalogue) {
  const auto dir = testing::scratch_dir();
  write_table(dir, {{10, 11}, {1, 1}, {0.1, 0.2}, {0, 0}}, {"RA", "DEC", "E1", "E2"}, "part1.fits");
  write_table(dir, {{12}, {1}, {0.3}, {0}}, {"RA", "DEC", "E1", "E2"}, "part2.fits");
  CatalogueOptions opt;
  opt.inputs = {(dir / "part*.fits").string()};
  const auto cat = load_catalogue(opt, world());
  ASSERT_EQ(cat.galaxies.size(), 3u);
  EXPECT_DOUBLE_EQ(cat.galaxies.ra_deg[2], 12);
  EXPECT_EQ(cat.summary.files.size(), 2u);
  opt.inputs = {(dir / "nomatch*.fits").string()};
  EXPECT_THROW(load_catalogue(opt, world()), io::Error);
}

TEST(CatalogueLoader, EmptyCatalogueAfterCutsIsAnError) {
  const auto dir = testing::scratch_dir();
  const auto path = write_table(dir, {{10}, {1}, {0.3}, {0.1}, {0}}, {"RA", "DEC", "E1", "E2", "WEIGHT"});
  CatalogueOptions opt;
  opt.inputs = {path};
  opt.max_invalid_fraction = 1;
  EXPECT_THROW(load_catalogue(opt, world()), io::Error);
}

}  // namespace
}  // namespace lofimap::pipeline

namespace lofimap::pipeline {
namespace {

// --reread-catalogue: a catalogue replaced between passes by one with as many valid rows (the map would match
// neither) is refused by name, before the pass reads it.
TEST(CatalogueRereader, ACatalogueReplacedBetweenPassesIsRefused) {
  const auto dir = testing::scratch_dir();
  const auto sky = test_sky();
  CatalogueOptions opt;
  opt.preset = "cosmos";
  opt.inputs = {write_preset_catalogue(dir, sky, "cosmos", 2000, 0.26)};
  const CatalogueRereader rows(opt, world());
  long long seen = 0;
  rows.for_each([&](const ShearCatalogue& g, long long) { seen += static_cast<long long>(g.size()); });
  EXPECT_EQ(seen, 2000);
  // The same number of rows, other shapes (another shape-noise draw), at the same path.
  std::filesystem::remove(opt.inputs[0]);
  write_preset_catalogue(dir, sky, "cosmos", 2000, 0.3);
  try {
    rows.for_each([](const ShearCatalogue&, long long) {});
    FAIL() << "a replaced catalogue was read again";
  } catch (const io::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cosmos.fits"), std::string::npos) << what;
    EXPECT_NE(what.find("not the file this run started from"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace lofimap::pipeline
