// `lofimap map --regions R`: the model applied to each sky region on its own tangent plane (unsmoothed KS of the
// region's galaxies as input), read at the region's output HEALPix pixels (partial NESTED map), at the rows of
// a coordinate list, or at the pixels of a flat mosaic of the footprint; on the survey driver
// (pipeline/survey/region_driver.hpp). Torch-free: the model is evaluated through the plugin.
#pragma once

#include "distributed/communicator.hpp"
#include "pipeline/core/product_options.hpp"
#include "pipeline/products/lofi_plugin.hpp"
#include "pipeline/products/map_config.hpp"

namespace lofimap::pipeline {

// The config was validated by the caller (run_lofi_map); `model` is open on this rank.
ProductReport run_region_lofi_map(const MapConfig& config, LofiEvaluator& model,
                                  const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
