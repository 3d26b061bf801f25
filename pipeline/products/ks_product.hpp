// `lofimap ks`: catalogue -> calibrated galaxies -> binned shear -> Kaiser-Squires E/B maps (and the Wiener
// filter) -> FITS (flat with TAN WCS, or HEALPix) + PNG quick-looks, all written atomically by rank 0; or, with
// --regions, a survey map in sky regions (region_ks_product.hpp). The one entry point chooses the mode.
#pragma once

#include <string>
#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/core/product_options.hpp"
#include "pipeline/products/ks_config.hpp"

namespace lofimap::pipeline {

// Validates every option and output path before reading anything (KsConfig::validate); throws
// std::invalid_argument (bad option) or io::Error (bad file). Products are written by rank 0 only.
ProductReport run_kaiser_squires(const KsConfig& config, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
