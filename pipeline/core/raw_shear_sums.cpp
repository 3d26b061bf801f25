#include "pipeline/core/raw_shear_sums.hpp"

#include <algorithm>

namespace lofimap::pipeline {

RawShearSums::RawShearSums(std::size_t pixels, int parts, bool per_galaxy_c)
    : pixels_(pixels), fields_(per_galaxy_c ? 6 : 4), parts_(static_cast<std::size_t>(std::max(1, parts))) {}

void RawShearSums::add(int part, const RawShearRows& rows, const std::vector<long>& cells) {
  Part& p = parts_[static_cast<std::size_t>(part)];
  const std::size_t fields = static_cast<std::size_t>(fields_);
  if (p.sums.empty()) p.sums.assign(fields * pixels_, 0.0);  // made by the thread that fills it
  p.moments.add(rows);
  // Galaxies come in random sky order, so nearly every sum misses the cache. This loop does nothing else, so
  // the processor overlaps the misses, and the prefetch starts them early (64 rows ahead: 5% less ingest time
  // than 16, measured): 3x faster at 1024^2 pixels than projecting and summing in one loop.
  constexpr std::size_t kAhead = 64;
  double* sums = p.sums.data();
  const bool with_c = per_galaxy_c();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i + kAhead < rows.size() && cells[i + kAhead] >= 0)
      __builtin_prefetch(sums + fields * static_cast<std::size_t>(cells[i + kAhead]), 1);
    if (cells[i] < 0) {
      ++p.outside;
      continue;
    }
    double* cell = sums + fields * static_cast<std::size_t>(cells[i]);
    const double w = rows.w[i];
    cell[0] += w;
    cell[1] += w * rows.e1[i];
    cell[2] += w * rows.e2[i];
    cell[3] += 1;
    if (with_c) cell[4] += w * rows.c1[i], cell[5] += w * rows.c2[i];
  }
}

ShapeMoments RawShearSums::moments() const {
  ShapeMoments total;
  for (const auto& p : parts_)
    for (int k = 0; k < ShapeMoments::kCount; ++k) total.v[k] += p.moments.v[k];
  return total;
}

long long RawShearSums::outside() const {
  long long total = 0;
  for (const auto& p : parts_) total += p.outside;
  return total;
}

RawShearSums::Sums RawShearSums::take_merged() {
  Sums merged;
  for (auto& p : parts_) {
    if (p.sums.empty()) continue;
    if (merged.empty()) {
      merged = std::move(p.sums);
    } else {
      const long n = static_cast<long>(merged.size());
      double* m = merged.data();
      const double* q = p.sums.data();
#pragma omp parallel for schedule(static) if (n > (1L << 16))
      for (long i = 0; i < n; ++i) m[i] += q[i];
    }
    p.sums = {};
  }
  if (merged.empty())
    merged.assign(static_cast<std::size_t>(fields_) * pixels_, 0.0);  // no galaxy on this rank
  return merged;
}

void RawShearSums::calibrate(const Sums& merged, const ShapeCalibration& calibration, std::vector<double>& g1,
                             std::vector<double>& g2, std::vector<double>& weight,
                             std::vector<double>& count) const {
  for (auto* v : {&g1, &g2, &weight, &count}) v->assign(pixels_, 0.0);
  const std::size_t fields = static_cast<std::size_t>(fields_);
  const long pixels = static_cast<long>(pixels_);
  const bool with_c = per_galaxy_c();
#pragma omp parallel for schedule(static) if (pixels > (1L << 16))
  for (long k = 0; k < pixels; ++k) {
    const double* cell = &merged[fields * static_cast<std::size_t>(k)];
    weight[k] = cell[0], count[k] = cell[3];
    if (!(cell[0] > 0)) continue;
    const double w = cell[0];
    calibration.apply(cell[1] / w, cell[2] / w, with_c ? cell[4] / w : 0.0, with_c ? cell[5] / w : 0.0, g1[k],
                      g2[k]);
  }
}

}  // namespace lofimap::pipeline
