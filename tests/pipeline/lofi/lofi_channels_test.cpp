// LoFi's input channels with the Wiener estimate: the layout and shapes, the channel equals the Wiener filter
// of the same shear, the prior travels with the model file (old files without it still read), a model with
// the channel trains, and `lofimap map` feeds it from a catalogue but refuses a KS map (which holds no
// shear).
#include "pipeline/lofi/lofi_channels.hpp"

#include <gtest/gtest.h>

#include "io/hdf5_training_set.hpp"
#include "lognormal_training_set.hpp"
#include "models/lofi_network.hpp"
#include "pipeline/flat/wiener_filter.hpp"
#include "pipeline/lofi/lofi_inputs.hpp"
#include "pipeline/products/lofi_map_product.hpp"
#include "pipeline/lofi/lofi_trainer.hpp"
#include "pipeline/products/ks_product.hpp"
#include "pipeline/simulate/synthetic_sky.hpp"
#include "test_paths.hpp"

namespace lofimap::pipeline {
namespace {

models::LofiOptions wiener_options() {
  TrainConfig c;
  c.wiener_channel = true;
  return c.model_options(1.0);
}

TEST(LofiChannels, LayoutAndTheWienerChannel) {
  const auto dir = lofimap::testing::scratch_dir();
  auto t = testing::lognormal_training_set(dir / "set.h5", 2, FlatGrid::square(64, 1.0));
  t.n_gal_min = t.n_gal_max = 20;
  t.masked_fraction = 0.1;
  write_training_set(t, distributed::Communicator::self());
  const io::TrainingSetReader r(t.output);
  const auto m = r.read(0);
  const long n = 64;
  const size_t nn = n * n;
  const auto o = wiener_options();
  ASSERT_EQ(o.input_channels(), 4);
  const auto input = lofi_input(m, n, 1.0, o, torch::kCPU);
  ASSERT_EQ(input.sizes(), (std::vector<int64_t>{4, n, n}));
  // Channel 3 is the Wiener filter of the stored shear under the model's prior: periodic operators, as the
  // set's fields are; it correlates with the truth better than the raw KS channel does.
  const std::vector<double> g1(m.shear.begin(), m.shear.begin() + nn),
      g2(m.shear.begin() + nn, m.shear.end()), counts(m.counts.begin(), m.counts.end());
  WienerOptions wo;
  wo.pad = 1, wo.tolerance = 1e-8, wo.max_iterations = 1000;
  const auto reference =
      wiener_filter(g1, g2, counts, m.sigma_e, wiener_prior(o), FlatGrid::square(n, 1.0), wo);
  const auto channel = input[3].contiguous();
  double worst = 0, scale = 0;
  for (size_t i = 0; i < nn; ++i) {
    worst = std::max(worst, std::abs(channel.data_ptr<float>()[i] - reference.kappa[i]));
    scale = std::max(scale, std::abs(reference.kappa[i]));
  }
  EXPECT_LT(worst, 1e-3 * scale);
  // The noise channel sits at index 2 as before.
  EXPECT_NEAR(input[2][0][0].item<float>(), m.counts[0] > 0 ? m.sigma_e / std::sqrt(m.counts[0]) : 1.0f,
              1e-6);
  // A model with the channel but no shear given: refused by name.
  EXPECT_THROW(lofi_channels(o, FlatGrid::square(n, 1.0), g1, g2, {}, {}, counts, 0.26),
               std::invalid_argument);
  // Rectangular patches (a catalogue's own extent) get the channel too.
  const FlatGrid wide{{}, 1.0, 64, 32};
  const std::vector<double> half(64 * 32, 0.0), ones(64 * 32, 5.0);
  EXPECT_EQ(lofi_channels(o, wide, half, half, half, half, ones, 0.26).size(), 4u * 64 * 32);
}

TEST(LofiChannels, PriorTravelsWithTheModelAndOldFilesStillRead) {
  const auto o = wiener_options();
  ASSERT_TRUE(o.wiener_channel);
  ASSERT_GT(o.wiener_prior_ell.size(), 100u);
  const auto back = models::LofiOptions::from_json(o.to_json());
  EXPECT_TRUE(back.wiener_channel);
  EXPECT_EQ(back.wiener_prior_cl, o.wiener_prior_cl);
  EXPECT_EQ(back.difference(o), "");
  // A model file of an earlier version: no Wiener keys.
  const auto old = models::LofiOptions::from_json(
      R"({"rings":9,"angles":9,"extra_channels":1,"spoke_hidden":[64,64],"spoke_out":32,"mixer_hidden":[128,64],)"
      R"("filter_size":65,"train_pixel_arcmin":1.0,"pad_pixels":5})");
  EXPECT_FALSE(old.wiener_channel);
  EXPECT_NO_THROW(old.validate());
  auto bad = o;
  bad.extra_channels = 1;  // the Wiener channel without the noise channel's slot
  EXPECT_THROW(bad.validate(), std::invalid_argument);
  bad = o;
  bad.wiener_prior_cl.pop_back();
  EXPECT_THROW(bad.validate(), std::invalid_argument);
}

TEST(LofiChannels, ModelWithTheChannelTrainsAndMaps) {
  const auto dir = lofimap::testing::scratch_dir();
  auto t = testing::lognormal_training_set(dir / "set.h5", 16, FlatGrid::square(48, 1.0));
  t.n_gal_min = 20, t.n_gal_max = 40;
  write_training_set(t, distributed::Communicator::self());
  TrainConfig c;
  c.training_sets = {t.output};
  c.validation_maps = 4;
  c.steps = 6;
  c.global_batch = 2;
  c.coords_per_map = 64;
  c.validate_every = 6;
  c.checkpoint_every = 100;
  c.wiener_channel = true;
  c.output = (dir / "model.pt").string();
  const auto s = train_lofi(c, distributed::Communicator::self());
  EXPECT_TRUE(std::isfinite(s.val_rmse));
  auto net = models::load_lofi(c.output);
  EXPECT_TRUE(net->options().wiener_channel);
  EXPECT_EQ(net->options().input_channels(), 4);

  // `lofimap map` on a catalogue feeds all four channels.
  const FlatGrid patch{{20.0, 5.0}, 1.0, 48, 48};
  const auto sky = make_synthetic_sky(patch, random_haloes(patch, 4, 2));
  const std::string cat = (dir / "cat.fits").string();
  {
    CatalogueWriter writer(cat, "cosmos");
    sample_galaxies(sky, 48 * 48 * 20, 0.26, 5, 1 << 16, [&](const GalaxySample& g) { writer.append(g); });
    writer.close();
  }
  MapConfig m;
  m.catalogue.inputs = {cat};
  m.catalogue.preset = "cosmos";
  m.flat.center_ra = 20.0, m.flat.center_dec = 5.0;
  m.flat.npix = 48, m.flat.pixel_arcmin = 1.0;
  m.model.path = c.output;
  m.output.png = false;
  m.output.path = (dir / "map.fits").string();
  EXPECT_NO_THROW(run_lofi_map(m, distributed::Communicator::self()));
  EXPECT_TRUE(std::filesystem::exists(m.output.path));
  // From a KS map: no binned shear, so refused with the reason.
  KsConfig ks;  // the same catalogue and grid
  ks.catalogue = m.catalogue, ks.flat = m.flat, ks.output = m.output;
  ks.output.path = (dir / "ks.fits").string();
  run_kaiser_squires(ks, distributed::Communicator::self());
  MapConfig from_ks;
  from_ks.ks_map = ks.output.path;
  from_ks.model.path = c.output;
  from_ks.output.png = false;
  from_ks.output.path = (dir / "map2.fits").string();
  m = from_ks;
  try {
    run_lofi_map(m, distributed::Communicator::self());
    FAIL() << "a Wiener-channel model was fed from a KS map";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--ks-map"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(m.output.path));
}

}  // namespace
}  // namespace lofimap::pipeline
