// The MPI backend: CPU float32 buffers summed with MPI_Iallreduce through the Communicator.
#include <span>

#include "distributed/torch/reduction_backend.hpp"

namespace lofimap::distributed {

namespace {

class MpiSum final : public SumInFlight {
 public:
  MpiSum(PendingSum pending, torch::Tensor flat) : pending_(std::move(pending)), flat_(std::move(flat)) {}
  bool test() override { return pending_.test(); }
  void wait() override { pending_.wait(); }

 private:
  PendingSum pending_;
  torch::Tensor flat_;  // held until the sum is complete: MPI writes into it
};

class MpiBackend final : public ReductionBackend {
 public:
  explicit MpiBackend(const Communicator& comm) : comm_(comm) {}
  std::string name() const override { return "mpi"; }
  torch::Device device() const override { return torch::kCPU; }

  std::unique_ptr<SumInFlight> start_sum(torch::Tensor flat) override {
    auto pending = comm_.iallreduce_sum(
        std::span<float>(flat.data_ptr<float>(), static_cast<std::size_t>(flat.numel())));
    return std::make_unique<MpiSum>(std::move(pending), std::move(flat));
  }

  void broadcast(torch::Tensor t) override {
    comm_.broadcast(std::span<float>(t.data_ptr<float>(), static_cast<std::size_t>(t.numel())));
  }

 private:
  Communicator comm_;
};

}  // namespace

std::unique_ptr<ReductionBackend> make_mpi_backend(const Communicator& comm) {
  return std::make_unique<MpiBackend>(comm);
}

}  // namespace lofimap::distributed
