// The output of `lofimap map --regions R --coords FILE` (or a flat mosaic, --out-pixel): every rank reads its
// rows of the list; each position goes to the owner of its home region with that region's wave; the values
// come back to the rank that read it and rank 0 writes the list in its own order (FITS table for a .fits
// output, text otherwise), one rank's rows at a time. Positions outside the footprint (their region holds no
// galaxy, or their coverage cell is empty) are NaN. A mosaic is a list too: its pixel centres, row-major.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "distributed/communicator.hpp"
#include "io/header_card.hpp"
#include "pipeline/core/flat_grid.hpp"
#include "pipeline/core/product_options.hpp"
#include "pipeline/survey/coordinate_exchange.hpp"
#include "pipeline/survey/galaxy_exchange.hpp"
#include "pipeline/survey/region_driver.hpp"
#include "pipeline/survey/sky_regions.hpp"

namespace lofimap::pipeline {

struct CoordinateOutput {
  // `coordinate_file`: the list (RA Dec rows); "" with a mosaic set before the exchange is planned.
  CoordinateOutput(std::string coordinate_file, const OutputOptions& output_options,
                   const SkyRegions& sky_regions, const distributed::Communicator& communicator);
  std::string coords_file;
  const OutputOptions& output;
  const SkyRegions& regions;
  const distributed::Communicator& comm;
  std::optional<CoordinateExchange> list;
  std::vector<RegionPoints> wave_points;  // of this rank's regions in the current wave
  std::unordered_map<long long, size_t> slot;
  long long finite = 0;  // rows with a value (all ranks)

  // A flat mosaic instead of a list (--out-pixel): its pixel centres, row-major [iy * nx + ix], are the list.
  std::optional<FlatGrid> mosaic;

  // The driver's hooks (collective): the list's rows read and planned; a wave's positions exchanged.
  void planned(const GalaxyExchange& galaxies);
  void wave(const GalaxyExchange& galaxies, int w);
  const RegionPoints& points_of(long long region) const { return wave_points[slot.at(region)]; }
  // Returns the rows written (on rank 0). Rank 0 assembles a mosaic's image from the ranks' rows (their rows
  // follow each other) and writes one image extension per column with the mosaic's TAN WCS.
  long long write(const RegionRows& share, const RegionColumns& columns, const std::vector<io::HeaderCard>& cards);

 private:
  long long write_mosaic(const std::vector<std::vector<float>>& values, const RegionColumns& columns,
                         const std::vector<io::HeaderCard>& cards);
};

}  // namespace lofimap::pipeline
