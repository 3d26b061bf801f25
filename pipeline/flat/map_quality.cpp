#include "pipeline/flat/map_quality.hpp"

#include "pipeline/flat/flat_power_spectrum.hpp"

#include <cmath>
#include <stdexcept>

#include "pipeline/core/map_statistics.hpp"

namespace lofimap::pipeline {

MapQuality evaluate_map(const std::vector<double>& recon, const std::vector<double>& truth,
                        const std::vector<double>& mask, const FlatGrid& grid, int bins,
                        const std::vector<double>& kappa_b) {
  if (recon.size() != truth.size())
    throw std::invalid_argument("evaluate: reconstruction and truth differ in size");
  MapQuality q;
  double n = 0, mr = 0, mt = 0;
  auto use = [&](size_t i) { return mask.empty() || mask[i] != 0; };
  for (size_t i = 0; i < recon.size(); ++i)
    if (use(i)) mr += recon[i], mt += truth[i], n += 1;
  if (n == 0) throw std::invalid_argument("evaluate: empty mask");
  mr /= n, mt /= n;
  double s = 0;
  for (size_t i = 0; i < recon.size(); ++i)
    if (use(i)) s += std::pow((recon[i] - mr) - (truth[i] - mt), 2);
  q.rmse = std::sqrt(s / n);
  q.pearson = pearson(recon, truth, mask);
  // Power ratio over the full grid (the estimator needs the whole periodic map).
  const AngularSpectrum flat{{grid.ell_min(), grid.ell_max()}, {1.0, 1.0}};
  const auto pr = measure_flat_power(recon, grid, bins, flat),
             pt = measure_flat_power(truth, grid, bins, flat);
  for (int b = 0; b < bins; ++b)
    if (pt.modes[static_cast<size_t>(b)] > 0 && pt.power[static_cast<size_t>(b)] > 0) {
      q.ell.push_back(pt.ell[static_cast<size_t>(b)]);
      q.power_ratio.push_back(pr.power[static_cast<size_t>(b)] / pt.power[static_cast<size_t>(b)]);
    }
  if (!kappa_b.empty()) q.b_level = rms(kappa_b, mask) / rms(recon, mask);
  return q;
}

}  // namespace lofimap::pipeline
