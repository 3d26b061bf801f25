// Binning of a catalogue onto HEALPix (RING): per pixel the weighted mean shear as HEALPix (Q, U) = -(g1,
// g2), the summed weight and the galaxy count. Each rank bins its own galaxies; the sums are reduced onto
// rank 0.
#pragma once

#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/core/shear_catalogue.hpp"

namespace lofimap::pipeline {

struct SphereShearMaps {
  long nside = 0;
  std::vector<double> q, u, weight, count;  // RING; unobserved pixels: zero shear and zero weight
};

// Result valid on rank 0 (other ranks hold their partial sums).
SphereShearMaps bin_sphere(const ShearCatalogue& galaxies, long nside, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
