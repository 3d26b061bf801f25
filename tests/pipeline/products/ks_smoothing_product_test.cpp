// KS smoothing chosen on training maps: more shape noise calls for more smoothing, near-noiseless maps for
// almost none, the JSON carries the table, and bad options name the option.
#include "pipeline/products/ks_smoothing_product.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/error.hpp"
#include "lognormal_training_set.hpp"
#include "pipeline/simulate/training_set.hpp"
#include "test_paths.hpp"

namespace lofimap::pipeline {
namespace {

std::string make_set(const std::filesystem::path& path, double n_gal, double sigma_e) {
  auto c = testing::lognormal_training_set(path, 6, pipeline::FlatGrid::square(64, 1.0));
  c.n_gal_min = c.n_gal_max = n_gal;
  c.sigma_e_min = c.sigma_e_max = sigma_e;
  c.masked_fraction = 0.1;
  c.seed = 5;
  write_training_set(c, distributed::Communicator::self());
  return c.output;
}

TEST(KsSmoothingChoice, NoisierMapsNeedMoreSmoothing) {
  const auto dir = testing::scratch_dir();
  KsSmoothingRequest r;
  r.maps = 6;
  r.training_set = make_set(dir / "clean.h5", 2000, 0.01);
  const auto clean = choose_ks_smoothing(r);
  r.training_set = make_set(dir / "noisy.h5", 15, 0.26);
  const auto noisy = choose_ks_smoothing(r);
  std::printf("best sigma: clean %.2f', noisy %.2f'\n%s", clean.best_sigma_arcmin, noisy.best_sigma_arcmin,
              noisy.table().c_str());
  EXPECT_EQ(clean.sigmas_arcmin.size(), 31u);  // 0.5 .. 8 pixels in quarter pixels
  EXPECT_LE(clean.best_sigma_arcmin, 1.0);
  EXPECT_GE(noisy.best_sigma_arcmin, 1.5);
  ASSERT_FALSE(noisy.best_at_edge);
  // The chosen sigma beats its neighbours on the same maps, and smoothing helps the noisy maps a lot.
  const auto best = static_cast<size_t>(
      std::find(noisy.sigmas_arcmin.begin(), noisy.sigmas_arcmin.end(), noisy.best_sigma_arcmin) -
      noisy.sigmas_arcmin.begin());
  ASSERT_GT(best, 0u);
  ASSERT_LT(best + 1, noisy.sigmas_arcmin.size());
  EXPECT_LT(noisy.mean_rmse[best], noisy.mean_rmse[best - 1]);
  EXPECT_LT(noisy.mean_rmse[best], noisy.mean_rmse[best + 1]);
  EXPECT_LT(noisy.mean_rmse[best], 0.7 * noisy.mean_rmse.front());
  const auto j = nlohmann::json::parse(noisy.json());
  EXPECT_DOUBLE_EQ(j.at("best_sigma_arcmin").get<double>(), noisy.best_sigma_arcmin);
  EXPECT_EQ(j.at("mean_rmse").size(), noisy.sigmas_arcmin.size());

  r.sigmas_arcmin = {0.5, 1.0};  // both far below the noisy optimum: flagged
  EXPECT_TRUE(choose_ks_smoothing(r).best_at_edge);
}

TEST(KsSmoothingChoice, BadOptionsNameTheOption) {
  const auto dir = testing::scratch_dir();
  KsSmoothingRequest r;
  r.training_set = (dir / "missing.h5").string();
  r.maps = 1;
  EXPECT_THROW(choose_ks_smoothing(r), io::Error);
  r.training_set = make_set(dir / "set.h5", 30, 0.26);
  r.maps = 7;
  try {
    choose_ks_smoothing(r);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--maps"), std::string::npos) << e.what();
  }
  r.maps = 2;
  r.sigmas_arcmin = {1.0, -1.0};
  EXPECT_THROW(choose_ks_smoothing(r), std::invalid_argument);
}

}  // namespace
}  // namespace lofimap::pipeline
