// The collective under a gradient reducer: an in-place sum of a flat float32 tensor over the ranks, started
// and waited for separately so that sums overlap the rest of the backward pass. Backends: MPI (CPU tensors,
// MPI_Iallreduce) and NCCL (CUDA tensors, ncclAllReduce; built when CUDA and NCCL are found).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "distributed/communicator.hpp"

namespace lofimap::distributed {

// A sum in flight. test() lets it progress and says whether it is complete; wait() blocks until it is, and
// throws when the collective failed (the job cannot continue).
class SumInFlight {
 public:
  virtual ~SumInFlight() = default;
  virtual bool test() = 0;
  virtual void wait() = 0;
};

class ReductionBackend {
 public:
  virtual ~ReductionBackend() = default;
  virtual std::string name() const = 0;
  virtual torch::Device device() const = 0;  // where the flat buffers live
  // Starts the sum of `flat` (contiguous float32 on device()) over the ranks, in place.
  virtual std::unique_ptr<SumInFlight> start_sum(torch::Tensor flat) = 0;
  // Rank 0's values of `t` (contiguous float32 on device()) on every rank, in place; blocking.
  virtual void broadcast(torch::Tensor t) = 0;
};

std::unique_ptr<ReductionBackend> make_mpi_backend(const Communicator& comm);
// Whether this build carries the NCCL backend (LOFIMAP_NCCL at configure time).
bool nccl_backend_built();
// NCCL over the ranks of comm on CUDA device `cuda_device` (the node-local GPU): the unique id travels from
// rank 0 by MPI_Bcast, then ncclCommInitRank. Throws std::runtime_error when NCCL was not built in or fails.
std::unique_ptr<ReductionBackend> make_nccl_backend(const Communicator& comm, int cuda_device);

}  // namespace lofimap::distributed
