// `lofimap ks --regions R --nside N`: Kaiser-Squires E/B maps of each sky region on its own tangent plane,
// read at the region's output HEALPix pixels (partial NESTED map; NOISE_STD and SNR with noise realisations),
// on the survey driver (pipeline/survey/region_driver.hpp).
#pragma once

#include "distributed/communicator.hpp"
#include "pipeline/core/product_options.hpp"
#include "pipeline/products/ks_config.hpp"

namespace lofimap::pipeline {

// The config was validated by the caller (run_kaiser_squires).
ProductReport run_region_kaiser_squires(const KsConfig& config, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
