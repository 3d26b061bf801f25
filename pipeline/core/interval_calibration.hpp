// Conformal calibration of map intervals (split conformal prediction, Vovk et al. 2005; Angelopoulos & Bates
// 2021): on held-out simulated maps the score of every pixel inside the footprint is |kappa_true - kappa_hat|
// / w, with w a per-pixel reference width the map carries anyway (pipeline/flat/posterior_width.hpp). The
// interval kappa_hat +- q_a w, with q_a the ceil((n + 1) a)-th smallest of the n scores, covers the truth
// with probability >= a for a pixel exchangeable with the calibration pixels. The scores are kept per cell of
// input pixel scale and footprint density (galaxies per arcmin^2), because the estimator's error relative to
// w changes with both; a map between cells gets q interpolated in log density, then in log pixel (clamped at
// the outer cells). What the calibration cannot promise: coverage on skies unlike the calibration set's
// (bench/README.md measures it on held-out sky families).
#pragma once

#include <string>
#include <vector>

namespace lofimap::pipeline {

struct IntervalCell {
  double pixel_arcmin = 0;                // input pixel scale of the cell's maps
  double density = 0;                     // median footprint density of the cell's maps [per arcmin^2]
  double density_lo = 0, density_hi = 0;  // range of its maps' densities
  double q68 = 0, q95 = 0;                // conformal quantiles of the score at 68% and 95%
  long long maps = 0, pixels = 0;
};

struct IntervalCalibration {
  std::string width;        // the reference width the scores divide by (a name and version)
  std::string description;  // the calibration set: files, families, maps, model hash
  std::vector<IntervalCell> cells;

  bool empty() const { return cells.empty(); }
  // q at `level` (kLevel68 or kLevel95) for a map of this pixel scale and density. Throws
  // std::invalid_argument for another level or an empty calibration.
  double quantile(double level, double pixel_arcmin, double density) const;
  std::string to_json() const;
  static IntervalCalibration from_json(const std::string& json);  // std::invalid_argument when malformed
};

inline constexpr double kLevel68 = 0.68;
inline constexpr double kLevel95 = 0.95;

// The half-width, in units of s, of an exact `level` interval mean +- t s when s^2 = (1/N) sum_j (x_j -
// mean)^2 is taken from N Gaussian draws about the known mean (posterior samples): (truth - mean) / s is then
// Student-t with N degrees of freedom. Cornish-Fisher expansion of the t quantile (error < 1e-4 for N >= 8).
// Throws std::invalid_argument for another level or N < 2.
double gaussian_sample_interval_factor(double level, int samples);

// Per pixel, from N draws about a known mean: the std s (N degrees of freedom) and the exact Gaussian
// intervals mean +- t_N s at 68% and 95% (ks --wiener --intervals, the coverage benchmark).
struct SampleIntervals {
  std::vector<double> std, lo68, hi68, lo95, hi95;
};
SampleIntervals sample_intervals(const std::vector<double>& mean,
                                 const std::vector<std::vector<double>>& draws);

// Collects scores map by map and fits the cells.
class IntervalCalibrator {
 public:
  // The scores (|residual| / width) of one map's pixels inside its footprint.
  void add_map(double pixel_arcmin, double density, std::vector<float> scores);
  bool empty() const { return maps_.empty(); }
  // Cells per pixel scale: its maps sorted by density into `density_cells` groups of equal size.
  IntervalCalibration fit(int density_cells, const std::string& width, const std::string& description) const;

 private:
  struct Map {
    double pixel, density;
    std::vector<float> scores;
  };
  std::vector<Map> maps_;
};

// The split-conformal quantile: the ceil((n + 1) level)-th smallest score (the largest when that exceeds n).
// Reorders `scores`.
double conformal_quantile(std::vector<float>& scores, double level);

}  // namespace lofimap::pipeline
