// What each training step sees: the training sets (HDF5, one or several pixel scales), the global batch of
// maps drawn for it, the query coordinates and their targets. Every draw comes from a stream keyed by (seed,
// batch or step, slot in the global batch) and never by the rank: a rank loads only the maps of its own
// slots, the same maps the slots hold in a one-rank run, and a resumed run repeats the uninterrupted run's
// draws exactly.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "io/hdf5_training_set.hpp"
#include "models/lofi_options.hpp"
#include "pipeline/products/train_config.hpp"

namespace lofimap::pipeline {

struct TrainingSet {
  std::string path;
  std::unique_ptr<io::TrainingSetReader> reader;
  long n = 0, train_maps = 0;  // grid side; maps before the held-out validation maps at the end
  double pixel = 0;            // arcmin
  // Wiener channels of the maps already loaded (17 ms each at 128^2, reused every epoch), by map index; kept
  // while the whole set's channels fit in 2 GiB.
  mutable std::vector<std::vector<float>> wiener_cache;
};

// Opens every set; throws io::Error for an unreadable file, std::invalid_argument when a set has no more maps
// than --validation-maps.
std::vector<TrainingSet> open_training_sets(const TrainConfig& config);
// The model's training pixel: the finest of the sets (it sets the filter's wavenumber range and the initial
// patch radii).
double finest_pixel(const std::vector<TrainingSet>& sets);
// The ranges of n_gal, sigma_e and pixel over the sets' training maps, recorded in the model's options.
void record_training_ranges(const std::vector<TrainingSet>& sets, models::LofiOptions& options);

struct MapTensors {
  torch::Tensor input;  // [C, n, n]
  torch::Tensor truth;  // [n, n]
};
MapTensors load_training_map(const TrainingSet& set, long index, const models::LofiOptions& options,
                             torch::Device device);

struct StepSamples {
  torch::Tensor inputs;   // [M, C, n, n] (M maps of a micro-batch)
  torch::Tensor queries;  // [M, Q, 2] arcmin
  torch::Tensor targets;  // [M, Q] truth interpolated bicubically at the queries
  double pixel = 0;       // arcmin
};

struct SlotRange {
  long begin = 0, end = 0;  // this rank's slots of the global batch: [begin, end)
  long size() const { return end - begin; }
};

class TrainingSampler {
 public:
  TrainingSampler(const TrainConfig& config, const models::LofiOptions& options,
                  const std::vector<TrainingSet>& sets, SlotRange slots, torch::Device device);
  long local_slots() const { return slots_.size(); }
  // The samples of this rank's slots [first, first + count) (local indices) at `step`: a new batch of maps
  // every steps_per_batch steps, fresh coordinates every step.
  StepSamples draw(long step, long first, long count);

 private:
  void load_batch(long batch);
  size_t choose_set(double u) const;  // the set of a batch from a uniform draw u in [0, 1)
  const TrainConfig& config_;
  models::LofiOptions options_;
  const std::vector<TrainingSet>& sets_;
  SlotRange slots_;
  torch::Device device_;
  long loaded_batch_ = -1;
  long n_ = 0;
  double pixel_ = 0;
  torch::Tensor inputs_, truths_;           // [local slots, C, n, n], [local slots, 1, n, n]
  std::vector<double> cumulative_weights_;  // of --set-weights, normalised; empty for equal chances
};

}  // namespace lofimap::pipeline
