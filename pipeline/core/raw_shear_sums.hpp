// Per-pixel sums of raw (uncalibrated) shapes, one accumulator per reading thread, for binning in the
// catalogue pass without keeping the galaxies: w, w e1, w e2 and the count, plus w c1 and w c2 when the
// calibration subtracts c per galaxy. The calibration is linear in (e, c), so each pixel's calibrated mean
// shear follows from its sums once the global calibration is known. The geometry (which pixel a galaxy falls
// in) is the caller's: the flat and HEALPix binners pass the pixel of each row.
#pragma once

#include <cstddef>
#include <vector>

#include "pipeline/core/prefaulted_allocator.hpp"
#include "pipeline/core/raw_shear_rows.hpp"

namespace lofimap::pipeline {

class RawShearSums {
 public:
  RawShearSums(std::size_t pixels, int parts, bool per_galaxy_c);
  int fields() const { return fields_; }
  bool per_galaxy_c() const { return fields_ == 6; }
  // Adds a chunk to part `part`: cells[i] is row i's pixel, or -1 when it falls outside. Different parts may
  // be added from different threads at once.
  void add(int part, const RawShearRows& rows, const std::vector<long>& cells);
  // Over all parts, in part order.
  ShapeMoments moments() const;
  long long outside() const;
  using Sums = std::vector<double, PrefaultedAllocator<double>>;  // fields() values per pixel
  // Bytes one part's sums take.
  std::size_t part_bytes() const { return static_cast<std::size_t>(fields_) * pixels_ * sizeof(double); }
  // The sums of all parts added in part order into the first part's (no copy); the parts are released.
  Sums take_merged();
  // Per pixel from merged sums: the calibrated mean shear (zero where the weight is zero), the summed weight
  // and the galaxy count.
  void calibrate(const Sums& merged, const ShapeCalibration& calibration, std::vector<double>& g1,
                 std::vector<double>& g2, std::vector<double>& weight, std::vector<double>& count) const;

 private:
  struct Part {
    Sums sums;
    ShapeMoments moments;
    long long outside = 0;
  };
  std::size_t pixels_;
  int fields_;
  std::vector<Part> parts_;
};

}  // namespace lofimap::pipeline
