// What each training step sees: the training sets (HDF5, one or several pixel scales), the batch of maps
// drawn for it, the query coordinates and their targets. Every draw comes from a stream keyed by (seed, batch
// or step, rank), so a resumed run repeats the uninterrupted run's draws exactly.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "io/hdf5_training_set.hpp"
#include "pipeline/products/train_config.hpp"

namespace lofimap::pipeline {

struct TrainingSet {
  std::string path;
  std::unique_ptr<io::TrainingSetReader> reader;
  long n = 0, train_maps = 0;  // grid side; maps before the held-out validation maps at the end
  double pixel = 0;            // arcmin
};

// Opens every set; throws io::Error for an unreadable file, std::invalid_argument when a set has no more maps
// than --validation-maps.
std::vector<TrainingSet> open_training_sets(const TrainConfig& config);
// The model's training pixel: the finest of the sets (it sets the filter's wavenumber range and the initial
// patch radii).
double finest_pixel(const std::vector<TrainingSet>& sets);

struct MapTensors {
  torch::Tensor input;  // [C, n, n]
  torch::Tensor truth;  // [n, n]
};
MapTensors load_training_map(const TrainingSet& set, long index, bool noise_channel, torch::Device device);

struct StepSamples {
  torch::Tensor inputs;   // [B, C, n, n]
  torch::Tensor queries;  // [B, Q, 2] arcmin
  torch::Tensor targets;  // [B, Q] truth interpolated bicubically at the queries
  double pixel = 0;       // arcmin
};

class TrainingSampler {
 public:
  TrainingSampler(const TrainConfig& config, const std::vector<TrainingSet>& sets, int rank,
                  torch::Device device);
  // A new batch of maps every steps_per_batch steps (and at the first step of a run), then fresh coordinates.
  StepSamples draw(long step);

 private:
  void load_batch(long step);
  const TrainConfig& config_;
  const std::vector<TrainingSet>& sets_;
  int rank_;
  torch::Device device_;
  bool loaded_ = false;
  long n_ = 0;
  double pixel_ = 0;
  torch::Tensor inputs_, truths_;  // [B, C, n, n], [B, 1, n, n]
};

}  // namespace lofimap::pipeline
