// The shape-noise standard deviation of a flat Kaiser-Squires map, per pixel and exactly for the estimator
// flat_kaiser_squires() computes (same zero padding, same Gaussian smoothing). Each pixel's binned shear has
// independent noise of variance v(y) per component (sigma_e^2 / N_gal: a weighted mean of N galaxies with
// equal weights). KS is linear with the complex impulse response h = F^-1[D* W] on its padded periodic grid
// (D* the KS kernel, W the smoothing): gamma1 at y adds h(x - y) to kappa_E + i kappa_B at x, gamma2 adds
// i h(x - y). With independent components,
//   Var kappa_E(x) = Var kappa_B(x) = sum_y v(y) |h(x - y)|^2,
// a convolution of the variance map with |h|^2, done by FFT on the same padded grid (so any wrap-around of
// the estimator is reproduced). This is the limit that K rotated-ellipticity realisations approach.
#pragma once

#include <vector>

namespace lofimap::pipeline {

// counts: galaxies per pixel [ny][nx] (0: no noise there; the pixel carries zero shear); sigma_e: shape noise
// per component; pad, smoothing_sigma_pixels: as given to flat_kaiser_squires(). Returns the std per pixel.
std::vector<double> flat_ks_noise_std(const std::vector<double>& counts, long nx, long ny, double sigma_e,
                                      double pad, double smoothing_sigma_pixels);

}  // namespace lofimap::pipeline
