// The binned angular power spectrum of a map on a square flat grid (checks of simulated fields, the quality
// protocol's power ratio).
#pragma once

#include <vector>

#include "pipeline/core/angular_spectrum.hpp"
#include "pipeline/core/flat_grid.hpp"

namespace lofimap::pipeline {

struct BinnedPower {
  std::vector<double> ell, power,
      expected;  // per bin: mean ell, measured C_ell, the input C(ell) mode-averaged
  std::vector<long> modes;
};
// Power spectrum of a map in logarithmic ell bins; `expected` averages `cl` over the same modes (no binning
// bias).
BinnedPower measure_flat_power(const std::vector<double>& map, const FlatGrid& grid, int bins,
                               const AngularSpectrum& cl);

}  // namespace lofimap::pipeline
