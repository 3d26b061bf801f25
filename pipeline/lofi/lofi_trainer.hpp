// Training LoFi on HDF5 training sets (torch: compiled into liblofimap_torch.so). The loop composes the rooms
// of a step: the sampler draws maps and coordinates, forward and backward run on the configured device, the
// gradient reducer averages over the ranks, the optimiser steps, and rank 0 logs and checkpoints. The
// checkpoint holds the model, the optimiser state and the step, so a resumed run continues the uninterrupted
// run's loss curve exactly.
#pragma once

#include "distributed/communicator.hpp"
#include "pipeline/lofi/training_stop.hpp"
#include "pipeline/products/train_config.hpp"

namespace lofimap::pipeline {

TrainSummary train_lofi(const TrainConfig& config, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
