#include "pipeline/flat_binning.hpp"

namespace lofimap::pipeline {

FlatShearGrid bin_flat(const ShearCatalogue& g, const FlatPatch& patch, const distributed::Communicator& comm) {
  FlatShearGrid grid;
  grid.patch = patch;
  const size_t n = static_cast<size_t>(patch.nx * patch.ny);
  // Sums in one buffer so that a single reduction carries them: w g1, w g2, w, count.
  std::vector<double> sums(4 * n, 0.0);
  long long outside = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const auto p = gnomonic_project(patch.centre, g.ra_deg[i], g.dec_deg[i]);
    long ix = 0, iy = 0;
    if (!p.valid || !patch.pixel_of(p.x_deg, p.y_deg, ix, iy)) {
      ++outside;
      continue;
    }
    const size_t k = static_cast<size_t>(iy * patch.nx + ix);
    const double w = g.weight[i];
    sums[k] += w * g.g1[i];
    sums[n + k] += w * g.g2[i];
    sums[2 * n + k] += w;
    sums[3 * n + k] += 1;
  }
  comm.reduce_sum_to_root(sums.data(), sums.size());
  comm.allreduce_sum(&outside, 1);
  grid.outside = outside;
  grid.g1.assign(sums.begin(), sums.begin() + static_cast<long>(n));
  grid.g2.assign(sums.begin() + static_cast<long>(n), sums.begin() + static_cast<long>(2 * n));
  grid.weight.assign(sums.begin() + static_cast<long>(2 * n), sums.begin() + static_cast<long>(3 * n));
  grid.count.assign(sums.begin() + static_cast<long>(3 * n), sums.end());
  for (size_t k = 0; k < n; ++k) {
    if (grid.weight[k] > 0) {
      grid.g1[k] /= grid.weight[k];
      grid.g2[k] /= grid.weight[k];
    }
  }
  return grid;
}

}  // namespace lofimap::pipeline
