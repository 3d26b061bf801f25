// `lofimap map` (torch: compiled into liblofimap_torch.so): catalogue -> binned shear -> Kaiser-Squires E/B
// and the per-pixel noise level on the input grid -> LoFi queried on an output grid of any pixel scale, or at
// a list of coordinates -> FITS with a TAN WCS (or a text table) and a PNG quick-look, stamped with the model
// hash.
#pragma once

#include <string>
#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/products/map_config.hpp"

namespace lofimap::pipeline {

MapReport run_lofi_map(const MapConfig& config, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
