#include "pipeline/flat/flat_raw_binning.hpp"

#include "pipeline/flat/flat_geometry.hpp"

namespace lofimap::pipeline {

FlatRawBinner::FlatRawBinner(const FlatGrid& patch, int parts, bool per_galaxy_c)
    : patch_(patch),
      sums_(static_cast<size_t>(patch.pixels()), parts, per_galaxy_c),
      scratch_(static_cast<size_t>(std::max(1, parts))) {}

void FlatRawBinner::add(int part, const RawShearRows& rows) {
  Scratch& s = scratch_[static_cast<size_t>(part)];
  auto& cells = s.cells;
  cells.resize(rows.size());
  s.x.resize(rows.size()), s.y.resize(rows.size());
  GnomonicProjector(patch_.centre)
      .project(rows.ra.data(), rows.dec.data(), rows.size(), s.x.data(), s.y.data());
  for (size_t i = 0; i < rows.size(); ++i) {
    long ix = 0, iy = 0;
    cells[i] = patch_.pixel_of(s.x[i], s.y[i], ix, iy) ? iy * patch_.nx + ix : -1;  // x NaN: far side
  }
  sums_.add(part, rows, cells);
}

FlatShearGrid FlatRawBinner::finish(const ShapeCalibration& calibration,
                                    const distributed::Communicator& comm) {
  auto merged = sums_.take_merged();
  long long outside = sums_.outside();
  comm.reduce_sum_to_root(merged.data(), merged.size());
  comm.allreduce_sum(&outside, 1);
  FlatShearGrid grid;
  grid.patch = patch_;
  grid.outside = outside;
  sums_.calibrate(merged, calibration, grid.g1, grid.g2, grid.weight, grid.count);
  return grid;
}

}  // namespace lofimap::pipeline
