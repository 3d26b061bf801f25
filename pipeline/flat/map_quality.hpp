// The quality protocol for maps with a truth: RMSE and Pearson r of (reconstruction - its mean) against
// (truth - its mean) inside the mask, the power-spectrum ratio to the truth, and the B-mode level.
#pragma once

#include <vector>

#include "pipeline/core/flat_grid.hpp"

namespace lofimap::pipeline {

struct MapQuality {
  double rmse = 0, pearson = 0;
  std::vector<double> ell, power_ratio;  // binned P_recon / P_truth
  double b_level = 0;                    // rms(kappa_B) / rms(kappa_E) when a B map is given, else 0
};

MapQuality evaluate_map(const std::vector<double>& recon, const std::vector<double>& truth,
                        const std::vector<double>& mask, const FlatGrid& grid, int power_bins = 8,
                        const std::vector<double>& kappa_b = {});

}  // namespace lofimap::pipeline
