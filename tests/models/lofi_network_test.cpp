// LoFi network: shapes and parameter count at the published sizes, gradients reach the patch geometry, scale
// and filter, a tiny training run learns, save/load is exact, an identity-like configuration reproduces the
// input at pixel centres, and bad inputs are clear errors.
#include "models/lofi_network.hpp"
#include "models/patch_sampler.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <filesystem>
#include <fstream>
#include <limits>

#include "io/error.hpp"
#include "lognormal_training_set.hpp"
#include "pipeline/simulate/training_set.hpp"
#include "test_paths.hpp"

namespace lofimap::models {
namespace {

TEST(LofiNetwork, PublishedSizeHasAbout3p56MillionParametersAndShapes) {
  torch::manual_seed(0);
  LofiNetwork net(LofiOptions::published());
  const long long mlp = 9LL * (36 * 370 + 370 + 2 * (370 * 370 + 370) + 370 * 100 + 100) +
                        (900 * 370 + 370 + 2 * (370 * 370 + 370) + 370 + 1);
  EXPECT_EQ(mlp, 3536251);
  EXPECT_EQ(net->parameter_count(), mlp + 2 * 139 * 139 + 81 * 2 + 1);
  std::printf("published LoFi: %lld parameters, %.2f MFLOP per query\n", net->parameter_count(),
              net->flops_per_query() / 1e6);
  EXPECT_NEAR(net->flops_per_query() / 1e6, 7.05, 0.05);
  const auto out = net->forward(torch::randn({2, 2, 48, 40}), 0.5, torch::rand({2, 17, 2}) * 10 - 5);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 17}));
}

TEST(LofiNetwork, GradientsReachPatchGeometryScaleAndFilter) {
  torch::manual_seed(1);
  LofiNetwork net(LofiOptions::compact());
  const auto out = net->forward(torch::randn({1, 2, 32, 32}), 1.0, torch::rand({1, 64, 2}) * 20 - 10);
  out.pow(2).sum().backward();
  EXPECT_GT(net->offsets.grad().abs().sum().item<double>(), 0);
  EXPECT_GT(net->scale.grad().abs().sum().item<double>(), 0);
  EXPECT_GT(net->filter.grad().abs().sum().item<double>(), 0);
}

// Ring radii of a network's patch in training pixels, ring by ring (mean over the angles), and the largest
// spread over the angles of one ring.
std::pair<std::vector<double>, double> ring_radii(LofiNetwork& net) {
  const auto& o = net->options();
  const auto r =
      (net->offsets * net->scale).pow(2).sum(1).sqrt().view({o.angles, o.rings}) / o.train_pixel_arcmin;
  const auto mean = r.mean(0);
  return {std::vector<double>(mean.data_ptr<float>(), mean.data_ptr<float>() + o.rings),
          (r.amax(0) - r.amin(0)).max().item<double>()};
}

TEST(LofiNetwork, PatchLayoutsPublishedEvenAndGeometric) {
  auto o = LofiOptions::compact();
  o.train_pixel_arcmin = 0.25;
  LofiNetwork net(o);
  auto [published, spread] = ring_radii(net);
  for (int n = 0; n < 9; ++n) EXPECT_NEAR(published[n], n / 4.0, 1e-6);  // ring n at n/4 training pixels
  EXPECT_LT(spread, 1e-6);
  net->lay_out_patch(2.0, false);  // the published layout again: 9 rings evenly out to 2 pixels
  EXPECT_EQ(ring_radii(net).first, published);
  {
    torch::NoGradGuard no_grad;
    net->scale.fill_(3.0);  // a learned scale is reset: the layout is in training pixels
  }
  net->lay_out_patch(16.0, true);
  const auto [geometric, spread_g] = ring_radii(net);
  EXPECT_LT(spread_g, 1e-5);
  EXPECT_EQ(geometric[0], 0.0);
  EXPECT_NEAR(geometric[1], 0.25, 1e-6);
  EXPECT_NEAR(geometric[8], 16.0, 1e-4);
  const double ratio = std::pow(16.0 / 0.25, 1.0 / 7);  // 64^(1/7): constant from ring 1 to ring 8
  for (int n = 2; n < 9; ++n) EXPECT_NEAR(geometric[n] / geometric[n - 1], ratio, 1e-5);
  net->lay_out_patch(8.0, false);
  for (int n = 0; n < 9; ++n) EXPECT_NEAR(ring_radii(net).first[n], n, 1e-5);
  EXPECT_THROW(net->lay_out_patch(0.0, false), std::invalid_argument);
  EXPECT_THROW(net->lay_out_patch(0.2, true), std::invalid_argument);  // inside the innermost ring
  EXPECT_THROW(net->lay_out_patch(std::numeric_limits<double>::infinity(), false), std::invalid_argument);
}

TEST(LofiNetwork, IdentityLikeConfigurationReproducesInputAtPixelCentres) {
  LofiOptions o;
  o.rings = 1, o.angles = 1;  // one sample, at the query itself
  o.spoke_hidden = {};
  o.spoke_out = 2;
  o.mixer_hidden = {};
  o.filter_size = 3;
  LofiNetwork net(o);
  {
    torch::NoGradGuard guard;
    // spoke: [Re, Im, kE, kB] -> (kE, -kE); ReLU; mixer: relu(kE) - relu(-kE) = kE.
    auto w = torch::zeros({1, 4, 2});
    w[0][2][0] = 1, w[0][2][1] = -1;
    for (auto& p : net->named_parameters()) {
      if (p.key() == "spoke_w0") p.value().copy_(w);
      if (p.key() == "spoke_b0") p.value().zero_();
    }
    auto* linear = net->modules(false).back()->as<torch::nn::LinearImpl>();
    ASSERT_NE(linear, nullptr);
    linear->weight.copy_(torch::tensor({{1.0f, -1.0f}}));
    linear->bias.zero_();
  }
  const long h = 12, w = 10;
  const double pix = 0.7;
  const auto input = torch::randn({1, 2, h, w});
  std::vector<float> q;
  for (long iy = 0; iy < h; ++iy)
    for (long ix = 0; ix < w; ++ix) {
      q.push_back(static_cast<float>((ix - (w - 1) / 2.0) * pix));
      q.push_back(static_cast<float>((iy - (h - 1) / 2.0) * pix));
    }
  const auto queries = torch::from_blob(q.data(), {1, h * w, 2}).clone();
  const auto out = net->forward(input, pix, queries).view({h, w});
  EXPECT_LT((out - input[0][0]).abs().max().item<double>(), 1e-5);
}

TEST(LofiNetwork, TinyTrainingRunReducesTheLoss) {
  torch::manual_seed(3);
  auto c = lofimap::testing::lognormal_training_set({}, 100, pipeline::FlatGrid::square(48, 1.0));
  c.n_gal_min = c.n_gal_max = 30;
  c.seed = 4;
  std::vector<torch::Tensor> inputs, truths;
  for (long i = 0; i < 2; ++i) {
    auto m = pipeline::simulate_training_map(c, i);
    inputs.push_back(torch::from_blob(m.ks.data(), {1, 2, 48, 48}).clone());
    truths.push_back(torch::from_blob(m.kappa.data(), {1, 48, 48}).clone());
  }
  const auto input = torch::cat(inputs), truth = torch::cat(truths);
  LofiNetwork net(LofiOptions::compact());
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3));
  auto loss_at = [&](bool step) {
    const auto idx = torch::randint(0, 48, {2, 256, 2}, torch::kLong);
    const auto q = (idx.to(torch::kFloat) - 23.5) * 1.0;
    const auto target = truth.index({torch::arange(2).unsqueeze(1), idx.select(2, 1), idx.select(2, 0)});
    const auto loss = torch::l1_loss(net->forward(input, 1.0, q), target);
    if (step) {
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
    return loss.item<double>();
  };
  torch::manual_seed(10);
  double first = 0;
  for (int k = 0; k < 5; ++k) first += loss_at(false) / 5;
  for (int it = 0; it < 150; ++it) loss_at(true);
  double last = 0;
  for (int k = 0; k < 5; ++k) last += loss_at(false) / 5;
  std::printf("tiny training: L1 %.5f -> %.5f\n", first, last);
  EXPECT_LT(last, 0.8 * first);
}

// Inference filters a map once and queries it in batches; without gradients a batch runs in cache-sized
// chunks and a single map's sampling is split over threads (queries padded to a multiple of the thread
// count): the values must be those of the plain training-mode pass.
TEST(LofiNetwork, ChunkedThreadedInferenceMatchesTheTrainingPass) {
  torch::manual_seed(7);
  auto options = LofiOptions::published();
  options.extra_channels = 1;
  LofiNetwork net(options);
  const auto input = torch::randn({1, 3, 40, 36});
  const auto q = torch::rand({1, 3001, 2}) * 40 - 20;
  ASSERT_LT(net->inference_chunk(), 2800);  // the 2800-query batch below is cut into chunks
  // Grad mode: one pass through LibTorch's grid sampler; without gradients, chunks through the inference
  // sampler (models/patch_sampler).
  const auto reference = net->forward(input, 0.5, q).detach();
  const int threads = at::get_num_threads();
  at::set_num_threads(3);  // the sampler's query ranges split unevenly over 3 threads
  torch::Tensor batched;
  {
    torch::NoGradGuard no_grad;
    const auto channels = net->prefilter(input, 0.5);
    batched = torch::cat(
        {net->query(channels, 0.5, q.slice(1, 0, 2800)), net->query(channels, 0.5, q.slice(1, 2800, 3001))},
        1);
  }
  at::set_num_threads(threads);
  ASSERT_EQ(batched.sizes(), reference.sizes());
  EXPECT_LT((batched - reference).abs().max().item<double>(),
            1e-5 * (1 + reference.abs().max().item<double>()));
}

// The inference sampler against LibTorch's grid sampler (bicubic, reflection, align_corners = false) in the
// feature-major layout, with points up to three grid widths away (several reflections), a scaled patch, a
// grid one pixel high, and more channels than the vectorised layout holds (10 > 8).
TEST(LofiNetwork, InferencePatchSamplerMatchesTheGridSampler) {
  torch::manual_seed(11);
  const int angles = 5, rings = 3;
  for (const auto& [h, w, c] : std::vector<std::array<int, 3>>{{17, 23, 3}, {1, 9, 3}, {12, 10, 10}}) {
    const auto channels = torch::randn({1, c, h, w});
    const auto queries = (torch::rand({257, 2}) - 0.5) * 6 * std::max(h, w) * 0.5;
    const auto offsets = torch::randn({angles * rings, 2}) * 2;
    const double scale = 1.3, pixel = 0.5;
    const auto got = sample_patch_spokes(channels_last_for_sampling(channels[0]), c, queries, offsets, scale,
                                         pixel, angles, rings);
    auto pos = queries.unsqueeze(1) + static_cast<float>(scale) * offsets.unsqueeze(0);
    pos = pos * torch::tensor({2.0 / (pixel * w), 2.0 / (pixel * h)}, torch::kFloat32);
    const auto samples = torch::grid_sampler(channels, pos.unsqueeze(0), 2, 2, false);  // [1, C, Q, A*R]
    const auto want =
        samples.view({c, 257, angles, rings}).permute({2, 0, 3, 1}).reshape({angles, c * rings, 257});
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_LT((got - want).abs().max().item<double>(), 1e-5 * (1 + want.abs().max().item<double>()))
        << h << " x " << w;
  }
}

TEST(LofiNetwork, SaveLoadRoundTripAndErrors) {
  const auto dir = lofimap::testing::scratch_dir();
  torch::manual_seed(5);
  LofiNetwork net(LofiOptions::compact());
  const auto path = (dir / "model.pt").string();
  save_lofi(net, path);
  const auto loaded = load_lofi(path);
  LofiNetwork copy = loaded;
  const auto input = torch::randn({1, 2, 24, 24});
  const auto q = torch::rand({1, 30, 2}) * 10 - 5;
  EXPECT_TRUE(torch::equal(net->forward(input, 1.0, q), copy->forward(input, 1.0, q)));
  EXPECT_EQ(lofi_hash(net), lofi_hash(copy));
  auto other = LofiOptions::compact();
  other.spoke_out = 16;
  try {
    load_lofi(path, &other);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("spoke_out"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_lofi((dir / "missing.pt").string()), std::runtime_error);
  std::ofstream(dir / "corrupt.pt") << "not a model";
  EXPECT_THROW(load_lofi((dir / "corrupt.pt").string()), std::runtime_error);
  EXPECT_THROW(net->forward(torch::randn({1, 3, 24, 24}), 1.0, q), std::invalid_argument);  // wrong channels
  EXPECT_THROW(net->forward(input, 1.0, torch::zeros({1, 0, 2})),
               std::invalid_argument);  // empty coordinates
  auto bad = LofiOptions::compact();
  bad.filter_size = 64;
  EXPECT_THROW(LofiNetwork{bad}, std::invalid_argument);
}

TEST(LofiNetwork, AModelWithNonFiniteWeightsIsRefused) {
  const auto dir = lofimap::testing::scratch_dir();
  LofiNetwork net(LofiOptions::compact());
  {
    torch::NoGradGuard no_grad;
    net->offsets[3][1] = std::numeric_limits<float>::quiet_NaN();  // saved with a matching content hash
  }
  const auto path = (dir / "nan.pt").string();
  save_lofi(net, path);
  try {
    load_lofi(path);
    FAIL() << "a model with a NaN weight was loaded";
  } catch (const io::Error& e) {
    EXPECT_NE(std::string(e.what()).find("offsets holds values that are not finite"), std::string::npos)
        << e.what();
  }
}

TEST(LofiNetwork, ParameterCountIsKnownBeforeTheNetworkIsBuilt) {
  for (const auto& o : {LofiOptions::compact(), LofiOptions::medium(), LofiOptions::published()}) {
    LofiNetwork net(o);
    std::printf("%.0f parameters\n", o.parameter_count());
    EXPECT_EQ(o.parameter_count(), static_cast<double>(net->parameter_count()));
  }
}

// A model file whose options record claims 10^8 rings (a corrupt or crafted file) would size a 3.6 GB offset
// table and a 10^8-wide first layer: refused, naming the file and the option, before anything is allocated.
TEST(LofiNetwork, AModelClaimingAHugeNetworkIsRefused) {
  const auto dir = lofimap::testing::scratch_dir();
  auto options = nlohmann::json::parse(LofiOptions::compact().to_json());
  options["rings"] = 100000000;
  torch::serialize::OutputArchive archive;
  archive.write("lofimap_options", c10::IValue(options.dump()));
  const auto path = (dir / "huge.pt").string();
  archive.save_to(path);
  try {
    load_lofi(path);
    FAIL() << "a model claiming 10^8 rings was accepted";
  } catch (const io::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("huge.pt"), std::string::npos) << what;
    EXPECT_NE(what.find("--rings: 100000000 is more than the limit of 256"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace lofimap::models
