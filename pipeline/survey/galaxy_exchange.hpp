// Distributing a survey over ranks by sky region: which regions hold galaxies and which rank owns each
// (contiguous NESTED ranges balanced by galaxies and output pixels), and the exchange that brings every
// galaxy to the owners of the regions whose grids it falls in (its own region and those within the margin),
// with MPI_Alltoallv. After it, no rank holds more than its regions' galaxies.
#pragma once

#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/core/shear_catalogue.hpp"
#include "pipeline/survey/sky_regions.hpp"

namespace lofimap::pipeline {

struct RegionAssignment {
  std::vector<long long> regions;   // regions holding at least one galaxy, ascending (identical on all ranks)
  std::vector<long long> galaxies;  // per region: galaxies whose home it is
  std::vector<int> owner;           // per region: its rank
  std::vector<long long> mine() const;  // filled by assign_regions for the calling rank
  int rank = 0;
};

// Counts galaxies per region over all ranks and gives contiguous runs of regions to ranks, each region
// weighted by its share of the galaxies plus its share of the output pixels (equal for every region).
// With tasks > 1 (independent jobs of an array, each mapping part of the survey): the regions are first dealt
// to `tasks` the same way, and only those of `task` are kept and dealt to the ranks.
RegionAssignment assign_regions(const ShearCatalogue& local, const SkyRegions& regions,
                                const distributed::Communicator& comm, int task = 0, int tasks = 1);

// The galaxies of each of this rank's regions (assignment.mine(), in that order): every galaxy of any rank in
// the region or within its margin. Throws std::invalid_argument (naming --regions and --margin) when the
// exchange needs more memory than the machine has.
std::vector<ShearCatalogue> exchange_galaxies(const ShearCatalogue& local, const SkyRegions& regions,
                                              const RegionAssignment& assignment,
                                              const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
