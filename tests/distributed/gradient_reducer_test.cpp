// Gradient reducers: after average_gradients every rank holds the mean of the ranks' gradients (computed here
// in closed form), broadcast_parameters gives every rank rank 0's values, and one rank needs no reducer.
#include "distributed/torch/gradient_reducer.hpp"

#include <gtest/gtest.h>

namespace lofimap::distributed {
namespace {

TEST(GradientReducer, AveragesGradientsOverRanks) {
  const auto comm = Communicator::world();
  auto reducer = make_gradient_reducer(comm);
  EXPECT_EQ(reducer->name(), comm.size() > 1 ? "mpi" : "none");
  // Two parameters; on rank r the gradient of element i is (r + 1) * (i + 1).
  std::vector<torch::Tensor> params = {torch::zeros({3}, torch::requires_grad()),
                                       torch::zeros({2, 2}, torch::requires_grad())};
  for (auto& p : params) {
    const auto i = torch::arange(p.numel(), torch::kFloat).view(p.sizes()) + 1;
    p.mutable_grad() = i * static_cast<float>(comm.rank() + 1);
  }
  reducer->average_gradients(params);
  const double mean_factor = (comm.size() + 1) / 2.0;  // mean of 1..R
  for (const auto& p : params) {
    const auto expected = (torch::arange(p.numel(), torch::kFloat).view(p.sizes()) + 1) * mean_factor;
    EXPECT_TRUE(torch::allclose(p.grad(), expected, 0, 1e-6)) << p.grad();
  }
}

TEST(GradientReducer, BroadcastGivesEveryRankRankZerosParameters) {
  const auto comm = Communicator::world();
  auto reducer = make_gradient_reducer(comm);
  std::vector<torch::Tensor> params = {
      torch::full({4}, static_cast<float>(comm.rank() + 7), torch::requires_grad())};
  reducer->broadcast_parameters(params);
  EXPECT_TRUE(torch::equal(params[0].detach(), torch::full({4}, 7.0f)));
}

TEST(GradientReducer, NoReducerLeavesGradientsAlone) {
  auto reducer = make_no_reducer();
  std::vector<torch::Tensor> params = {torch::zeros({2}, torch::requires_grad())};
  params[0].mutable_grad() = torch::tensor({1.5f, -2.0f});
  reducer->average_gradients(params);
  EXPECT_TRUE(torch::equal(params[0].grad(), torch::tensor({1.5f, -2.0f})));
}

}  // namespace
}  // namespace lofimap::distributed
