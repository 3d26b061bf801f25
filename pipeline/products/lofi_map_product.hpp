// `lofimap map`: LoFi mass maps from shear catalogues (or a KS map) at any output resolution or at listed
// coordinates, on one flat patch (patch_lofi_map.hpp) or in sky regions (region_lofi_map.hpp). The one entry
// point validates every option, opens the model through the plugin on every rank, and chooses the mode; both
// modes evaluate the model the same way (LofiEvaluator: one batched loop over the queries).
#pragma once

#include "distributed/communicator.hpp"
#include "pipeline/core/product_options.hpp"
#include "pipeline/products/map_config.hpp"

namespace lofimap::pipeline {

// Throws std::invalid_argument (bad option) or io::Error (bad file) before the model is loaded.
ProductReport run_lofi_map(const MapConfig& config, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
