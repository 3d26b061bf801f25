// Which maps of a training set each rank simulates. Every map's content depends on its index alone, so any
// dealing gives the same set; the dealing decides the work. A particle-mesh box serves `cones_per_box`
// consecutive particle-mesh maps and is simulated by each rank that draws one of them (one box held at a
// time). Dealt in turn, every rank would simulate every box; dealt in contiguous runs, a box is simulated by
// one rank, or by two where a run ends inside it.
#pragma once

#include <vector>

namespace lofimap::pipeline {

struct MapShare {
  std::vector<long> maps;  // the maps this rank simulates, in increasing order
  long rounds = 0;         // the most maps any rank simulates (the collective writes' rounds)
};

// The maps rank `rank` of `ranks` simulates. Maps cycle through `families` families (map i is of family i mod
// families). Without a particle-mesh family (`particle_mesh_family` -1) map i goes to rank i mod ranks. With
// one (its index in the cycle), rank k takes the particle-mesh maps k P / R to (k + 1) P / R - 1 counted
// among the P particle-mesh maps (at most boxes + R - 1 box simulations in all), and the other maps then fill
// the ranks to equal counts, each to the rank with the fewest so far.
MapShare maps_of_rank(long maps, long families, long particle_mesh_family, int rank, int ranks);

}  // namespace lofimap::pipeline
