// How a training set's maps are dealt to ranks: every map to exactly one rank, the particle-mesh maps in
// contiguous runs (so a box is simulated by at most two ranks, boxes + ranks - 1 times in all), the ranks'
// counts even, and plain round-robin without a particle-mesh family.
#include "pipeline/simulate/map_dealing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <vector>

namespace lofimap::pipeline {
namespace {

// The rank of every map, from every rank's share; fails the test if a map is dealt twice or not at all.
std::vector<int> owners(long maps, long families, long pm, int ranks) {
  std::vector<int> owner(static_cast<size_t>(maps), -1);
  long most = 0;
  for (int r = 0; r < ranks; ++r) {
    const auto share = maps_of_rank(maps, families, pm, r, ranks);
    EXPECT_TRUE(std::is_sorted(share.maps.begin(), share.maps.end()));
    most = std::max(most, static_cast<long>(share.maps.size()));
    for (const long i : share.maps) {
      EXPECT_EQ(owner[static_cast<size_t>(i)], -1) << "map " << i << " dealt twice";
      owner[static_cast<size_t>(i)] = r;
    }
  }
  for (int r = 0; r < ranks; ++r) EXPECT_EQ(maps_of_rank(maps, families, pm, r, ranks).rounds, most);
  for (long i = 0; i < maps; ++i) EXPECT_GE(owner[static_cast<size_t>(i)], 0) << "map " << i << " not dealt";
  return owner;
}

TEST(MapDealing, WithoutParticleMeshMapsGoRoundRobin) {
  const auto owner = owners(11, 4, -1, 3);
  for (long i = 0; i < 11; ++i) EXPECT_EQ(owner[static_cast<size_t>(i)], i % 3);
  EXPECT_EQ(maps_of_rank(11, 4, -1, 0, 3).rounds, 4);
}

TEST(MapDealing, ParticleMeshMapsGoInRunsAndCountsStayEven) {
  // The shipped default's mixes (600 maps of 5 families, particle-mesh the fifth: 120 cones in 3 boxes of
  // 50), a pure particle-mesh set of 1,200 maps (24 boxes), and small odd cases.
  struct Case {
    long maps, families, pm, cones_per_box;
  };
  for (const auto& c :
       {Case{600, 5, 4, 50}, Case{1200, 1, 0, 50}, Case{240, 1, 0, 50}, Case{24, 3, 0, 4}, Case{7, 2, 1, 3}})
    for (const int ranks : {1, 2, 3, 4, 7}) {
      const auto owner = owners(c.maps, c.families, c.pm, ranks);
      std::vector<long> count(static_cast<size_t>(ranks), 0), pm_count(static_cast<size_t>(ranks), 0);
      std::set<std::pair<int, long>> simulated;  // (rank, box)
      long boxes = 0;
      for (long i = 0; i < c.maps; ++i) {
        const int r = owner[static_cast<size_t>(i)];
        ++count[static_cast<size_t>(r)];
        if (i % c.families != c.pm) continue;
        ++pm_count[static_cast<size_t>(r)];
        const long box = i / c.families / c.cones_per_box;
        simulated.insert({r, box});
        boxes = std::max(boxes, box + 1);
      }
      const auto label = std::to_string(c.maps) + " maps, " + std::to_string(ranks) + " ranks";
      EXPECT_LE(static_cast<long>(simulated.size()), boxes + ranks - 1) << label;
      const auto spread = [](const std::vector<long>& v) {
        return *std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end());
      };
      EXPECT_LE(spread(pm_count), 1) << label;
      EXPECT_LE(spread(count), 1) << label;
    }
  // 1,200 particle-mesh maps at 2 ranks: 12 boxes each, none simulated twice.
  const auto second = maps_of_rank(1200, 1, 0, 1, 2);
  EXPECT_EQ(second.maps.size(), 600u);
  EXPECT_EQ(second.maps.front(), 600);
}

TEST(MapDealing, InconsistentArgumentsAreRefused) {
  EXPECT_THROW(maps_of_rank(10, 2, 2, 0, 1), std::invalid_argument);   // family index beyond the list
  EXPECT_THROW(maps_of_rank(10, 0, -1, 0, 1), std::invalid_argument);  // no family
  EXPECT_THROW(maps_of_rank(10, 2, 0, 2, 2), std::invalid_argument);   // rank beyond the ranks
}

}  // namespace
}  // namespace lofimap::pipeline
