// Binning straight from the catalogue pass: each chunk of valid, uncalibrated rows is projected and summed
// per pixel (w, w e1, w e2, count; w c1, w c2 when the calibration subtracts c per galaxy) into one
// accumulator per reading thread, without keeping the galaxies. The calibration is linear in (e, c), so the
// calibrated weighted mean shear of a pixel follows from its sums once the global calibration is known.
#pragma once

#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/core/raw_shear_rows.hpp"
#include "pipeline/flat/flat_binning.hpp"

namespace lofimap::pipeline {

class FlatRawBinner {
 public:
  FlatRawBinner(const FlatGrid& patch, int parts, bool per_galaxy_c);
  // Adds one chunk to part `part`'s sums; different parts may be added from different threads at once.
  void add(int part, const RawShearRows& rows);
  // This rank's shape moments (for the calibrated shape noise), summed over its parts in order.
  ShapeMoments moments() const;
  // Collective: the parts' and ranks' sums on rank 0, calibrated per pixel. Valid on rank 0 (other ranks hold
  // their partial sums), as bin_flat.
  FlatShearGrid finish(const ShapeCalibration& calibration, const distributed::Communicator& comm);

 private:
  struct Part {
    std::vector<double, PrefaultedAllocator<double>> sums;  // per pixel: w, w e1, w e2, count [, w c1, w c2]
    ShapeMoments moments;
    long long outside = 0;
    std::vector<long> cells;  // the current chunk's pixel per galaxy (-1: outside the patch)
  };
  FlatGrid patch_;
  int fields_;
  std::vector<Part> parts_;
};

}  // namespace lofimap::pipeline
