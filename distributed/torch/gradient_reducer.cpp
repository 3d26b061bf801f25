#include "distributed/torch/gradient_reducer.hpp"

namespace lofimap::distributed {

namespace {

class NoReducer final : public GradientReducer {
 public:
  void broadcast_parameters(const std::vector<torch::Tensor>&) override {}
  void average_gradients(const std::vector<torch::Tensor>&) override {}
  std::string name() const override { return "none"; }
};

class MpiReducer final : public GradientReducer {
 public:
  explicit MpiReducer(const Communicator& comm) : comm_(comm) {}

  void broadcast_parameters(const std::vector<torch::Tensor>& parameters) override {
    torch::NoGradGuard no_grad;
    for (const auto& p : parameters) {
      auto values = p.detach().to(torch::kCPU, torch::kDouble).contiguous();
      comm_.broadcast(std::span<double>(values.data_ptr<double>(), static_cast<std::size_t>(values.numel())));
      p.copy_(values);
    }
  }

  void average_gradients(const std::vector<torch::Tensor>& parameters) override {
    // Double-precision sums: the average does not depend on the order in which MPI adds the ranks' values.
    for (const auto& p : parameters) {
      if (!p.grad().defined()) continue;
      auto g = p.grad().to(torch::kCPU, torch::kDouble).contiguous();
      comm_.allreduce(std::span<double>(g.data_ptr<double>(), static_cast<std::size_t>(g.numel())),
                      ReduceOp::Sum);
      p.mutable_grad().copy_(g / comm_.size());
    }
  }

  std::string name() const override { return "mpi"; }

 private:
  Communicator comm_;
};

}  // namespace

std::unique_ptr<GradientReducer> make_no_reducer() {
  return std::make_unique<NoReducer>();
}
std::unique_ptr<GradientReducer> make_mpi_reducer(const Communicator& comm) {
  return std::make_unique<MpiReducer>(comm);
}
std::unique_ptr<GradientReducer> make_gradient_reducer(const Communicator& comm) {
  return comm.size() > 1 ? make_mpi_reducer(comm) : make_no_reducer();
}

}  // namespace lofimap::distributed
