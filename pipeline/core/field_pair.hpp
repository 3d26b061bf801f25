// Two real fields on the same nx x ny grid, row-major [iy * nx + ix]: (kappa_E, kappa_B) or (gamma1, gamma2).
// The flat Fourier operators take and return the pair as the complex field a + i b.
#pragma once

#include <vector>

namespace lofimap::pipeline {

struct FlatFieldPair {
  long nx = 0, ny = 0;
  std::vector<double> a, b;
};

}  // namespace lofimap::pipeline
