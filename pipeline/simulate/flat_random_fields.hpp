// Flat-sky convergence fields for simulations: Gaussian random fields with a given C_ell on a periodic
// N x N grid, lognormal fields with shift lambda that keep the target power.
#pragma once

#include <cstdint>
#include <vector>

#include "pipeline/core/angular_spectrum.hpp"
#include "pipeline/core/flat_grid.hpp"

namespace lofimap::pipeline {

// Gaussian field: DFT modes with <|k|^2> = N^2 C(ell) / pixel^2 (i.e. the continuous C_ell), mean zero.
// Two independent fields per call (the real and imaginary parts of one complex draw).
std::pair<std::vector<double>, std::vector<double>> gaussian_field_pair(const AngularSpectrum& cl,
                                                                        const FlatGrid& grid,
                                                                        std::uint64_t seed,
                                                                        std::uint64_t stream);
std::vector<double> gaussian_field(const AngularSpectrum& cl, const FlatGrid& grid, std::uint64_t seed,
                                   std::uint64_t stream);

// Lognormal field kappa = lambda (exp(g - sigma_g^2 / 2) - 1), minimum -lambda. The Gaussian g has the power
// that makes kappa's correlation function equal to the target's on this grid: xi_g = ln(1 + xi / lambda^2).
std::vector<double> lognormal_field(const AngularSpectrum& cl, const FlatGrid& grid, double lambda,
                                    std::uint64_t seed, std::uint64_t stream);

}  // namespace lofimap::pipeline
