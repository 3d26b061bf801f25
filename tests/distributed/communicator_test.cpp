// The typed collectives of distributed::Communicator against values every rank can compute by itself, at
// whatever number of ranks the test runs with (CTest: 1, 2 and 4).
#include "distributed/communicator.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

namespace lofimap::distributed {
namespace {

template <typename T>
class TypedCollectives : public ::testing::Test {};
using CollectiveTypes = ::testing::Types<float, double, int, long long, std::uint64_t>;
TYPED_TEST_SUITE(TypedCollectives, CollectiveTypes);

TYPED_TEST(TypedCollectives, AllreduceSumMaxMin) {
  using T = TypeParam;
  const auto comm = Communicator::world();
  const int r = comm.rank(), n = comm.size();
  std::vector<T> sum = {T(r + 1), T(2 * r)}, max = sum, min = sum;
  comm.allreduce(std::span<T>(sum), ReduceOp::Sum);
  comm.allreduce(std::span<T>(max), ReduceOp::Max);
  comm.allreduce(std::span<T>(min), ReduceOp::Min);
  EXPECT_EQ(sum[0], T(n * (n + 1) / 2));
  EXPECT_EQ(sum[1], T(n * (n - 1)));
  EXPECT_EQ(max[0], T(n));
  EXPECT_EQ(min[0], T(1));
  EXPECT_EQ(min[1], T(0));
}

TYPED_TEST(TypedCollectives, BroadcastFromEveryRoot) {
  using T = TypeParam;
  const auto comm = Communicator::world();
  for (int root = 0; root < comm.size(); ++root) {
    std::vector<T> v = {T(comm.rank() * 10 + 1), T(comm.rank() * 10 + 2), T(comm.rank() * 10 + 3)};
    comm.broadcast(std::span<T>(v), root);
    EXPECT_EQ(v, (std::vector<T>{T(root * 10 + 1), T(root * 10 + 2), T(root * 10 + 3)}));
  }
}

TYPED_TEST(TypedCollectives, AllgathervConcatenatesInRankOrder) {
  using T = TypeParam;
  const auto comm = Communicator::world();
  // Rank r contributes r + 1 copies of r (rank 0 one value, rank 1 two, ...).
  const std::vector<T> mine(static_cast<size_t>(comm.rank() + 1), T(comm.rank()));
  const auto all = comm.allgatherv(std::span<const T>(mine));
  std::vector<T> expected;
  for (int r = 0; r < comm.size(); ++r) expected.insert(expected.end(), static_cast<size_t>(r + 1), T(r));
  EXPECT_EQ(all, expected);
}

TYPED_TEST(TypedCollectives, AlltoallvDeliversEveryRanksShare) {
  using T = TypeParam;
  const auto comm = Communicator::world();
  const int me = comm.rank(), n = comm.size();
  // Rank s sends rank d exactly (s + d) % 3 values, each equal to 100 s + d: counts of zero included.
  std::vector<long long> counts(static_cast<size_t>(n));
  std::vector<T> send;
  for (int d = 0; d < n; ++d) {
    counts[static_cast<size_t>(d)] = (me + d) % 3;
    send.insert(send.end(), static_cast<size_t>((me + d) % 3), T(100 * me + d));
  }
  std::vector<long long> received;
  const auto got = comm.alltoallv(std::span<const T>(send), std::span<const long long>(counts), &received);
  std::vector<T> expected;
  for (int s = 0; s < n; ++s) {
    EXPECT_EQ(received[static_cast<size_t>(s)], (s + me) % 3);
    expected.insert(expected.end(), static_cast<size_t>((s + me) % 3), T(100 * s + me));
  }
  EXPECT_EQ(got, expected);
}

TEST(Communicator, AlltoallvRefusesCountsThatDoNotMatchTheData) {
  const auto comm = Communicator::world();
  const std::vector<double> send(3, 1.0);
  std::vector<long long> counts(static_cast<size_t>(comm.size()), 0);
  counts[0] = 2;  // 2 != 3
  EXPECT_THROW(comm.alltoallv(std::span<const double>(send), std::span<const long long>(counts)),
               std::invalid_argument);
}

TEST(Communicator, SplitByParityAndNodeLocal) {
  const auto comm = Communicator::world();
  const auto half = comm.split(comm.rank() % 2, comm.rank());
  EXPECT_EQ(half.size(), (comm.size() + 1 - comm.rank() % 2) / 2);
  EXPECT_EQ(half.rank(), comm.rank() / 2);
  long long ones = 1;
  half.allreduce(std::span<long long>(&ones, 1), ReduceOp::Sum);
  EXPECT_EQ(ones, half.size());
  // Every rank of these tests runs on this one machine: the node-local communicator is the world, same order.
  const auto node = comm.node_local();
  EXPECT_EQ(node.size(), comm.size());
  EXPECT_EQ(node.rank(), comm.rank());
}

TEST(Communicator, StringBroadcastAndRowRanges) {
  const auto comm = Communicator::world();
  EXPECT_EQ(comm.broadcast(comm.is_root() ? std::string("from rank 0") : std::string("other")),
            "from rank 0");
  long covered = 0;
  for (int r = 0; r < comm.size(); ++r) {
    const auto range = split_rows(10, r, comm.size());
    EXPECT_EQ(range.begin, covered);
    covered = range.end;
  }
  EXPECT_EQ(covered, 10);
}

}  // namespace
}  // namespace lofimap::distributed
