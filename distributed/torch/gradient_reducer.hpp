// Gradient reduction for data-parallel training. Each rank computes the gradient of its share of the global
// batch (its loss already divided by the global number of samples); the reducer leaves every rank holding the
// sum over the ranks, i.e. the gradient of the whole global batch, so identical optimiser steps keep the
// replicas identical. Knows tensors, not LoFi: the training loop hands it the parameters.
//
// As PyTorch's DistributedDataParallel does: parameters are grouped into buckets in reverse order (the last
// layers' gradients are ready first in backward), the first bucket about 1 MiB (so the first sum starts
// early), the others about 25 MiB; a hook on every parameter copies its gradient into its bucket's flat
// buffer, and a full bucket's sum starts at once (in bucket order, the same on every rank), overlapping the
// rest of the backward pass. Backends are chosen at run time: none (one rank), MPI (CPU tensors), NCCL (CUDA
// tensors). (torch-side: linked into the LibTorch plugin only.)
#pragma once

#include <torch/torch.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "distributed/communicator.hpp"
#include "distributed/torch/reduction_backend.hpp"

namespace lofimap::distributed {

struct ReducerOptions {
  std::size_t first_bucket_bytes = std::size_t{1} << 20;
  std::size_t bucket_bytes = std::size_t{25} << 20;
  bool overlap = true;  // start sums from the gradient hooks; false: all of them after backward
};

struct ReducerStats {
  int buckets = 0;
  long long bytes_per_step = 0;  // reduced per rank per step (float32)
  long long steps = 0;
  double wait_seconds = 0;  // time finish_step() spent waiting for sums (the part not hidden by backward)
};

class GradientReducer {
 public:
  // backend: nullptr for one rank (nothing to reduce, no hooks). The parameters must outlive the reducer.
  GradientReducer(const Communicator& comm, std::unique_ptr<ReductionBackend> backend,
                  std::vector<torch::Tensor> parameters, ReducerOptions options = {});
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  std::string name() const { return backend_ ? backend_->name() : "none"; }
  const ReducerStats& stats() const { return stats_; }
  const ReducerOptions& options() const { return options_; }

  // Copies rank 0's parameter values to every rank (identical replicas at the start).
  void broadcast_parameters();
  // Before each backward pass of a step: `last` for the step's last one (its hooks start the sums); earlier
  // passes (micro-batches) only accumulate into the gradients.
  void prepare_backward(bool last);
  // After the step's backward passes, on every rank (also when this rank abandoned its step: then it adds
  // what it has, so that every rank takes part in the same collectives): every gradient becomes its sum over
  // the ranks.
  void finish_step();
  // Throws std::runtime_error naming the ranks whose parameters are not bitwise equal to rank 0's.
  void check_replicas(long step) const;

 private:
  struct Entry {
    std::size_t parameter;
    long long offset, numel;
  };
  struct Bucket {
    std::vector<Entry> entries;
    torch::Tensor flat;
    std::size_t ready = 0;
    std::vector<char> filled;  // per entry: its value was copied in by a hook this step
    std::unique_ptr<SumInFlight> sum;
  };
  void on_gradient(std::size_t parameter, const torch::Tensor& grad);
  void launch_ready_buckets();
  void launch(Bucket& bucket);

  std::unique_ptr<ReductionBackend> backend_;
  std::vector<torch::Tensor> parameters_;
  ReducerOptions options_;
  std::vector<Bucket> buckets_;
  std::vector<std::pair<std::size_t, std::size_t>> where_;  // parameter -> (bucket, entry)
  std::vector<unsigned> hooks_;
  std::size_t next_launch_ = 0;
  bool hooks_reduce_ = false;
  ReducerStats stats_;
  Communicator comm_;
};

// The reducer for this run: none on one rank; MPI for CPU tensors; NCCL for CUDA tensors on several ranks
// (throws when this build has no NCCL).
std::unique_ptr<GradientReducer> make_gradient_reducer(const Communicator& comm,
                                                       std::vector<torch::Tensor> parameters,
                                                       ReducerOptions options = {});

}  // namespace lofimap::distributed
