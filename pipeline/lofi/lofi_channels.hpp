// The input channels a LoFi model reads on one flat grid, as one float array [C, ny, nx]: kappa_E and kappa_B
// of Kaiser-Squires, then, as the model's options ask, the per-pixel noise level sigma_e / sqrt(N) and the
// Wiener estimate of the same binned shear under the model's prior C_ell. With the Wiener channel the network
// refines the classical optimum (for Gaussian skies) instead of rebuilding it from KS. Shared by training,
// `lofimap map`, region maps and the quality benchmark, so every path feeds a model the same inputs.
#pragma once

#include <vector>

#include "models/lofi_options.hpp"
#include "pipeline/core/angular_spectrum.hpp"
#include "pipeline/core/flat_grid.hpp"

namespace lofimap::pipeline {

// The model's Wiener prior as a spectrum.
AngularSpectrum wiener_prior(const models::LofiOptions& options);

// The Wiener channel: the flat Wiener filter (periodic operators, 7-10 conjugate-gradient iterations on a
// 128^2 grid) of the binned shear with noise sigma_e^2 / N per pixel and component, 0 weight where N = 0.
std::vector<double> wiener_channel(const std::vector<double>& g1, const std::vector<double>& g2,
                                   const std::vector<double>& counts, double sigma_e,
                                   const AngularSpectrum& prior, const FlatGrid& grid);

// All channels. g1 and g2 (the binned shear) are read only by models with the Wiener channel; throws
// std::invalid_argument when such a model gets none.
std::vector<float> lofi_channels(const models::LofiOptions& options, const FlatGrid& grid,
                                 const std::vector<double>& kappa_e, const std::vector<double>& kappa_b,
                                 const std::vector<double>& g1, const std::vector<double>& g2,
                                 const std::vector<double>& counts, double sigma_e);

}  // namespace lofimap::pipeline
