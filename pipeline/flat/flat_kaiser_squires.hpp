// Flat-sky Kaiser-Squires and its inverse (the exact flat forward model), by FFTW on a zero-padded grid.
//   kappa_E + i kappa_B = F^-1[ D*(k) F[gamma1 + i gamma2] ],  D(k) = (k1 + i k2)^2 / |k|^2,  D(0) = 0
//   gamma1 + i gamma2   = F^-1[ D(k)  F[kappa_E + i kappa_B] ]
// with k1 along x (= +RA, the fast index) and k2 along y (+Dec). Zero padding by `pad` cuts the periodic
// wrap-around of the FFT; an optional Gaussian smoothing (sigma in pixels) is applied in Fourier space.
#pragma once

#include <vector>

#include "pipeline/core/field_pair.hpp"
#include "pipeline/flat/fft_size.hpp"  // padded_fft_size, part of this header's interface

namespace lofimap::pipeline {

// removed_sigma_pixels > 0: the scales a Gaussian of that sigma keeps are taken out (transfer
// G(smoothing) * (1 - G(removed))), for maps whose large scales come from a global estimate.
FlatFieldPair flat_kaiser_squires(const FlatFieldPair& shear, double pad, double smoothing_sigma_pixels,
                                  double removed_sigma_pixels = 0);
FlatFieldPair flat_shear_from_convergence(const FlatFieldPair& kappa, double pad);

// Gaussian smoothing of a single real map in Fourier space (same padding rules).
std::vector<double> flat_gaussian_smooth(const std::vector<double>& map, long nx, long ny,
                                         double sigma_pixels, double pad);

// Threads FFTW may use in its plans (call once, early; n >= 1).
void set_fftw_threads(int n);

}  // namespace lofimap::pipeline
