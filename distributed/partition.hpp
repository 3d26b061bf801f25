// Assignment of weighted work items (sky regions, map shards) to ranks: contiguous runs of items, so that
// neighbouring items (regions close on the sky when numbered along a space-filling curve such as HEALPix
// NESTED) stay on one rank, with the summed weights as even as the contiguity allows.
#pragma once

#include <span>
#include <vector>

namespace lofimap::distributed {

// owner[i] in [0, ranks) for every item, non-decreasing in i. Rank r takes the items whose cumulative weight
// midpoint falls in [r W / ranks, (r + 1) W / ranks), W the total weight; zero-weight items go with their
// predecessor. Throws std::invalid_argument for ranks < 1 or a negative or non-finite weight.
std::vector<int> partition_contiguous(std::span<const double> weights, int ranks);

// The largest summed weight of any rank divided by the mean (1 = perfect balance), for reports and tests.
double partition_imbalance(std::span<const double> weights, std::span<const int> owner, int ranks);

}  // namespace lofimap::distributed
