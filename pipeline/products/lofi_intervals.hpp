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

// The half-widths in units of the width for a map of this pixel and density: q95 is the calibration's; q68 is
// the larger of its own and q95 z68 / z95 (a Gaussian's ratio). The 68% conformal quantile depends on the
// shape of the bulk of the residuals, which differs between sky families (Gaussian skies need a q68 1.5x that
// of lognormal ones); the 95% quantile does not (it held within 2.1 points of nominal on every held-out family,
// bench/README.md), and a Gaussian's ratio from it keeps the 68% interval from under-covering a family the
// calibration did not hold, at the price of over-covering heavy-tailed ones.
struct IntervalQuantiles {
  double q68 = 0, q95 = 0;
  double conformal68 = 0;  // the calibration's own 68% quantile
};
IntervalQuantiles interval_quantiles(const IntervalCalibration& calibration, double pixel_arcmin,
                                     double density);

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
