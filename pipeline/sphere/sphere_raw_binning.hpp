// HEALPix binning in the catalogue pass: each chunk of valid, uncalibrated rows is summed per RING pixel by
// reading thread (RawShearSums), without keeping the galaxies; the sums are calibrated per pixel once the
// global calibration is known, and turned into HEALPix (Q, U) = -(g1, g2).
#pragma once

#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/core/raw_shear_sums.hpp"
#include "pipeline/sphere/sphere_binning.hpp"

namespace lofimap::pipeline {

class SphereRawBinner {
 public:
  SphereRawBinner(long nside, int parts, bool per_galaxy_c);
  // Bytes of one part's sums at this nside (for choosing the number of parts).
  static double part_bytes(long nside, bool per_galaxy_c);
  // Adds one chunk to part `part`; different parts may be added from different threads at once.
  void add(int part, const RawShearRows& rows);
  ShapeMoments moments() const { return sums_.moments(); }
  // Collective: the parts' and ranks' sums on rank 0, calibrated per pixel. Valid on rank 0, as bin_sphere.
  SphereShearMaps finish(const ShapeCalibration& calibration, const distributed::Communicator& comm);

 private:
  long nside_;
  RawShearSums sums_;
  std::vector<std::vector<long>> cells_;  // per part: the current chunk's pixel per row
};

}  // namespace lofimap::pipeline
