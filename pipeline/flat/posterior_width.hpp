// A cheap per-pixel reference width for map intervals: the posterior standard deviation of the Wiener filter
// under a local white-noise approximation. At pixel x the shear noise per component is taken as white with
// variance sigma_n^2(x) = sigma_e^2 / n(x), n the galaxy counts smoothed by a Gaussian of one pixel (so a
// masked hole is partly constrained by its neighbours and its width rises towards the prior's), and then
//   w(x)^2 = (1 / N) sum_k S_k sigma_n^2(x) / (S_k + sigma_n^2(x)),
// S_k = C(ell_k) / pixel^2 the prior per mode of the grid (the convention of wiener_filter()). It follows the
// depth, the holes and the pixel scale of a map at the cost of one smoothing; it is not the exact posterior
// (the Hoffman-Ribak samples of wiener_filter.hpp are), and LoFi's intervals scale it by conformal quantiles
// (pipeline/core/interval_calibration.hpp), which absorb the difference.
#pragma once

#include <string>
#include <vector>

#include "pipeline/core/angular_spectrum.hpp"
#include "pipeline/core/flat_grid.hpp"

namespace lofimap::pipeline {

// Its name and version, recorded with a calibration so that a calibration is never applied to another width.
inline const std::string kLocalWienerWidth = "local-wiener-v1";

std::vector<double> local_wiener_width(const std::vector<double>& counts, double sigma_e,
                                       const AngularSpectrum& prior, const FlatGrid& grid);

// Galaxies per arcmin^2 over the pixels where mask > 0 (0 when there are none).
double footprint_density(const std::vector<double>& counts, const std::vector<double>& mask,
                         double pixel_arcmin);

}  // namespace lofimap::pipeline
