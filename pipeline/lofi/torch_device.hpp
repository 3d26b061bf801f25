// The torch device a rank computes on: the CPU, or one GPU per rank chosen by the rank's index among the
// ranks on its node (several ranks on one node share its GPUs round robin).
#pragma once

#include <torch/torch.h>

#include "distributed/communicator.hpp"
#include "pipeline/core/compute_device.hpp"

namespace lofimap::pipeline {

// Throws std::invalid_argument naming --device when CUDA is asked for and this build or machine has none.
torch::Device torch_device(ComputeDevice device, const distributed::Communicator& comm);

// Sets the arithmetic of the forward passes in its scope (TF32 flags or autocast) and restores the previous
// settings when it ends. Throws std::invalid_argument naming --precision for tf32 on a CPU device.
class PrecisionScope {
 public:
  PrecisionScope(Precision precision, const torch::Device& device);
  ~PrecisionScope();
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;

 private:
  Precision precision_;
  bool cuda_;
  bool tf32_cublas_, tf32_cudnn_, autocast_;
  at::ScalarType autocast_dtype_;
};

}  // namespace lofimap::pipeline
