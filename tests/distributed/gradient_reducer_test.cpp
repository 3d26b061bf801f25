// Gradient reducers: after a step every rank holds the sum of the ranks' gradients (computed here in closed
// form), with buckets started from the backward hooks or after backward, over micro-batches, for a parameter
// that got no gradient, and when a rank abandoned its step; broadcast_parameters gives every rank rank 0's
// values; the replica check names a rank that diverged; one rank needs no reducer.
#include "distributed/torch/gradient_reducer.hpp"

#include <gtest/gtest.h>

namespace lofimap::distributed {
namespace {

// A small network: y = sum(w2 * tanh(w1 * x)) with an unused parameter. Rank r's input is (r + 1) * x0.
struct Toy {
  torch::Tensor w1 = torch::linspace(-1, 1, 3000).requires_grad_();  // 12 kB each: two buckets at 4 kB caps
  torch::Tensor w2 = torch::linspace(0.5, 1.5, 3000).requires_grad_();
  torch::Tensor unused = torch::ones({5}).requires_grad_();
  std::vector<torch::Tensor> params() { return {w1, w2, unused}; }
  torch::Tensor loss(double scale) {
    const auto x = torch::linspace(0, 1, 3000) * scale;
    return (w2 * torch::tanh(w1 * x)).sum();
  }
};

// The gradients of sum over ranks of loss(r + 1), in closed form: d/dw1 = sum_r w2 x_r (1 - tanh^2(w1 x_r)).
std::pair<torch::Tensor, torch::Tensor> expected_sum(int ranks, int passes) {
  Toy t;
  torch::Tensor g1 = torch::zeros({3000}), g2 = torch::zeros({3000});
  for (int r = 0; r < ranks; ++r) {
    const auto x = torch::linspace(0, 1, 3000) * static_cast<double>(r + 1);
    const auto th = torch::tanh(t.w1.detach() * x);
    g1 += t.w2.detach() * x * (1 - th * th) * passes;
    g2 += th * passes;
  }
  return {g1, g2};
}

void run_reduction(bool overlap, int passes) {
  const auto comm = Communicator::world();
  Toy toy;
  ReducerOptions options;
  options.first_bucket_bytes = 4096, options.bucket_bytes = 8192, options.overlap = overlap;
  auto reducer = make_gradient_reducer(comm, toy.params(), options);
  EXPECT_EQ(reducer->name(), comm.size() > 1 ? "mpi" : "none");
  if (comm.size() > 1) {
    // Reverse order: {unused, w2} fill the 4 kB first bucket, w1 the next: two buckets, 24,020 bytes.
    EXPECT_EQ(reducer->stats().buckets, 2);
    EXPECT_EQ(reducer->stats().bytes_per_step, 24020);
  }
  for (int step = 0; step < 2; ++step) {  // twice: the reducer resets between steps
    for (auto& p : toy.params()) p.mutable_grad() = torch::Tensor();
    for (int pass = 0; pass < passes; ++pass) {
      reducer->prepare_backward(pass + 1 == passes);
      toy.loss(comm.rank() + 1).backward();
    }
    reducer->finish_step();
    const auto [g1, g2] = expected_sum(comm.size(), passes);
    EXPECT_TRUE(torch::allclose(toy.w1.grad(), g1, 1e-5, 1e-5))
        << "overlap " << overlap << " passes " << passes;
    EXPECT_TRUE(torch::allclose(toy.w2.grad(), g2, 1e-5, 1e-5));
    if (comm.size() > 1) {  // never got a gradient: summed as zeros
      ASSERT_TRUE(toy.unused.grad().defined());
      EXPECT_TRUE(torch::equal(toy.unused.grad(), torch::zeros({5})));
    }
  }
}

TEST(GradientReducer, SumsGradientsOverRanksWithOverlap) {
  run_reduction(true, 1);
}
TEST(GradientReducer, SumsGradientsOverRanksAfterBackward) {
  run_reduction(false, 1);
}
TEST(GradientReducer, SumsAccumulatedMicroBatches) {
  run_reduction(true, 3);
}

// Rank 1 abandons its step before any backward (a stop signal): it still takes part in the sums, with zeros,
// so no rank waits for it.
TEST(GradientReducer, ARankThatAbandonsItsStepStillTakesPart) {
  const auto comm = Communicator::world();
  Toy toy;
  auto reducer = make_gradient_reducer(comm, toy.params());
  if (comm.rank() != 1) {
    reducer->prepare_backward(true);
    toy.loss(comm.rank() + 1).backward();
  }
  reducer->finish_step();
  if (comm.size() == 1) return;
  // Every rank but 1 contributed loss(r + 1).
  auto [all1, all2] = expected_sum(comm.size(), 1);
  auto [two1, two2] = expected_sum(2, 1);
  auto [one1, one2] = expected_sum(1, 1);
  EXPECT_TRUE(torch::allclose(toy.w2.grad(), all2 - (two2 - one2), 1e-5, 1e-5));
}

TEST(GradientReducer, BroadcastGivesEveryRankRankZerosParameters) {
  const auto comm = Communicator::world();
  std::vector<torch::Tensor> params = {
      torch::full({4}, static_cast<float>(comm.rank() + 7), torch::requires_grad())};
  auto reducer = make_gradient_reducer(comm, params);
  reducer->broadcast_parameters();
  EXPECT_TRUE(torch::equal(params[0].detach(), torch::full({4}, 7.0f)));
}

TEST(GradientReducer, ReplicaCheckNamesTheRankThatDiverged) {
  const auto comm = Communicator::world();
  std::vector<torch::Tensor> params = {torch::ones({4}, torch::requires_grad())};
  auto reducer = make_gradient_reducer(comm, params);
  EXPECT_NO_THROW(reducer->check_replicas(1));
  if (comm.size() == 1) return;
  {
    torch::NoGradGuard no_grad;
    if (comm.rank() == comm.size() - 1) params[0][2] = 1.0f + 1e-7f;  // one float, one ulp away
  }
  try {
    reducer->check_replicas(7);
    FAIL() << "diverged replicas not detected";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(
        std::string(e.what()).find("step 7: the parameters of rank(s) " + std::to_string(comm.size() - 1)),
        std::string::npos)
        << e.what();
  }
}

TEST(GradientReducer, OneRankNeedsNoReducer) {
  const auto self = Communicator::self();
  std::vector<torch::Tensor> params = {torch::zeros({2}, torch::requires_grad())};
  auto reducer = make_gradient_reducer(self, params);
  EXPECT_EQ(reducer->name(), "none");
  params[0].mutable_grad() = torch::tensor({1.5f, -2.0f});
  reducer->finish_step();
  EXPECT_TRUE(torch::equal(params[0].grad(), torch::tensor({1.5f, -2.0f})));
}

TEST(GradientReducer, NcclBackendIsBuiltWhenCudaAndNcclWereFound) {
  // This machine class carries CUDA and NCCL under /usr/local/cuda: the build must have picked them up.
  // Without them, asking for the backend is a clear error, not a crash.
#ifdef LOFIMAP_EXPECT_NCCL
  EXPECT_TRUE(nccl_backend_built());
#else
  if (!nccl_backend_built()) {
    EXPECT_THROW(make_nccl_backend(Communicator::self(), 0), std::runtime_error);
  }
#endif
}

}  // namespace
}  // namespace lofimap::distributed
