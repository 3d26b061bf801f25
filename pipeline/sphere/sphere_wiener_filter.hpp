// The spherical Wiener filter on HEALPix (RING): the maximum a posteriori E-mode convergence for a Gaussian
// signal with the given C_ell and pixel noise sigma_e^2 / N_gal per shear component (none where no galaxy
// fell, so masks are exact):
//   (S^-1 + A^T N^-1 A) kappa_lm = A^T N^-1 (Q, U),
// with A the spherical forward model (kappa_lm -> E_lm = sqrt((l+2)(l-1) / (l(l+1))) kappa_lm, B_lm = 0,
// then the spin-2 synthesis) and A^T its exact adjoint (libsharp's adjoint synthesis). Solved by
// conjugate gradients on the harmonic coefficients, preconditioned by the same system with the mean noise
// weight (diagonal in l); an iteration costs one spin-2 synthesis and one adjoint synthesis.
#pragma once

#include <vector>

#include "pipeline/core/angular_spectrum.hpp"

namespace lofimap::pipeline {

struct SphereWienerOptions {
  int lmax = 0;             // 0: 2 * nside
  long output_nside = 0;    // nside of the kappa map (0: the input's)
  double tolerance = 1e-5;  // relative residual
  int max_iterations = 500;
};

struct SphereWienerResult {
  long nside = 0;
  std::vector<double> kappa;  // RING, at the output nside
  int iterations = 0;
  double residual = 0;
};

// q, u: binned shear per pixel; counts: galaxies per pixel (0 = unobserved).
SphereWienerResult sphere_wiener_filter(const std::vector<double>& q, const std::vector<double>& u,
                                        const std::vector<double>& counts, double sigma_e,
                                        const AngularSpectrum& cl, long nside,
                                        const SphereWienerOptions& options = {});

}  // namespace lofimap::pipeline
