#include "distributed/partition.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace lofimap::distributed {

std::vector<int> partition_contiguous(std::span<const double> weights, int ranks) {
  if (ranks < 1) throw std::invalid_argument("partition: need at least one rank");
  double total = 0;
  for (double w : weights) {
    if (!(w >= 0) || !std::isfinite(w))
      throw std::invalid_argument("partition: weights must be finite and >= 0");
    total += w;
  }
  std::vector<int> owner(weights.size(), 0);
  if (total <= 0) {  // nothing to balance: spread the items evenly by count
    for (std::size_t i = 0; i < weights.size(); ++i)
      owner[i] =
          static_cast<int>(i * static_cast<std::size_t>(ranks) / std::max<std::size_t>(1, weights.size()));
    return owner;
  }
  double before = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const double mid = before + 0.5 * weights[i];
    owner[i] = std::min(ranks - 1, static_cast<int>(mid / total * ranks));
    if (i > 0) owner[i] = std::max(owner[i], owner[i - 1]);
    before += weights[i];
  }
  return owner;
}

double partition_imbalance(std::span<const double> weights, std::span<const int> owner, int ranks) {
  if (weights.size() != owner.size()) throw std::invalid_argument("partition: one owner per item expected");
  std::vector<double> load(static_cast<std::size_t>(std::max(1, ranks)), 0.0);
  double total = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (owner[i] < 0 || owner[i] >= ranks) throw std::invalid_argument("partition: owner out of range");
    load[static_cast<std::size_t>(owner[i])] += weights[i];
    total += weights[i];
  }
  if (total <= 0) return 1;
  return *std::max_element(load.begin(), load.end()) / (total / ranks);
}

}  // namespace lofimap::distributed
