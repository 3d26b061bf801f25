// Full-sky convergence and shear on HEALPix for simulations: Gaussian fields synthesised from alm with a
// given C_ell, lognormal fields with shift lambda (C_ell of the Gaussian from the correlation-function
// mapping xi_g = ln(1 + xi / lambda^2), by Gauss-Legendre quadrature), shear by the exact spin-2 forward
// model.
#pragma once

#include <cstdint>
#include <vector>

#include "pipeline/simulate/cosmology.hpp"

namespace lofimap::pipeline {

struct SphereSimulation {
  long nside = 0;
  int lmax = 0;
  std::vector<double> kappa, q, u;  // RING; (Q, U) in the HEALPix convention
};

// lmax 0: 3 nside - 1. lambda 0: Gaussian; lambda > 0: lognormal. with_shear false skips (Q, U).
SphereSimulation simulate_sphere(const AngularSpectrum& cl, long nside, int lmax, double lambda,
                                 std::uint64_t seed, std::uint64_t stream, bool with_shear = true);

// Lognormal: the C_ell of the Gaussian field whose exponential has the target C_ell (clipped at 0).
std::vector<double> lognormal_gaussian_cl(const std::vector<double>& cl, double lambda);

// Angular power spectrum of a full-sky map (map2alm with 3 iterations), l = 0..lmax.
std::vector<double> measure_sphere_cl(const std::vector<double>& map, long nside, int lmax);

}  // namespace lofimap::pipeline
