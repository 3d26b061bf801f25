// Gradient reduction for data-parallel training: after every backward pass each rank holds the gradients of
// its share of the global batch, and the reducer leaves every rank holding their average, so that identical
// optimiser steps keep the replicas identical. Knows tensors, not LoFi: the training loop hands it the
// parameters. Backends are chosen at run time: none (one process) and MPI (CPU tensors). (torch-side: linked
// into the LibTorch plugin only.)
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "distributed/communicator.hpp"

namespace lofimap::distributed {

class GradientReducer {
 public:
  virtual ~GradientReducer() = default;
  // Copies rank 0's parameter values to every rank (identical replicas at the start).
  virtual void broadcast_parameters(const std::vector<torch::Tensor>& parameters) = 0;
  // Replaces every parameter's gradient by its average over the ranks. Called once per step, after backward.
  virtual void average_gradients(const std::vector<torch::Tensor>& parameters) = 0;
  virtual std::string name() const = 0;
};

// A single process: nothing to reduce.
std::unique_ptr<GradientReducer> make_no_reducer();
// MPI all-reduce of CPU gradients: one blocking all-reduce per parameter tensor, summed in double precision
// and divided by the number of ranks.
std::unique_ptr<GradientReducer> make_mpi_reducer(const Communicator& comm);
// The backend for this communicator: none on one rank, MPI otherwise.
std::unique_ptr<GradientReducer> make_gradient_reducer(const Communicator& comm);

}  // namespace lofimap::distributed
