// The positions of a coordinate list (`lofimap map --regions R --coords FILE`), read by row ranges (rank r's
// rows follow rank r-1's): each position goes to the owner of its home region in that region's wave of the
// galaxy exchange, and the values computed there go back to the rank that read it, so that the list is
// written in its own order and no rank holds the whole list.
#pragma once

#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/survey/galaxy_exchange.hpp"
#include "pipeline/survey/sky_regions.hpp"

namespace lofimap::pipeline {

// A region's positions: their rows in the whole list and where they are.
struct RegionPoints {
  std::vector<long long> rows;
  std::vector<double> ra_deg, dec_deg;
};

class CoordinateExchange {
 public:
  // Collective. ra/dec: this rank's rows of the list, the first of them row `first_row`. `galaxies` says
  // which regions are mapped, in which wave and by which rank; it must outlive this object.
  CoordinateExchange(std::vector<double> ra_deg, std::vector<double> dec_deg, long long first_row,
                     const SkyRegions& regions, const GalaxyExchange& galaxies,
                     const distributed::Communicator& comm);

  // Collective, alongside galaxies.exchange(w): the positions of each region of galaxies.regions_of_wave(w),
  // in that order.
  std::vector<RegionPoints> exchange(int w) const;

  // Collective, once: values computed by this rank (columns[k][i] at list row rows[i]) go to the ranks that
  // read those rows. Returns [k][local row] for this rank's rows; rows no region mapped hold NaN.
  std::vector<std::vector<float>> return_values(const std::vector<long long>& rows,
                                                const std::vector<std::vector<float>>& columns) const;

  const std::vector<double>& ra_deg() const { return ra_; }
  const std::vector<double>& dec_deg() const { return dec_; }
  long long first_row() const { return first_row_; }
  long long total_rows() const { return total_rows_; }
  // Rows of the whole list whose home region holds no galaxy (all ranks).
  long long unmapped_rows() const { return unmapped_; }

 private:
  std::vector<double> ra_, dec_;
  std::vector<long long> region_;  // per local row: its home region,
  std::vector<int> wave_, owner_;  // the wave it is mapped in (< 0: not) and by which rank
  long long first_row_ = 0, total_rows_ = 0, unmapped_ = 0;
  std::vector<long long> first_rows_;  // per rank: its first row (and the total at the end)
  const GalaxyExchange& galaxies_;
  const distributed::Communicator& comm_;
};

}  // namespace lofimap::pipeline
