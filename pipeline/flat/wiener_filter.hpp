// The flat-sky Wiener filter: the maximum a posteriori convergence for a Gaussian signal with the true C_ell
// and pixel noise sigma_e^2 / N_gal per shear component (infinite where no galaxy fell, so masks are exact):
//   (S^-1 + A^T N^-1 A) kappa = A^T N^-1 gamma,
// with A the flat forward model (kappa -> shear) and S diagonal in Fourier space. Solved by preconditioned
// conjugate gradients on kappa's Fourier transform with periodic operators: S^-1 and the preconditioner (the
// same system with the mean noise weight) are diagonal there, and an iteration costs two FFTs.
#pragma once

#include <cstdint>
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

struct WienerPosterior {
  std::vector<std::vector<double>> samples;  // kappa draws [y][x]
  int iterations = 0;                        // the most CG iterations of one draw's solve
};

// Exact draws from the Gaussian posterior of the same model (Hoffman & Ribak 1991): with the posterior mean
// `mean` (wiener_filter()'s kappa of the data), draw j is mean + s_j - WF(A s_j + n_j), s_j from the prior
// (spectrum C_ell / pixel^2 per mode on the periodic grid, mean mode zero) and n_j the pixel noise
// (sigma_e^2 / N_gal per component where N_gal > 0). Draw j depends on (seed, j) alone. Cost: one Wiener
// solve per draw.
WienerPosterior wiener_posterior_samples(const std::vector<double>& counts, double sigma_e,
                                         const AngularSpectrum& cl, const FlatGrid& grid,
                                         const std::vector<double>& mean, int samples, std::uint64_t seed,
                                         const WienerOptions& options = {});

}  // namespace lofimap::pipeline
