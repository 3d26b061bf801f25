// Weighted binning of a catalogue onto a flat patch: per pixel the weighted mean shear, the summed weight and
// the galaxy count. Each rank bins its own galaxies; the sums are reduced onto rank 0.
#pragma once

#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/core/shear_catalogue.hpp"
#include "pipeline/flat/flat_geometry.hpp"

namespace lofimap::pipeline {

struct FlatShearGrid {
  FlatGrid patch;
  std::vector<double> g1, g2, weight, count;  // [iy * nx + ix]; empty pixels have zero shear and weight
  long long outside = 0;                      // galaxies that fell outside the patch (all ranks)
};

// Result valid on rank 0 (other ranks hold their partial sums).
FlatShearGrid bin_flat(const ShearCatalogue& galaxies, const FlatGrid& patch,
                       const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
