// The torch device a rank computes on: the CPU, or one GPU per rank chosen by the rank's index among the
// ranks on its node (several ranks on one node share its GPUs round robin).
#pragma once

#include <torch/torch.h>

#include "distributed/communicator.hpp"
#include "pipeline/core/compute_device.hpp"

namespace lofimap::pipeline {

// Throws std::invalid_argument naming --device when CUDA is asked for and this build or machine has none.
torch::Device torch_device(ComputeDevice device, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
