// The flat-sky Wiener filter: the maximum a posteriori convergence for a Gaussian signal with the true C_ell
// and pixel noise sigma_e^2 / N_gal per shear component (infinite where no galaxy fell, so masks are exact):
//   (S^-1 + A^T N^-1 A) kappa = A^T N^-1 gamma,
// with A the flat forward model (kappa -> shear) and S diagonal in Fourier space. Solved by preconditioned
// conjugate gradients on kappa's Fourier transform with periodic operators: S^-1 and the preconditioner (the
// same system with the mean noise weight) are diagonal there, and an iteration costs two FFTs.
#pragma once

#include <vector>

#include "pipeline/core/angular_spectrum.hpp"
#include "pipeline/core/flat_grid.hpp"

namespace lofimap::pipeline {

struct WienerOptions {
  double pad = 1;           // FFT padding of the operators: only 1 (periodic) is accepted
  double tolerance = 1e-6;  // relative residual
  int max_iterations = 1000;
};

struct WienerResult {
  std::vector<double> kappa;
  int iterations = 0;
  double residual = 0;
};

// shear: (gamma1, gamma2) planes on the grid; counts: galaxies per pixel (0 = unobserved).
WienerResult wiener_filter(const std::vector<double>& gamma1, const std::vector<double>& gamma2,
                           const std::vector<double>& counts, double sigma_e, const AngularSpectrum& cl,
                           const FlatGrid& grid, const WienerOptions& options = {});

}  // namespace lofimap::pipeline
