#include "pipeline/products/lofi_intervals.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "io/error.hpp"
#include "pipeline/flat/posterior_width.hpp"
#include "pipeline/simulate/cosmology.hpp"

namespace lofimap::pipeline {

AngularSpectrum interval_prior(const models::LofiOptions& o) {
  if (!o.wiener_prior_ell.empty()) return {o.wiener_prior_ell, o.wiener_prior_cl};
  SourceDistribution sources;
  sources.z_single = 1.0;
  return convergence_cl_limber(Cosmology(planck2015_tng()), sources, log_ell_grid(5, 2e5, 300));
}

IntervalCalibration model_calibration(const LofiEvaluator& model, const std::string& path) {
  const std::string json = model.calibration_json();
  if (json.empty())
    throw std::invalid_argument(
        "--intervals: " + path +
        " carries no interval calibration; make one with `lofimap calibrate --model " + path +
        " --calibration-set SETS.h5 -o calibrated.pt`");
  IntervalCalibration c;
  try {
    c = IntervalCalibration::from_json(json);
  } catch (const std::invalid_argument& e) {
    throw io::Error(path, "reading the model's interval calibration", e.what());
  }
  if (c.empty()) throw io::Error(path, "reading the model's interval calibration", "it holds no cell");
  if (c.width != kLocalWienerWidth)
    throw std::invalid_argument("--intervals: " + path + " was calibrated for the width '" + c.width +
                                "', this lofimap computes '" + kLocalWienerWidth + "': calibrate it again");
  return c;
}

IntervalQuantiles interval_quantiles(const IntervalCalibration& calibration, double pixel_arcmin,
                                     double density) {
  IntervalQuantiles q;
  q.conformal68 = calibration.quantile(kLevel68, pixel_arcmin, density);
  q.q95 = calibration.quantile(kLevel95, pixel_arcmin, density);
  constexpr double kGaussianRatio = 0.994457883209753 / 1.959963984540054;  // z(0.84) / z(0.975)
  q.q68 = std::max(q.conformal68, q.q95 * kGaussianRatio);
  return q;
}

MapIntervals lofi_intervals(const IntervalCalibration& calibration, const std::vector<float>& kappa,
                            const std::vector<double>& width, const FlatGrid& grid,
                            const std::vector<float>& xy, double density) {
  const size_t nq = xy.size() / 2;
  if (kappa.size() != nq) throw std::invalid_argument("lofi_intervals: one value per query");
  if (width.size() != static_cast<size_t>(grid.nx * grid.ny))
    throw std::invalid_argument("lofi_intervals: the width does not match the grid");
  MapIntervals out;
  out.density = density;
  const IntervalQuantiles q = interval_quantiles(calibration, grid.pixel_arcmin, density);
  out.q68 = q.q68, out.q95 = q.q95;
  constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
  for (auto* v : {&out.std, &out.lo68, &out.hi68, &out.lo95, &out.hi95}) v->assign(nq, kNaN);
  for (size_t q = 0; q < nq; ++q) {
    long ix = 0, iy = 0;
    if (!std::isfinite(kappa[q]) || !grid.pixel_of(xy[2 * q] / 60.0, xy[2 * q + 1] / 60.0, ix, iy)) continue;
    const double w = width[static_cast<size_t>(iy * grid.nx + ix)];
    const double h68 = out.q68 * w, h95 = out.q95 * w;
    out.std[q] = static_cast<float>(h68);
    out.lo68[q] = static_cast<float>(kappa[q] - h68), out.hi68[q] = static_cast<float>(kappa[q] + h68);
    out.lo95[q] = static_cast<float>(kappa[q] - h95), out.hi95[q] = static_cast<float>(kappa[q] + h95);
  }
  return out;
}

SimulatedMapEstimate lofi_on_simulated_map(LofiEvaluator& model, const io::TrainingMap& m, long n,
                                           double pixel, const AngularSpectrum& prior) {
  SimulatedMapEstimate out;
  out.grid = FlatGrid::square(n, pixel);
  const size_t nn = static_cast<size_t>(n * n);
  const std::vector<double> e(m.ks.begin(), m.ks.begin() + static_cast<long>(nn)),
      b(m.ks.begin() + static_cast<long>(nn), m.ks.end()),
      g1(m.shear.begin(), m.shear.begin() + static_cast<long>(nn)),
      g2(m.shear.begin() + static_cast<long>(nn), m.shear.end());
  out.truth.assign(m.kappa.begin(), m.kappa.end());
  out.mask.assign(m.mask.begin(), m.mask.end());
  out.counts.assign(m.counts.begin(), m.counts.end());
  std::vector<float> xy;
  xy.reserve(2 * nn);
  for (long iy = 0; iy < n; ++iy)
    for (long ix = 0; ix < n; ++ix) {
      xy.push_back(static_cast<float>(out.grid.x_arcmin(static_cast<double>(ix))));
      xy.push_back(static_cast<float>(out.grid.y_arcmin(static_cast<double>(iy))));
    }
  const auto k = model.evaluate(out.grid, e, b, g1, g2, out.counts, m.sigma_e, xy);
  out.kappa.assign(k.begin(), k.end());
  out.width = local_wiener_width(out.counts, m.sigma_e, prior, out.grid);
  out.density = footprint_density(out.counts, out.mask, pixel);
  return out;
}

}  // namespace lofimap::pipeline
