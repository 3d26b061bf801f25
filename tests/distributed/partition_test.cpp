// Weighted items -> ranks: contiguous runs, balanced within one item's weight of the ideal, and clear errors.
#include "distributed/partition.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

namespace lofimap::distributed {
namespace {

TEST(Partition, ContiguousAndBalancedWithinTheLargestItem) {
  std::mt19937 rng(3);
  std::lognormal_distribution<double> weight(0.0, 1.0);
  for (int ranks : {1, 2, 3, 4, 7, 16}) {
    std::vector<double> w(500);
    for (auto& v : w) v = weight(rng);
    const auto owner = partition_contiguous(w, ranks);
    ASSERT_EQ(owner.size(), w.size());
    EXPECT_EQ(owner.front(), 0);
    EXPECT_TRUE(std::is_sorted(owner.begin(), owner.end()));
    EXPECT_EQ(owner.back(), ranks - 1);
    // Each rank's load lies within one largest item of the mean (the best any contiguous split can promise).
    double total = 0, largest = 0;
    for (double v : w) total += v, largest = std::max(largest, v);
    const double mean = total / ranks;
    EXPECT_LE(partition_imbalance(w, owner, ranks), 1 + largest / mean + 1e-12) << ranks << " ranks";
  }
}

TEST(Partition, EqualWeightsSplitEvenly) {
  const std::vector<double> w(12, 1.0);
  const auto owner = partition_contiguous(w, 4);
  EXPECT_EQ(owner, (std::vector<int>{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3}));
  EXPECT_DOUBLE_EQ(partition_imbalance(w, owner, 4), 1.0);
}

TEST(Partition, MoreRanksThanItemsAndZeroWeights) {
  EXPECT_EQ(partition_contiguous(std::vector<double>{5.0, 5.0}, 4), (std::vector<int>{1, 3}));
  EXPECT_EQ(partition_contiguous(std::vector<double>{0.0, 0.0, 0.0, 0.0}, 2), (std::vector<int>{0, 0, 1, 1}));
  EXPECT_TRUE(partition_contiguous(std::vector<double>{}, 3).empty());
}

TEST(Partition, BadInputIsRefused) {
  EXPECT_THROW(partition_contiguous(std::vector<double>{1.0}, 0), std::invalid_argument);
  EXPECT_THROW(partition_contiguous(std::vector<double>{1.0, -1.0}, 2), std::invalid_argument);
  EXPECT_THROW(partition_contiguous(std::vector<double>{1.0, NAN}, 2), std::invalid_argument);
  EXPECT_THROW(partition_imbalance(std::vector<double>{1.0}, std::vector<int>{2}, 2), std::invalid_argument);
}

}  // namespace
}  // namespace lofimap::distributed
