#include "pipeline/simulate/map_dealing.hpp"

#include <algorithm>
#include <stdexcept>

namespace lofimap::pipeline {

MapShare maps_of_rank(long maps, long families, long particle_mesh_family, long cones_per_box, int rank,
                      int ranks) {
  if (maps < 0 || families < 1 || cones_per_box < 1 || ranks < 1 || rank < 0 || rank >= ranks ||
      particle_mesh_family >= families)
    throw std::invalid_argument("maps_of_rank: inconsistent arguments");
  MapShare mine;
  if (particle_mesh_family < 0) {
    for (long i = rank; i < maps; i += ranks) mine.maps.push_back(i);
    mine.rounds = (maps + ranks - 1) / ranks;
    return mine;
  }
  // Every rank computes the whole dealing (cheap: one pass over the maps) and keeps its own share.
  std::vector<long> count(static_cast<size_t>(ranks), 0);
  const auto fewest = [&] {
    return static_cast<int>(std::min_element(count.begin(), count.end()) - count.begin());
  };
  const long pm_maps = maps > particle_mesh_family ? (maps - particle_mesh_family - 1) / families + 1 : 0;
  const long boxes = (pm_maps + cones_per_box - 1) / cones_per_box;
  std::vector<int> box_rank(static_cast<size_t>(boxes));
  for (long b = 0; b < boxes; ++b) {
    const int r = fewest();
    box_rank[static_cast<size_t>(b)] = r;
    count[static_cast<size_t>(r)] += std::min(cones_per_box, pm_maps - b * cones_per_box);
  }
  for (long i = 0; i < maps; ++i) {
    int r;
    if (i % families == particle_mesh_family) {
      r = box_rank[static_cast<size_t>(i / families / cones_per_box)];
    } else {
      r = fewest();
      ++count[static_cast<size_t>(r)];
    }
    if (r == rank) mine.maps.push_back(i);
  }
  mine.rounds = *std::max_element(count.begin(), count.end());
  return mine;
}

}  // namespace lofimap::pipeline
