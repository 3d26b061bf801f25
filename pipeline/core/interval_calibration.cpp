#include "pipeline/core/interval_calibration.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace lofimap::pipeline {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(IntervalCell, pixel_arcmin, density, density_lo, density_hi, q68, q95,
                                   maps, pixels)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(IntervalCalibration, width, description, cells)

namespace {
// Linear interpolation of y over x (sorted), clamped at both ends.
double interpolate(const std::vector<double>& x, const std::vector<double>& y, double at) {
  if (at <= x.front()) return y.front();
  if (at >= x.back()) return y.back();
  const size_t i = static_cast<size_t>(std::upper_bound(x.begin(), x.end(), at) - x.begin());
  const double t = (at - x[i - 1]) / (x[i] - x[i - 1]);
  return y[i - 1] + t * (y[i] - y[i - 1]);
}
}  // namespace

double IntervalCalibration::quantile(double level, double pixel_arcmin, double density) const {
  if (cells.empty()) throw std::invalid_argument("interval calibration: no cells");
  const bool is68 = std::abs(level - kLevel68) < 1e-9, is95 = std::abs(level - kLevel95) < 1e-9;
  if (!is68 && !is95) throw std::invalid_argument("interval calibration: only the 68% and 95% levels");
  // Per pixel scale: q against log density; then across scales against log pixel.
  std::map<double, std::vector<const IntervalCell*>> by_pixel;
  for (const auto& c : cells) by_pixel[c.pixel_arcmin].push_back(&c);
  const double log_density = std::log(std::max(density, 1e-6));
  std::vector<double> log_pixels, qs;
  for (auto& [pixel, list] : by_pixel) {
    std::sort(list.begin(), list.end(), [](auto* a, auto* b) { return a->density < b->density; });
    std::vector<double> x, y;
    for (const auto* c : list) x.push_back(std::log(c->density)), y.push_back(is68 ? c->q68 : c->q95);
    log_pixels.push_back(std::log(pixel));
    qs.push_back(interpolate(x, y, log_density));
  }
  return interpolate(log_pixels, qs, std::log(pixel_arcmin));
}

std::string IntervalCalibration::to_json() const {
  return nlohmann::json(*this).dump();
}

IntervalCalibration IntervalCalibration::from_json(const std::string& text) {
  IntervalCalibration c;
  try {
    nlohmann::json::parse(text).get_to(c);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("interval calibration: ") + e.what());
  }
  for (const auto& cell : c.cells)
    if (!(cell.pixel_arcmin > 0) || !(cell.density > 0) || !(cell.q68 > 0) || !(cell.q95 >= cell.q68) ||
        !std::isfinite(cell.q95))
      throw std::invalid_argument(
          "interval calibration: a cell with a non-positive pixel, density or quantile");
  return c;
}

double conformal_quantile(std::vector<float>& scores, double level) {
  if (scores.empty()) throw std::invalid_argument("conformal_quantile: no scores");
  const double n = static_cast<double>(scores.size());
  const size_t rank = static_cast<size_t>(std::min(n, std::ceil((n + 1) * level)));  // 1-based
  std::nth_element(scores.begin(), scores.begin() + static_cast<long>(rank - 1), scores.end());
  return scores[rank - 1];
}

double gaussian_sample_interval_factor(double level, int samples) {
  if (samples < 2) throw std::invalid_argument("an interval from samples needs at least two");
  double z = 0;  // the standard normal quantile at (1 + level) / 2
  if (std::abs(level - kLevel68) < 1e-12)
    z = 0.994457883209753;
  else if (std::abs(level - kLevel95) < 1e-12)
    z = 1.959963984540054;
  else
    throw std::invalid_argument("intervals: only the 68% and 95% levels");
  const double v = samples, z2 = z * z;
  return z + z * (z2 + 1) / (4 * v) + z * ((5 * z2 + 16) * z2 + 3) / (96 * v * v) +
         z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / (384 * v * v * v);
}

SampleIntervals sample_intervals(const std::vector<double>& mean,
                                 const std::vector<std::vector<double>>& draws) {
  const int n = static_cast<int>(draws.size());
  const double t68 = gaussian_sample_interval_factor(kLevel68, n),
               t95 = gaussian_sample_interval_factor(kLevel95, n);
  const size_t nn = mean.size();
  SampleIntervals out;
  out.std.assign(nn, 0.0);
  for (const auto& draw : draws) {
    if (draw.size() != nn) throw std::invalid_argument("sample_intervals: a draw does not match the mean");
    for (size_t i = 0; i < nn; ++i) out.std[i] += (draw[i] - mean[i]) * (draw[i] - mean[i]);
  }
  for (auto* v : {&out.lo68, &out.hi68, &out.lo95, &out.hi95}) v->resize(nn);
  for (size_t i = 0; i < nn; ++i) {
    const double s = std::sqrt(out.std[i] / n);
    out.std[i] = s;
    out.lo68[i] = mean[i] - t68 * s, out.hi68[i] = mean[i] + t68 * s;
    out.lo95[i] = mean[i] - t95 * s, out.hi95[i] = mean[i] + t95 * s;
  }
  return out;
}

void IntervalCalibrator::add_map(double pixel_arcmin, double density, std::vector<float> scores) {
  if (!(pixel_arcmin > 0) || !(density > 0))
    throw std::invalid_argument("calibration map: pixel and density > 0");
  if (!scores.empty()) maps_.push_back({pixel_arcmin, density, std::move(scores)});
}

IntervalCalibration IntervalCalibrator::fit(int density_cells, const std::string& width,
                                            const std::string& description) const {
  if (density_cells < 1) throw std::invalid_argument("calibration: at least one density cell");
  std::map<double, std::vector<const Map*>> by_pixel;
  for (const auto& m : maps_) by_pixel[m.pixel].push_back(&m);
  IntervalCalibration out;
  out.width = width, out.description = description;
  for (auto& [pixel, list] : by_pixel) {
    std::sort(list.begin(), list.end(), [](auto* a, auto* b) { return a->density < b->density; });
    const size_t groups = std::min<size_t>(static_cast<size_t>(density_cells), list.size());
    for (size_t g = 0; g < groups; ++g) {
      const size_t begin = g * list.size() / groups, end = (g + 1) * list.size() / groups;
      IntervalCell cell;
      cell.pixel_arcmin = pixel;
      cell.density = list[(begin + end) / 2]->density;
      cell.density_lo = list[begin]->density, cell.density_hi = list[end - 1]->density;
      std::vector<float> scores;
      for (size_t i = begin; i < end; ++i)
        scores.insert(scores.end(), list[i]->scores.begin(), list[i]->scores.end());
      cell.maps = static_cast<long long>(end - begin);
      cell.pixels = static_cast<long long>(scores.size());
      cell.q68 = conformal_quantile(scores, kLevel68);
      cell.q95 = conformal_quantile(scores, kLevel95);
      out.cells.push_back(cell);
    }
  }
  return out;
}

}  // namespace lofimap::pipeline
