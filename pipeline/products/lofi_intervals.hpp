// LoFi's intervals: the map's conformal quantiles (pipeline/core/interval_calibration.hpp, stored in the
// model file by `lofimap calibrate`) times the reference width of pipeline/flat/posterior_width.hpp. Shared
// by `lofimap calibrate` (scores on simulated maps), `lofimap map --intervals` and the coverage benchmark, so
// that the width a calibration was fitted on is the width it is applied to.
#pragma once

#include <string>
#include <vector>

#include "io/hdf5_training_set.hpp"
#include "models/lofi_options.hpp"
#include "pipeline/core/angular_spectrum.hpp"
#include "pipeline/core/flat_grid.hpp"
#include "pipeline/core/interval_calibration.hpp"
#include "pipeline/products/lofi_plugin.hpp"

namespace lofimap::pipeline {

// The prior of the width: the model's Wiener prior when it has one, else Limber/halofit (Planck 2015, z_s 1).
AngularSpectrum interval_prior(const models::LofiOptions& options);

// The model's calibration; std::invalid_argument naming the model and `lofimap calibrate` when it has none
// or one made for another width.
IntervalCalibration model_calibration(const LofiEvaluator& model, const std::string& model_path);

struct MapIntervals {
  std::vector<float> std, lo68, hi68, lo95, hi95;  // per query; std = the 68% half-width
  double q68 = 0, q95 = 0;                         // the calibration's quantiles for this map
  double density = 0;                              // footprint density [per arcmin^2] they were looked up at
};

// kappa at the queries (x, y arcmin on `grid`'s plane), `width` on the grid: kappa +- q w(input pixel of the
// query); NaN for queries off the grid or where kappa is NaN.
MapIntervals lofi_intervals(const IntervalCalibration& calibration, const std::vector<float>& kappa,
                            const std::vector<double>& width, const FlatGrid& grid,
                            const std::vector<float>& xy_arcmin, double density);

// LoFi at the pixel centres of one simulated map, with its width and what the calibration and the coverage
// benchmark compare: the truth and the footprint (mask > 0).
struct SimulatedMapEstimate {
  std::vector<double> truth, kappa, width, mask, counts;
  double density = 0;
  FlatGrid grid;
};
SimulatedMapEstimate lofi_on_simulated_map(LofiEvaluator& model, const io::TrainingMap& map, long n,
                                           double pixel_arcmin, const AngularSpectrum& prior);

}  // namespace lofimap::pipeline
