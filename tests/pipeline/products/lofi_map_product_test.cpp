// `lofimap map` in-process: a model queried on output grids finer and coarser than the input, at listed
// coordinates, with the model hash in the header; bad inputs are clear errors and write nothing.
#include "pipeline/products/lofi_map_product.hpp"

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>

#include <fstream>

#include "io/error.hpp"
#include "io/fits_maps.hpp"
#include "io/fits_table_writer.hpp"
#include "io/text_table.hpp"
#include "models/lofi_network.hpp"
#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/products/ks_product.hpp"
#include "pipeline/simulate/synthetic_sky.hpp"
#include "pipeline/sphere/sphere_binning.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"
#include "pipeline/survey/healpix_patch_pixels.hpp"
#include "test_paths.hpp"

namespace lofimap::pipeline {
namespace {

MapConfig setup(const std::filesystem::path& dir) {
  const FlatGrid patch{{20.0, 5.0}, 1.0, 48, 48};
  const auto sky = make_synthetic_sky(patch, random_haloes(patch, 4, 2));
  const std::string cat = (dir / "cat.fits").string();
  {
    CatalogueWriter writer(cat, "cosmos");
    sample_galaxies(sky, 48 * 48 * 20, 0.26, 5, 1 << 16, [&](const GalaxySample& s) { writer.append(s); });
    writer.close();
  }
  torch::manual_seed(0);
  auto options = models::LofiOptions::compact();
  options.extra_channels = 1;
  models::LofiNetwork net(options);
  const std::string model = (dir / "model.pt").string();
  models::save_lofi(net, model);
  MapConfig c;
  c.catalogue.inputs = {cat};
  c.catalogue.preset = "cosmos";
  c.flat.center_ra = 20.0, c.flat.center_dec = 5.0;
  c.flat.npix = 48, c.flat.pixel_arcmin = 1.0;
  c.model.path = model;
  c.output.png = false;
  return c;
}

TEST(LofiMapping, AnyOutputResolutionAndCoordinateLists) {
  const auto dir = lofimap::testing::scratch_dir();
  auto c = setup(dir);
  for (const double f : {0.5, 2.0}) {
    c.out_pixel_arcmin = 1.0 / f;
    c.output.path = (dir / ("map_" + std::to_string(f) + ".fits")).string();
    run_lofi_map(c, distributed::Communicator::self());
    const auto m = io::read_flat_fits(c.output.path, "KAPPA");
    EXPECT_EQ(m.grid.nx, static_cast<long>(48 * f));
    EXPECT_NEAR(m.grid.pixel_arcmin, 1.0 / f, 1e-12);
    EXPECT_NEAR(m.grid.ra0_deg, 20.0, 1e-9);
  }
  // A 49 x 49 grid of 1' pixels has its middle pixel centre on the patch centre (RA 20, Dec 5); pixel
  // (24 + 6, 24 + 3) is centred 6' East and 3' North of it (read_flat_fits returns ix running East).
  c.out_pixel_arcmin = 1.0, c.out_npix = 49;
  c.output.path = (dir / "map_49.fits").string();
  run_lofi_map(c, distributed::Communicator::self());
  const auto grid49 = io::read_flat_fits(c.output.path, "KAPPA").data;
  const double at_centre = grid49[24 * 49 + 24], off_centre = grid49[27 * 49 + 30];
  c.out_npix = 0;
  double ra = 0, dec = 0;
  gnomonic_deproject({20.0, 5.0}, 6.0 / 60, 3.0 / 60, ra, dec);
  // The same positions as whitespace text, CSV with a header line, and a FITS table with RA, DEC columns.
  char text[256], csv[256];
  std::snprintf(text, sizeof text, "20.0 5.0\n%.12f %.12f\n20.2 5.1\n", ra, dec);
  std::snprintf(csv, sizeof csv, "ra,dec\n20.0,5.0\n%.12f,%.12f\n20.2,5.1\n", ra, dec);
  std::ofstream(dir / "coords.txt") << text;
  std::ofstream(dir / "coords.csv") << csv;
  {
    io::FitsTableWriter w((dir / "coords.fits").string(), "COORDS", {"RA", "DEC"});
    const double ras[] = {20.0, ra, 20.2}, decs[] = {5.0, dec, 5.1};
    w.append({ras, decs}, 3);
    w.close();
  }
  std::vector<std::vector<double>> values;
  for (const char* name : {"coords.txt", "coords.csv", "coords.fits"}) {
    c.coords_file = (dir / name).string();
    c.output.path = (dir / (std::string(name) + ".out")).string();
    run_lofi_map(c, distributed::Communicator::self());
    const auto cols = io::read_text_columns(c.output.path, 3);
    ASSERT_EQ(cols[0].size(), 3u) << name;
    values.push_back(cols[2]);
  }
  EXPECT_EQ(values[0], values[1]);
  EXPECT_EQ(values[0], values[2]);
  // The list and the grid agree where they coincide.
  EXPECT_NEAR(values[0][0], at_centre, 1e-5 * (1 + std::abs(at_centre)));
  EXPECT_NEAR(values[0][1], off_centre, 1e-5 * (1 + std::abs(off_centre)));
  EXPECT_GT(std::abs(at_centre - off_centre), 1e-4);  // distinct values, so the comparison means something
  // HEALPix pixel centres inside the patch, as a partial map.
  c.coords_file.clear();
  c.nside = 2048;
  c.output.path = (dir / "healpix.fits").string();
  run_lofi_map(c, distributed::Communicator::self());
  const auto h = io::read_healpix_fits(c.output.path, "KAPPA", -1e30f);
  long inside = 0;
  for (float v : h.data) inside += v != -1e30f;
  // 48' x 48' patch / (1.72')^2 per nside-2048 pixel ~ 780 pixels.
  EXPECT_GT(inside, 600);
  EXPECT_LT(inside, 950);
}

// --precision bf16 (autocast: bfloat16 matrix products, 8-bit mantissas) stays within a few per cent of the
// float32 map of the shipped model (0.35% of the map rms measured on a 256^2 simulated field), and leaves the
// autocast state as it found it; tf32 on a CPU is refused by name.
TEST(LofiMapping, Bf16ArithmeticStaysNearFp32AndTf32NeedsCuda) {
  const auto dir = lofimap::testing::scratch_dir();
  auto c = setup(dir);
  c.model.path.clear();  // the shipped model: an untrained one's nearly constant output is all rounding
  std::vector<float> maps[2];
  for (int k = 0; k < 2; ++k) {
    c.model.precision = k == 0 ? Precision::Fp32 : Precision::Bf16;
    c.output.path = (dir / (k == 0 ? "fp32.fits" : "bf16.fits")).string();
    run_lofi_map(c, distributed::Communicator::self());
    maps[k] = io::read_flat_fits(c.output.path, "KAPPA").data;
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  double diff2 = 0, ref2 = 0, mean = 0;
  for (float v : maps[0]) mean += v / static_cast<double>(maps[0].size());
  for (size_t i = 0; i < maps[0].size(); ++i) {
    diff2 += (maps[1][i] - maps[0][i]) * (maps[1][i] - maps[0][i]);
    ref2 += (maps[0][i] - mean) * (maps[0][i] - mean);
  }
  EXPECT_GT(diff2, 0) << "bf16 changed nothing: autocast was not in effect";
  EXPECT_LT(std::sqrt(diff2 / ref2), 0.05);
  c.model.precision = Precision::Tf32;
  c.output.path = (dir / "tf32.fits").string();
  try {
    run_lofi_map(c, distributed::Communicator::self());
    FAIL() << "tf32 on a CPU was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--precision tf32"), std::string::npos) << e.what();
  }
}

// A precomputed (unsmoothed) KS map from `lofimap ks` gives the same LoFi map as the catalogue it was made
// from; a smoothed one is refused.
TEST(LofiMapping, FromAKsMapAsFromItsCatalogue) {
  const auto dir = lofimap::testing::scratch_dir();
  auto c = setup(dir);
  c.output.path = (dir / "from_catalogue.fits").string();
  run_lofi_map(c, distributed::Communicator::self());
  KsConfig ks;  // the same catalogue and grid
  ks.catalogue = c.catalogue, ks.flat = c.flat, ks.output = c.output;
  ks.output.path = (dir / "ks.fits").string();
  run_kaiser_squires(ks, distributed::Communicator::self());
  ks.output.path = (dir / "ks_smoothed.fits").string();
  ks.smoothing_arcmin = 2.0;
  run_kaiser_squires(ks, distributed::Communicator::self());

  MapConfig m;
  m.ks_map = (dir / "ks.fits").string();
  m.model.path = c.model.path;
  m.output.png = false;
  m.output.path = (dir / "from_ks.fits").string();
  run_lofi_map(m, distributed::Communicator::self());
  const auto a = io::read_flat_fits((dir / "from_catalogue.fits").string(), "KAPPA");
  const auto b = io::read_flat_fits(m.output.path, "KAPPA");
  ASSERT_EQ(a.data.size(), b.data.size());
  EXPECT_EQ(b.grid.nx, 48);
  EXPECT_NEAR(b.grid.ra0_deg, a.grid.ra0_deg, 1e-12);
  double worst = 0, scale = 0;
  for (size_t i = 0; i < a.data.size(); ++i)
    worst = std::max(worst, static_cast<double>(std::abs(a.data[i] - b.data[i]))),
    scale = std::max(scale, static_cast<double>(std::abs(a.data[i])));
  EXPECT_LT(worst, 1e-4 * scale) << "catalogue vs KS-map input";
  EXPECT_GT(scale, 0);

  m.ks_map = (dir / "ks_smoothed.fits").string();
  m.output.path = (dir / "from_smoothed.fits").string();
  try {
    run_lofi_map(m, distributed::Communicator::self());
    ADD_FAILURE() << "a smoothed KS map was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("smoothed"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(m.output.path));
  m.catalogue.inputs = c.catalogue.inputs;  // both sources at once
  EXPECT_THROW(run_lofi_map(m, distributed::Communicator::self()), std::invalid_argument);
}

TEST(LofiMapping, BadInputsAreClearErrorsAndWriteNothing) {
  const auto dir = lofimap::testing::scratch_dir();
  auto c = setup(dir);
  c.output.path = (dir / "out.fits").string();
  c.model.path = (dir / "missing.pt").string();
  EXPECT_THROW(run_lofi_map(c, distributed::Communicator::self()), std::runtime_error);
  std::ofstream(dir / "corrupt.pt") << "garbage";
  c.model.path = (dir / "corrupt.pt").string();
  EXPECT_THROW(run_lofi_map(c, distributed::Communicator::self()), std::runtime_error);
  c = setup(dir);
  std::ofstream(dir / "empty.txt") << "# nothing\n";
  c.coords_file = (dir / "empty.txt").string();
  c.output.path = (dir / "out.txt").string();
  EXPECT_THROW(run_lofi_map(c, distributed::Communicator::self()), std::exception);
  std::ofstream(dir / "words.csv") << "ra,dec\n20.0,5.0\n20.1,north\n";  // a word after the header line
  c.coords_file = (dir / "words.csv").string();
  EXPECT_THROW(run_lofi_map(c, distributed::Communicator::self()), io::Error);
  {
    io::FitsTableWriter w((dir / "no_dec.fits").string(), "COORDS", {"RA", "DECL"});
    const double ra[] = {20.0}, dec[] = {5.0};
    w.append({ra, dec}, 1);
    w.close();
  }
  c.coords_file = (dir / "no_dec.fits").string();
  try {
    run_lofi_map(c, distributed::Communicator::self());
    ADD_FAILURE() << "a FITS list without DEC was accepted";
  } catch (const io::Error& e) {
    EXPECT_NE(std::string(e.what()).find("DEC"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "out.fits"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out.txt"));
}

}  // namespace
}  // namespace lofimap::pipeline
