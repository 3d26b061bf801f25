// Real reference data from ../shared/data (skipped with a message when the folder is absent):
//  (a) lenspack's simulated catalogue with per-galaxy truth: KS kappa_E correlates with binned truth kappa;
//  (b) COSMOS (Schrabback et al. 2010): clusters are peaks (positive skewness) and the correct parity has a
//      clearly higher E/B rms ratio than a wrong one.
#include <gtest/gtest.h>

#include <cmath>

#include "io/catalogue_files.hpp"
#include "io/fits_maps.hpp"
#include "pipeline/core/map_statistics.hpp"
#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/products/ks_product.hpp"
#include "test_paths.hpp"

namespace lofimap::pipeline {
namespace {

const distributed::Communicator& world() {
  static const auto comm = distributed::Communicator::world();
  return comm;
}

std::string require_data(const std::string& name) {
  const auto dir = testing::shared_data_dir();
  if (dir.empty() || !std::filesystem::exists(dir / name)) return "";
  return (dir / name).string();
}

struct Maps {
  std::vector<double> e, b, weight;
  io::TanGrid grid;
};

Maps run(KsConfig c) {
  run_kaiser_squires(c, world());
  const auto e = io::read_flat_fits(c.output.path, "KAPPA_E"), b = io::read_flat_fits(c.output.path, "KAPPA_B"),
             w = io::read_flat_fits(c.output.path, "WEIGHT");
  return {
      {e.data.begin(), e.data.end()}, {b.data.begin(), b.data.end()}, {w.data.begin(), w.data.end()}, e.grid};
}

TEST(ReferenceCatalogues, SimulatedCatalogueKappaCorrelatesWithTruth) {
  const auto input = require_data("sim_galcat_truth.fits");
  if (input.empty())
    GTEST_SKIP() << "../shared/data/sim_galcat_truth.fits not present: real-data test skipped";
  const auto dir = testing::scratch_dir();
  KsConfig c;
  c.catalogue.inputs = {input};
  c.catalogue.preset = "healpix-sim";
  c.flat.npix = 64;
  c.output.png = false;
  c.output.path = (dir / "right.fits").string();
  const Maps right = run(c);
  ASSERT_EQ(right.grid.nx, 64);

  // Binned truth kappa on the same grid (mean of the per-galaxy truth in each pixel).
  const FlatGrid patch{{right.grid.ra0_deg, right.grid.dec0_deg}, right.grid.pixel_arcmin, 64, 64};
  std::vector<double> sum(64 * 64, 0.0), count(64 * 64, 0.0);
  io::CatalogueFiles files({input}, "");
  files.read({"ra", "dec", "kappa"}, 0, files.total_rows(), [&](const io::CatalogueChunk& ch) {
    for (long i = 0; i < ch.rows; ++i) {
      const auto p = gnomonic_project(patch.centre, ch.columns[0][static_cast<size_t>(i)],
                                      ch.columns[1][static_cast<size_t>(i)]);
      long ix = 0, iy = 0;
      if (!patch.pixel_of(p.x_deg, p.y_deg, ix, iy)) continue;
      sum[static_cast<size_t>(iy * 64 + ix)] += ch.columns[2][static_cast<size_t>(i)];
      count[static_cast<size_t>(iy * 64 + ix)] += 1;
    }
  });
  std::vector<double> truth(64 * 64, 0.0);
  for (size_t k = 0; k < truth.size(); ++k) truth[k] = count[k] > 0 ? sum[k] / count[k] : 0;
  const double r = pearson(right.e, truth, count);
  std::printf("sim_galcat_truth: r(kappa_E, binned truth) = %.3f\n", r);
  EXPECT_GE(r, 0.80);

  c.catalogue.flip_e1 = true;
  c.output.path = (dir / "flipped.fits").string();
  const double r_flipped = pearson(run(c).e, truth, count);
  std::printf("sim_galcat_truth: r with e1 flipped = %.3f\n", r_flipped);
  EXPECT_LE(r_flipped, 0.2);
}

TEST(ReferenceCatalogues, CosmosHasPositiveSkewnessAndTheRightParity) {
  const auto input = require_data("cosmos_shear.fits");
  if (input.empty()) GTEST_SKIP() << "../shared/data/cosmos_shear.fits not present: real-data test skipped";
  const auto dir = testing::scratch_dir();
  KsConfig c;
  c.catalogue.inputs = {input};
  c.catalogue.preset = "cosmos";
  c.flat.pixel_arcmin = 0.5;
  c.smoothing_arcmin = 1.0;
  c.output.png = false;
  c.output.path = (dir / "cosmos.fits").string();
  const Maps right = run(c);
  const double skew = skewness(right.e, right.weight);
  const double ratio = rms(right.e, right.weight) / rms(right.b, right.weight);
  c.catalogue.flip_e2 = true;  // wrong parity: one component flipped
  c.output.path = (dir / "cosmos_wrong.fits").string();
  const Maps wrong = run(c);
  const double wrong_ratio = rms(wrong.e, wrong.weight) / rms(wrong.b, wrong.weight);
  std::printf("COSMOS: skewness(kappa_E) = %.3f, E/B rms = %.3f, with e2 flipped = %.3f\n", skew, ratio,
              wrong_ratio);
  EXPECT_GT(skew, 0);
  EXPECT_GE(ratio, 1.05 * wrong_ratio);
}

}  // namespace
}  // namespace lofimap::pipeline
