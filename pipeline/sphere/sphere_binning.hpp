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

// The same, fed chunk by chunk (a catalogue read again rather than held): the sums are added in the order the
// galaxies come, so chunks in row order give bin_sphere's maps exactly.
class SphereBinSums {
 public:
  explicit SphereBinSums(long nside);
  void add(const ShearCatalogue& chunk);
  // Collective: the maps on rank 0, as bin_sphere.
  SphereShearMaps finish(const distributed::Communicator& comm);

 private:
  long nside_;
  std::vector<double> sums_;  // q, u, weight, count: npix each
};

}  // namespace lofimap::pipeline
