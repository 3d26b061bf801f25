// Training LoFi on HDF5 training sets (torch: compiled into liblofimap_torch.so). The loop composes the rooms
// of a step: the sampler draws this rank's slots of the global batch (maps and coordinates), forward and
// backward run on the configured device in micro-batches, the gradient reducer sums over the ranks, the
// optimiser steps, and rank 0 logs and checkpoints. The checkpoint holds the model, the optimiser state and
// the step, so a resumed run continues the uninterrupted run's loss curve exactly, on any number of ranks.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "distributed/communicator.hpp"
#include "models/field_model.hpp"
#include "pipeline/core/stop_request.hpp"
#include "pipeline/products/train_config.hpp"

namespace lofimap::pipeline {

TrainSummary train_lofi(const TrainConfig& config, const distributed::Communicator& comm);

// The gradient of the global batch's mean loss at `step` for `net` as it stands, summed over the ranks of
// comm (every rank gets it), one tensor per parameter. What one training step computes before the optimiser;
// for the equivalence tests and the benchmark. Also returns the global loss.
std::vector<torch::Tensor> global_batch_gradients(const TrainConfig& config, models::FieldModel& net,
                                                  const distributed::Communicator& comm, long step,
                                                  double* loss = nullptr);

}  // namespace lofimap::pipeline
