// The Kaiser-Squires baseline of the quality protocol (maps judged against a truth): Gaussian smoothing whose
// sigma is chosen on training maps, never on the maps it is judged on. Every candidate sigma smooths the
// stored KS E map of the first `maps` maps of a training set; the sigma with the lowest mean RMSE against the
// truth (inside the mask) wins. `lofimap ks-smoothing` prints the table; `lofimap ks --smooth` takes the
// result.
#pragma once

#include <string>
#include <vector>

namespace lofimap::pipeline {

struct KsSmoothingRequest {
  std::string training_set;
  long maps = 20;
  std::vector<double> sigmas_arcmin;  // empty: 0.5 to 8 training pixels in steps of a quarter pixel
  double pad = 2;                     // KS zero padding, as `lofimap ks`
};

struct KsSmoothingChoice {
  double pixel_arcmin = 0;
  long maps = 0;
  std::vector<double> sigmas_arcmin, mean_rmse, mean_pearson;
  double best_sigma_arcmin = 0;
  bool best_at_edge = false;  // the minimum lies at the first or last candidate: widen the range
  std::string table() const;
  std::string json() const;
};

// Throws io::Error for an unreadable set, std::invalid_argument for bad options (naming the option).
KsSmoothingChoice choose_ks_smoothing(const KsSmoothingRequest& request);

}  // namespace lofimap::pipeline
