// Flat binning in the catalogue pass: each chunk of valid, uncalibrated rows is projected onto the patch and
// summed per pixel by reading thread (RawShearSums), without keeping the galaxies; the sums are calibrated
// per pixel once the global calibration is known.
#pragma once

#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/core/raw_shear_sums.hpp"
#include "pipeline/flat/flat_binning.hpp"

namespace lofimap::pipeline {

class FlatRawBinner {
 public:
  FlatRawBinner(const FlatGrid& patch, int parts, bool per_galaxy_c);
  // Adds one chunk to part `part`; different parts may be added from different threads at once.
  void add(int part, const RawShearRows& rows);
  // This rank's shape moments (for the calibrated shape noise).
  ShapeMoments moments() const { return sums_.moments(); }
  // Collective: the parts' and ranks' sums on rank 0, calibrated per pixel. Valid on rank 0 (other ranks hold
  // their partial sums), as bin_flat.
  FlatShearGrid finish(const ShapeCalibration& calibration, const distributed::Communicator& comm);

 private:
  FlatGrid patch_;
  RawShearSums sums_;
  struct Scratch {
    std::vector<double> x, y;  // the current chunk's plane positions
    std::vector<long> cells;   // and pixels (-1: off the patch)
  };
  std::vector<Scratch> scratch_;  // per part
};

}  // namespace lofimap::pipeline
