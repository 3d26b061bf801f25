// How a training set's maps are dealt to ranks: every map to exactly one rank, all maps of a particle-mesh
// box to one rank, the ranks' counts even, and plain round-robin without a particle-mesh family.
#include "pipeline/simulate/map_dealing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace lofimap::pipeline {
namespace {

// The rank of every map, from every rank's share; fails the test if a map is dealt twice or not at all.
std::vector<int> owners(long maps, long families, long pm, long cones_per_box, int ranks) {
  std::vector<int> owner(static_cast<size_t>(maps), -1);
  long rounds = 0;
  for (int r = 0; r < ranks; ++r) {
    const auto share = maps_of_rank(maps, families, pm, cones_per_box, r, ranks);
    EXPECT_TRUE(std::is_sorted(share.maps.begin(), share.maps.end()));
    rounds = std::max(rounds, static_cast<long>(share.maps.size()));
    for (const long i : share.maps) {
      EXPECT_EQ(owner[static_cast<size_t>(i)], -1) << "map " << i << " dealt twice";
      owner[static_cast<size_t>(i)] = r;
    }
    EXPECT_EQ(share.rounds, maps_of_rank(maps, families, pm, cones_per_box, 0, ranks).rounds);
  }
  EXPECT_EQ(maps_of_rank(maps, families, pm, cones_per_box, 0, ranks).rounds, rounds);
  for (long i = 0; i < maps; ++i) EXPECT_GE(owner[static_cast<size_t>(i)], 0) << "map " << i << " not dealt";
  return owner;
}

TEST(MapDealing, WithoutParticleMeshMapsGoRoundRobin) {
  const auto owner = owners(11, 4, -1, 50, 3);
  for (long i = 0; i < 11; ++i) EXPECT_EQ(owner[static_cast<size_t>(i)], i % 3);
  EXPECT_EQ(maps_of_rank(11, 4, -1, 50, 0, 3).rounds, 4);
}

TEST(MapDealing, ABoxsMapsStayOnOneRankAndCountsStayEven) {
  // The shipped default's mixes: 600 maps of 5 families, particle-mesh the fifth (index 4), 50 cones per box:
  // 120 particle-mesh maps in 3 boxes (50, 50, 20). And a pure particle-mesh set of 1,200 maps (24 boxes).
  struct Case {
    long maps, families, pm, cones;
  };
  for (const auto& c : {Case{600, 5, 4, 50}, Case{1200, 1, 0, 50}, Case{12, 3, 0, 2}, Case{7, 2, 1, 3}})
    for (const int ranks : {1, 2, 3, 4}) {
      const auto owner = owners(c.maps, c.families, c.pm, c.cones, ranks);
      std::vector<long> count(static_cast<size_t>(ranks), 0);
      for (long i = 0; i < c.maps; ++i) ++count[static_cast<size_t>(owner[static_cast<size_t>(i)])];
      for (long i = 0; i < c.maps; ++i)
        if (i % c.families == c.pm) {
          const long box = i / c.families / c.cones, first = box * c.cones * c.families + c.pm;
          EXPECT_EQ(owner[static_cast<size_t>(i)], owner[static_cast<size_t>(first)])
              << c.maps << " maps, " << ranks << " ranks: map " << i << " of box " << box;
        }
      // Even counts wherever the other families' maps can fill the ranks up to the most loaded one.
      const long most = *std::max_element(count.begin(), count.end()),
                 least = *std::min_element(count.begin(), count.end());
      if (c.families > 1 && c.maps >= 100)
        EXPECT_LE(most - least, 1) << c.maps << " maps, " << ranks << " ranks";
      if (ranks == 1) EXPECT_EQ(count[0], c.maps);
    }
  // A pure particle-mesh set of 24 boxes at 2 ranks: 12 boxes, 600 maps each.
  EXPECT_EQ(maps_of_rank(1200, 1, 0, 50, 1, 2).maps.size(), 600u);
  EXPECT_EQ(maps_of_rank(1200, 1, 0, 50, 1, 2).maps.front(), 50);
}

TEST(MapDealing, InconsistentArgumentsAreRefused) {
  EXPECT_THROW(maps_of_rank(10, 2, 2, 5, 0, 1), std::invalid_argument);  // family index beyond the list
  EXPECT_THROW(maps_of_rank(10, 2, 0, 0, 0, 1), std::invalid_argument);  // no cones per box
  EXPECT_THROW(maps_of_rank(10, 2, 0, 5, 2, 2), std::invalid_argument);  // rank beyond the ranks
}

}  // namespace
}  // namespace lofimap::pipeline
