// `lofimap map` on one flat patch: catalogue -> binned shear -> unsmoothed Kaiser-Squires E/B (or a KS map
// product) -> the model queried on an output grid of any pixel scale, at the HEALPix pixel centres inside the
// patch, or at a list of coordinates -> FITS with a TAN WCS, a partial HEALPix map or a text table, and a PNG
// quick-look, stamped with the model hash. Torch-free: the model is evaluated through the plugin.
#pragma once

#include "distributed/communicator.hpp"
#include "pipeline/core/product_options.hpp"
#include "pipeline/products/lofi_plugin.hpp"
#include "pipeline/products/map_config.hpp"

namespace lofimap::pipeline {

// The config was validated by the caller (run_lofi_map); `model` is open on this rank.
ProductReport run_patch_lofi_map(const MapConfig& config, LofiEvaluator& model,
                                 const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
