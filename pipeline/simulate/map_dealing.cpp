#include "pipeline/simulate/map_dealing.hpp"

#include <algorithm>
#include <stdexcept>

namespace lofimap::pipeline {

MapShare maps_of_rank(long maps, long families, long particle_mesh_family, int rank, int ranks) {
  if (maps < 0 || families < 1 || ranks < 1 || rank < 0 || rank >= ranks || particle_mesh_family >= families)
    throw std::invalid_argument("maps_of_rank: inconsistent arguments");
  MapShare mine;
  if (particle_mesh_family < 0) {
    for (long i = rank; i < maps; i += ranks) mine.maps.push_back(i);
    mine.rounds = (maps + ranks - 1) / ranks;
    return mine;
  }
  // Every rank computes the whole dealing (one pass over the maps) and keeps its own share.
  const long pm_maps = maps > particle_mesh_family ? (maps - particle_mesh_family - 1) / families + 1 : 0;
  const auto run_start = [&](long k) { return k * pm_maps / ranks; };  // rank k's first particle-mesh map
  std::vector<long> count(static_cast<size_t>(ranks));
  for (int k = 0; k < ranks; ++k) count[static_cast<size_t>(k)] = run_start(k + 1) - run_start(k);
  int run = 0;  // the rank whose run holds the current particle-mesh map
  for (long i = 0; i < maps; ++i) {
    int r;
    if (i % families == particle_mesh_family) {
      while (i / families >= run_start(run + 1)) ++run;
      r = run;
    } else {
      r = static_cast<int>(std::min_element(count.begin(), count.end()) - count.begin());
      ++count[static_cast<size_t>(r)];
    }
    if (r == rank) mine.maps.push_back(i);
  }
  mine.rounds = *std::max_element(count.begin(), count.end());
  return mine;
}

}  // namespace lofimap::pipeline
