// `lofimap ks --regions R --nside N`: a survey-scale Kaiser-Squires map in sky regions. Each rank reads its
// rows, the galaxies go to the owners of their regions (with margins), each region is inverted on its own
// tangent plane and read at its own output HEALPix pixels, and the partial NESTED map is written by rank 0
// one rank's share at a time: no rank holds the whole catalogue or the whole map.
#pragma once

#include "distributed/communicator.hpp"
#include "pipeline/products/ks_product.hpp"

namespace lofimap::pipeline {

// Throws std::invalid_argument naming the option.
void validate_region_settings(const KsConfig& config);
KsReport run_region_kaiser_squires(const KsConfig& config, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
