// Which maps of a training set each rank simulates. Every map's content depends on its index alone, so any
// dealing gives the same set; the dealing decides the work. A particle-mesh box serves `cones_per_box`
// consecutive particle-mesh maps and is simulated by the rank that draws them (one box held at a time), so
// all of a box's maps go to one rank: dealt round-robin, each box would be simulated by every rank.
#pragma once

#include <vector>

namespace lofimap::pipeline {

struct MapShare {
  std::vector<long> maps;  // the maps this rank simulates, in increasing order
  long rounds = 0;         // the most maps any rank simulates (the collective writes' rounds)
};

// The maps rank `rank` of `ranks` simulates. Maps cycle through `families` families (map
// i is of family i mod families); the family at `particle_mesh_family` (-1: none) groups its maps by box, the
// (i / families / cones_per_box)-th, and whole boxes go in turn to the rank with the fewest maps so far.
// The other maps then fill the ranks to equal counts (to within one map), each to the rank with the fewest.
// Without a particle-mesh family this is round-robin: map i to rank i mod ranks.
MapShare maps_of_rank(long maps, long families, long particle_mesh_family, long cones_per_box, int rank,
                      int ranks);

}  // namespace lofimap::pipeline
