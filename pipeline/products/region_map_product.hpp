// Survey-scale maps in sky regions: `lofimap ks --regions R --nside N` (Kaiser-Squires) and `lofimap map
// --regions R --nside N` (LoFi). Each rank reads its rows; the galaxies go to the owners of their regions
// (with margins); each region is mapped on its own tangent plane and read at its own output HEALPix pixels;
// the partial NESTED map is written by rank 0 one rank's share at a time: no rank holds the whole catalogue
// or the whole map.
#pragma once

#include "distributed/communicator.hpp"
#include "pipeline/products/ks_product.hpp"
#include "pipeline/products/map_config.hpp"

namespace lofimap::pipeline {

// The region options of a KS config (regions, nside, pixel, margin, pad); throws std::invalid_argument naming
// the option. `need_pixel`: false while the pixel is still to come from a model.
void validate_region_settings(const KsConfig& config, bool need_pixel = true);
KsReport run_region_kaiser_squires(const KsConfig& config, const distributed::Communicator& comm);
// LoFi per region (loads the plugin); config.ks.regions > 0, validated by MapConfig::validate.
MapReport run_region_lofi_map(const MapConfig& config, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
