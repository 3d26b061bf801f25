// The NCCL backend: CUDA float32 buffers summed with ncclAllReduce. Compiled only when CMake finds CUDA and
// NCCL (LOFIMAP_NCCL); otherwise make_nccl_backend says that this build has no NCCL.
//
// Streams: the collectives run on the legacy default stream, with which LibTorch's default stream is
// synchronised (LibTorch works on the legacy default stream unless a stream guard says otherwise; lofimap
// sets none), so a sum starts after the backward kernels that produced its gradients and the optimiser step
// after the sum. Errors: a failing or hung peer shows up as ncclCommGetAsyncError while waiting; the
// communicator is then aborted (ncclCommAbort) so that no rank blocks forever, and the error propagates (the
// job exits).
#include "distributed/torch/reduction_backend.hpp"

#if LOFIMAP_NCCL
#include <cuda_runtime.h>
#include <nccl.h>

#include <array>
#include <chrono>
#include <cstring>
#include <span>
#include <thread>
#endif

#include <stdexcept>
#include <string>

namespace lofimap::distributed {

#if LOFIMAP_NCCL

namespace {

void check_cuda(cudaError_t rc, const char* what) {
  if (rc != cudaSuccess)
    throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(rc));
}

void check_nccl(ncclResult_t rc, const char* what) {
  if (rc != ncclSuccess)
    throw std::runtime_error(std::string("NCCL ") + what + ": " + ncclGetErrorString(rc));
}

class NcclSum final : public SumInFlight {
 public:
  NcclSum(ncclComm_t comm, torch::Tensor flat) : comm_(comm), flat_(std::move(flat)) {
    check_cuda(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming), "event create");
    check_nccl(ncclAllReduce(flat_.data_ptr<float>(), flat_.data_ptr<float>(),
                             static_cast<size_t>(flat_.numel()), ncclFloat, ncclSum, comm_, cudaStreamLegacy),
               "all-reduce");
    check_cuda(cudaEventRecord(done_, cudaStreamLegacy), "event record");
  }
  ~NcclSum() override { cudaEventDestroy(done_); }

  bool test() override {
    const auto rc = cudaEventQuery(done_);
    if (rc == cudaSuccess) return true;
    if (rc != cudaErrorNotReady) check_cuda(rc, "event query");
    check_async();
    return false;
  }

  void wait() override {
    while (!test()) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }

 private:
  void check_async() {
    ncclResult_t async = ncclSuccess;
    check_nccl(ncclCommGetAsyncError(comm_, &async), "async error query");
    if (async != ncclSuccess && async != ncclInProgress) {
      ncclCommAbort(comm_);
      throw std::runtime_error(std::string("NCCL all-reduce failed on a peer: ") + ncclGetErrorString(async) +
                               " (communicator aborted)");
    }
  }
  ncclComm_t comm_;
  torch::Tensor flat_;
  cudaEvent_t done_ = nullptr;
};

class NcclBackend final : public ReductionBackend {
 public:
  NcclBackend(const Communicator& comm, int cuda_device)
      : device_(torch::kCUDA, static_cast<int8_t>(cuda_device)) {
    check_cuda(cudaSetDevice(cuda_device), "set device");
    ncclUniqueId id;
    if (comm.is_root()) check_nccl(ncclGetUniqueId(&id), "unique id");
    // The 128-byte id travels as 16 unsigned 64-bit words (MPI_Bcast through the Communicator).
    static_assert(sizeof(ncclUniqueId) % sizeof(std::uint64_t) == 0);
    std::array<std::uint64_t, sizeof(ncclUniqueId) / sizeof(std::uint64_t)> words{};
    std::memcpy(words.data(), &id, sizeof id);
    comm.broadcast(std::span<std::uint64_t>(words));
    std::memcpy(&id, words.data(), sizeof id);
    check_nccl(ncclCommInitRank(&comm_, comm.size(), id, comm.rank()), "communicator init");
  }
  ~NcclBackend() override {
    if (comm_) ncclCommDestroy(comm_);
  }
  std::string name() const override { return "nccl"; }
  torch::Device device() const override { return device_; }

  std::unique_ptr<SumInFlight> start_sum(torch::Tensor flat) override {
    return std::make_unique<NcclSum>(comm_, std::move(flat));
  }

  void broadcast(torch::Tensor t) override {
    check_nccl(ncclBroadcast(t.data_ptr<float>(), t.data_ptr<float>(), static_cast<size_t>(t.numel()),
                             ncclFloat, 0, comm_, cudaStreamLegacy),
               "broadcast");
    check_cuda(cudaStreamSynchronize(cudaStreamLegacy), "synchronise after broadcast");
  }

 private:
  torch::Device device_;
  ncclComm_t comm_ = nullptr;
};

}  // namespace

bool nccl_backend_built() {
  return true;
}
std::unique_ptr<ReductionBackend> make_nccl_backend(const Communicator& comm, int cuda_device) {
  return std::make_unique<NcclBackend>(comm, cuda_device);
}

#else

bool nccl_backend_built() {
  return false;
}
std::unique_ptr<ReductionBackend> make_nccl_backend(const Communicator&, int) {
  throw std::runtime_error(
      "this lofimap was built without NCCL (CMake found no CUDA/NCCL): CUDA training on several ranks "
      "needs it; rebuild with CUDA and NCCL, or train with --device cpu");
}

#endif

}  // namespace lofimap::distributed
