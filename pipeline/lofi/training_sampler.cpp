#include "pipeline/lofi/training_sampler.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
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

void record_training_ranges(const std::vector<TrainingSet>& sets, models::LofiOptions& o) {
  const double inf = std::numeric_limits<double>::infinity();
  double ngal[2] = {inf, -inf}, sigma[2] = {inf, -inf}, pixel[2] = {inf, -inf};
  const auto extend = [](double* r, double v) { r[0] = std::min(r[0], v), r[1] = std::max(r[1], v); };
  for (const auto& set : sets) {
    const auto n = set.reader->per_map("n_gal"), s = set.reader->per_map("sigma_e");
    for (long i = 0; i < set.train_maps; ++i)
      extend(ngal, n[static_cast<size_t>(i)]), extend(sigma, s[static_cast<size_t>(i)]);
    extend(pixel, set.pixel);
  }
  if (!(ngal[0] <= ngal[1])) return;
  o.train_ngal_range = {ngal[0], ngal[1]};
  o.train_sigma_e_range = {sigma[0], sigma[1]};
  o.train_pixel_range = {pixel[0], pixel[1]};
}

MapTensors load_training_map(const TrainingSet& set, long index, const models::LofiOptions& options,
                             torch::Device device) {
  const auto m = set.reader->read(index);
  const long n = set.n;
  const std::vector<float>* wiener = nullptr;
  const double cache_bytes = static_cast<double>(set.reader->maps()) * static_cast<double>(n * n) * 4;
  if (options.wiener_channel && cache_bytes <= 2.0 * (1 << 30)) {
    if (set.wiener_cache.empty()) set.wiener_cache.resize(static_cast<size_t>(set.reader->maps()));
    auto& cached = set.wiener_cache[static_cast<size_t>(index)];
    if (cached.empty()) cached = training_map_wiener(m, n, set.pixel, options);
    wiener = &cached;
  }
  return {lofi_input(m, n, set.pixel, options, device, wiener),
          torch::from_blob(const_cast<float*>(m.kappa.data()), {n, n}).clone().to(device)};
}

namespace {

// Stream keys: a tag, then the batch or step, then the slot in the global batch (< 2^20; the global batch is
// at most 65,536 maps). Never the rank.
enum : std::uint64_t { kSetChoice = 1, kMapChoice = 2, kCoordinates = 3 };
std::uint64_t stream_key(std::uint64_t tag, long index, long slot) {
  return (tag << 60) ^ (static_cast<std::uint64_t>(index) << 20) ^ static_cast<std::uint64_t>(slot);
}

}  // namespace

TrainingSampler::TrainingSampler(const TrainConfig& c, const models::LofiOptions& options,
                                 const std::vector<TrainingSet>& sets, SlotRange slots, torch::Device device)
    : config_(c), options_(options), sets_(sets), slots_(slots), device_(device) {
  // Cumulative shares; from the last set with a weight on they are exactly 1, so that a draw u < 1 never
  // lands past it (rounding) nor on a set of weight 0.
  double total = 0;
  for (const double w : c.set_weights) cumulative_weights_.push_back(total += w);
  for (size_t i = 0; i < cumulative_weights_.size(); ++i)
    cumulative_weights_[i] = cumulative_weights_[i] == total ? 1.0 : cumulative_weights_[i] / total;
}

size_t TrainingSampler::choose_set(double u) const {
  // Equal chances keep the draw of the runs before --set-weights existed: floor(u * sets).
  if (cumulative_weights_.empty()) return static_cast<size_t>(u * static_cast<double>(sets_.size()));
  // The first set whose cumulative share exceeds u: set i is chosen with chance weight_i / total.
  return static_cast<size_t>(std::upper_bound(cumulative_weights_.begin(), cumulative_weights_.end(), u) -
                             cumulative_weights_.begin());
}

void TrainingSampler::load_batch(long batch) {
  const auto& c = config_;
  // One set per batch (its maps stack into one tensor); with one set no draw is spent on the choice.
  RandomStream pick(c.seed, stream_key(kSetChoice, batch, 0));
  const auto& set = sets_.size() == 1 ? sets_.front() : sets_[choose_set(pick.uniform())];
  n_ = set.n;
  pixel_ = set.pixel;
  std::vector<torch::Tensor> in, tr;
  for (long slot = slots_.begin; slot < slots_.end; ++slot) {
    RandomStream map(c.seed, stream_key(kMapChoice, batch, slot));
    auto m = load_training_map(set, static_cast<long>(map.uniform() * static_cast<double>(set.train_maps)),
                               options_, device_);
    in.push_back(m.input), tr.push_back(m.truth);
  }
  inputs_ = torch::stack(in);
  truths_ = torch::stack(tr).unsqueeze(1);
  loaded_batch_ = batch;
}

StepSamples TrainingSampler::draw(long step, long first, long count) {
  const auto& c = config_;
  const long batch = step / c.steps_per_batch;
  if (batch != loaded_batch_) load_batch(batch);
  // Coordinates: pixel centres plus optional sub-pixel jitter; targets sampled bicubically from the truth.
  const long q = c.coords_per_map;
  const auto grid = FlatGrid::square(n_, pixel_);
  std::vector<float> xy(static_cast<size_t>(count * q * 2));
  for (long m = 0; m < count; ++m) {
    RandomStream coords(c.seed, stream_key(kCoordinates, step, slots_.begin + first + m));
    for (long k = 0; k < q; ++k) {
      const double ix = std::floor(coords.uniform() * static_cast<double>(n_));
      const double iy = std::floor(coords.uniform() * static_cast<double>(n_));
      const double jx = c.jitter ? coords.uniform() - 0.5 : 0, jy = c.jitter ? coords.uniform() - 0.5 : 0;
      const size_t at = static_cast<size_t>((m * q + k) * 2);
      xy[at] = static_cast<float>(grid.x_arcmin(ix + jx));
      xy[at + 1] = static_cast<float>(grid.y_arcmin(iy + jy));
    }
  }
  StepSamples s;
  s.inputs = inputs_.narrow(0, first, count);
  s.pixel = pixel_;
  s.queries = torch::from_blob(xy.data(), {count, q, 2}).clone().to(device_);
  // grid_sample coordinates (align_corners = false): u = 2 x / (p n).
  const auto norm =
      torch::tensor({2.0f / static_cast<float>(pixel_ * n_), 2.0f / static_cast<float>(pixel_ * n_)},
                    torch::TensorOptions().device(device_));
  s.targets =
      torch::grid_sampler(truths_.narrow(0, first, count), (s.queries * norm).unsqueeze(2), /*bicubic*/ 2,
                          /*reflection*/ 2, /*align_corners*/ false)
          .view({count, q});
  return s;
}

}  // namespace lofimap::pipeline
