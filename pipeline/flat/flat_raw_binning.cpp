#include "pipeline/flat/flat_raw_binning.hpp"

#include "pipeline/flat/flat_geometry.hpp"

namespace lofimap::pipeline {

FlatRawBinner::FlatRawBinner(const FlatGrid& patch, int parts, bool per_galaxy_c)
    : patch_(patch), fields_(per_galaxy_c ? 6 : 4), parts_(static_cast<size_t>(std::max(1, parts))) {}

void FlatRawBinner::add(int part, const RawShearRows& rows) {
  Part& p = parts_[static_cast<size_t>(part)];
  const size_t fields = static_cast<size_t>(fields_);
  if (p.sums.empty()) p.sums.assign(fields * static_cast<size_t>(patch_.pixels()), 0.0);  // on its thread
  p.moments.add(rows);
  // Pixel indices first, sums second: galaxies come in random sky order, so nearly every sum misses the
  // cache; with no projection arithmetic between them the processor overlaps those misses (and the prefetch
  // below starts them early). 3x faster than projecting and summing in one loop at 1024^2 pixels.
  const GnomonicProjector project(patch_.centre);
  p.cells.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto xy = project(rows.ra[i], rows.dec[i]);
    long ix = 0, iy = 0;
    const bool inside = xy.valid && patch_.pixel_of(xy.x_deg, xy.y_deg, ix, iy);
    p.cells[i] = inside ? iy * patch_.nx + ix : -1;
  }
  constexpr size_t kAhead = 16;
  double* sums = p.sums.data();
  const bool with_c = fields_ == 6;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i + kAhead < rows.size() && p.cells[i + kAhead] >= 0)
      __builtin_prefetch(sums + fields * static_cast<size_t>(p.cells[i + kAhead]), 1);
    if (p.cells[i] < 0) {
      ++p.outside;
      continue;
    }
    double* cell = sums + fields * static_cast<size_t>(p.cells[i]);
    const double w = rows.w[i];
    cell[0] += w;
    cell[1] += w * rows.e1[i];
    cell[2] += w * rows.e2[i];
    cell[3] += 1;
    if (with_c) cell[4] += w * rows.c1[i], cell[5] += w * rows.c2[i];
  }
}

ShapeMoments FlatRawBinner::moments() const {
  ShapeMoments total;
  for (const auto& p : parts_)
    for (int k = 0; k < ShapeMoments::kCount; ++k) total.v[k] += p.moments.v[k];
  return total;
}

FlatShearGrid FlatRawBinner::finish(const ShapeCalibration& calibration,
                                    const distributed::Communicator& comm) {
  const size_t n = static_cast<size_t>(patch_.pixels()), fields = static_cast<size_t>(fields_);
  // Parts summed in part order, field by field, into the layout the reduction wants.
  std::vector<double> sums(fields * n, 0.0);
  long long outside = 0;
  for (auto& p : parts_) {
    outside += p.outside;
    if (p.sums.empty()) continue;
    for (size_t k = 0; k < n; ++k)
      for (size_t f = 0; f < fields; ++f) sums[f * n + k] += p.sums[fields * k + f];
    p.sums = {};
  }
  comm.reduce_sum_to_root(sums.data(), sums.size());
  comm.allreduce_sum(&outside, 1);
  FlatShearGrid grid;
  grid.patch = patch_;
  grid.outside = outside;
  grid.weight.assign(sums.begin(), sums.begin() + static_cast<long>(n));
  grid.count.assign(sums.begin() + static_cast<long>(3 * n), sums.begin() + static_cast<long>(4 * n));
  grid.g1.assign(n, 0.0);
  grid.g2.assign(n, 0.0);
  for (size_t k = 0; k < n; ++k) {
    const double w = grid.weight[k];
    if (!(w > 0)) continue;
    const double c1 = fields == 6 ? sums[4 * n + k] / w : 0.0, c2 = fields == 6 ? sums[5 * n + k] / w : 0.0;
    calibration.apply(sums[n + k] / w, sums[2 * n + k] / w, c1, c2, grid.g1[k], grid.g2[k]);
  }
  return grid;
}

}  // namespace lofimap::pipeline
