#include "pipeline/lofi/training_sampler.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "pipeline/core/flat_grid.hpp"
#include "pipeline/core/random_stream.hpp"
#include "pipeline/lofi/lofi_inputs.hpp"

namespace lofimap::pipeline {

std::vector<TrainingSet> open_training_sets(const TrainConfig& c) {
  std::vector<TrainingSet> sets;
  for (const auto& path : c.training_sets) {
    TrainingSet s;
    s.path = path;
    s.reader = std::make_unique<io::TrainingSetReader>(path);
    if (s.reader->maps() <= c.validation_maps)
      throw std::invalid_argument("--validation-maps: " + path + " has only " +
                                  std::to_string(s.reader->maps()) + " maps");
    s.n = s.reader->n();
    s.train_maps = s.reader->maps() - c.validation_maps;
    s.pixel = s.reader->pixel_arcmin();
    sets.push_back(std::move(s));
  }
  return sets;
}

double finest_pixel(const std::vector<TrainingSet>& sets) {
  double finest = sets.front().pixel;
  for (const auto& s : sets) finest = std::min(finest, s.pixel);
  return finest;
}

MapTensors load_training_map(const TrainingSet& set, long index, bool noise_channel, torch::Device device) {
  const auto m = set.reader->read(index);
  const long n = set.n;
  return {lofi_input(m, n, noise_channel, device),
          torch::from_blob(const_cast<float*>(m.kappa.data()), {n, n}).clone().to(device)};
}

TrainingSampler::TrainingSampler(const TrainConfig& c, const std::vector<TrainingSet>& sets, int rank,
                                 torch::Device device)
    : config_(c), sets_(sets), rank_(rank), device_(device) {}

void TrainingSampler::load_batch(long step) {
  const auto& c = config_;
  RandomStream pick(c.seed, (static_cast<std::uint64_t>(step / c.steps_per_batch) << 20) * 2 +
                                static_cast<std::uint64_t>(rank_));
  // With one set no draw is spent on the choice (runs with one set are unchanged by multi-set support).
  const auto& set = sets_.size() == 1
                        ? sets_.front()
                        : sets_[static_cast<size_t>(pick.uniform() * static_cast<double>(sets_.size()))];
  n_ = set.n;
  pixel_ = set.pixel;
  std::vector<torch::Tensor> in, tr;
  for (long b = 0; b < c.maps_per_step; ++b) {
    auto m = load_training_map(set, static_cast<long>(pick.uniform() * static_cast<double>(set.train_maps)),
                               c.noise_channel, device_);
    in.push_back(m.input), tr.push_back(m.truth);
  }
  inputs_ = torch::stack(in);
  truths_ = torch::stack(tr).unsqueeze(1);
  loaded_ = true;
}

StepSamples TrainingSampler::draw(long step) {
  const auto& c = config_;
  if (!loaded_ || step % c.steps_per_batch == 0) load_batch(step);
  // Coordinates: pixel centres plus optional sub-pixel jitter; targets sampled bicubically from the truth.
  RandomStream coords(
      c.seed, ((static_cast<std::uint64_t>(step) << 20) * 2 + 1) + static_cast<std::uint64_t>(rank_) * 2);
  const long q = c.coords_per_map, b = c.maps_per_step;
  const auto grid = FlatGrid::square(n_, pixel_);
  std::vector<float> xy(static_cast<size_t>(b * q * 2));
  for (size_t k = 0; k < xy.size(); k += 2) {
    const double ix = std::floor(coords.uniform() * static_cast<double>(n_));
    const double iy = std::floor(coords.uniform() * static_cast<double>(n_));
    const double jx = c.jitter ? coords.uniform() - 0.5 : 0, jy = c.jitter ? coords.uniform() - 0.5 : 0;
    xy[k] = static_cast<float>(grid.x_arcmin(ix + jx));
    xy[k + 1] = static_cast<float>(grid.y_arcmin(iy + jy));
  }
  StepSamples s;
  s.inputs = inputs_;
  s.pixel = pixel_;
  s.queries = torch::from_blob(xy.data(), {b, q, 2}).clone().to(device_);
  // grid_sample coordinates (align_corners = false): u = 2 x / (p n).
  const auto norm =
      torch::tensor({2.0f / static_cast<float>(pixel_ * n_), 2.0f / static_cast<float>(pixel_ * n_)},
                    torch::TensorOptions().device(device_));
  s.targets = torch::grid_sampler(truths_, (s.queries * norm).unsqueeze(2), /*bicubic*/ 2, /*reflection*/ 2,
                                  /*align_corners*/ false)
                  .view({b, q});
  return s;
}

}  // namespace lofimap::pipeline
