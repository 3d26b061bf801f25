// Distributing a survey over ranks by sky region: which regions hold galaxies and which rank owns each
// (contiguous NESTED ranges balanced by galaxies and output pixels), and the exchange that brings every
// galaxy to the owners of the regions whose grids it falls in (its own region and those within the margin),
// with MPI_Alltoallv. The exchange runs in waves: each wave brings the galaxies of a contiguous share of
// every rank's regions, so a rank holds the galaxies of one wave's regions at a time (besides the rows it
// read), whatever the size of the catalogue.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/core/row_source.hpp"
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
RegionAssignment assign_regions(const RowSource& local, const SkyRegions& regions,
                                const distributed::Communicator& comm, int task = 0, int tasks = 1);

class GalaxyExchange {
 public:
  // Collective. `local`: the rows this rank read (rank r's rows follow rank r-1's in the global row order);
  // it must outlive the exchange, and is visited once here and once per wave. `skip`: regions not to map
  // (finished by an interrupted run; the same list on every rank): no galaxy is sent to them. `wave_bytes`:
  // the galaxies of a rank's regions held at once (the waves split every rank's regions into the same number
  // of contiguous groups of about equal galaxy counts; a single region larger than this is one wave of its
  // own). Throws std::invalid_argument (naming
  // --regions,
  // --margin and --region-memory) when a wave would need more memory than the machine has.
  GalaxyExchange(const RowSource& local, const SkyRegions& regions, const RegionAssignment& assignment,
                 const std::vector<long long>& skip, double wave_bytes,
                 const distributed::Communicator& comm);

  int waves() const { return waves_; }
  // This rank's regions of wave w, ascending (skipped regions left out).
  const std::vector<long long>& regions_of_wave(int w) const { return wave_regions_[static_cast<size_t>(w)]; }
  // Collective, every rank with the same w in turn: the galaxies of each region of regions_of_wave(w), in
  // that order; each region's galaxies in the global row order, whatever the number of ranks.
  std::vector<ShearCatalogue> exchange(int w) const;
  // The wave a region is mapped in: -1 when it is skipped, -2 when it holds no galaxy (not mapped at all).
  int wave_of_region(long long region) const;
  // The rank that maps the region, or -1 when it holds no galaxy.
  int owner_of_region(long long region) const;
  // Regions each galaxy is sent to on average over all regions (1 + the margins' share).
  double held_per_galaxy() const { return held_per_galaxy_; }

 private:
  const RowSource& local_;
  const RegionAssignment& assignment_;
  const distributed::Communicator& comm_;
  // Galaxies are grouped by the pixel of a fine HEALPix grid they fall in: the regions within the margin of
  // that pixel (positions in assignment.regions) are its targets, found once per fine pixel.
  std::vector<std::int32_t> group_of_;      // per local row
  std::vector<std::int32_t> target_begin_;  // per group: its targets' range in target_list_
  std::vector<std::int32_t> target_list_;
  std::unordered_map<long long, int> index_;  // region -> position in assignment.regions
  std::vector<int> wave_of_;                  // per position in assignment.regions (-1: skipped)
  std::vector<long long> records_;            // per position: galaxies sent to the region (all ranks)
  std::vector<std::vector<long long>> wave_regions_;
  long long first_row_ = 0, total_rows_ = 0;
  int waves_ = 1;
  double held_per_galaxy_ = 1;
};

}  // namespace lofimap::pipeline
