#include "pipeline/core/angular_spectrum.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "io/text_table.hpp"

namespace lofimap::pipeline {

double AngularSpectrum::at(double l) const {
  if (l <= 0 || ell.empty() || l < ell.front() * (1 - 1e-12) || l > ell.back() * (1 + 1e-12)) return 0;
  if (l <= ell.front()) return cl.front();
  const auto it = std::upper_bound(ell.begin(), ell.end(), l);
  const size_t i = std::min(static_cast<size_t>(it - ell.begin()), ell.size() - 1);
  const double t = std::log(l / ell[i - 1]) / std::log(ell[i] / ell[i - 1]);
  if (cl[i - 1] > 0 && cl[i] > 0) return std::exp((1 - t) * std::log(cl[i - 1]) + t * std::log(cl[i]));
  return (1 - t) * cl[i - 1] + t * cl[i];
}

std::vector<double> log_ell_grid(double lmin, double lmax, int points) {
  std::vector<double> out(static_cast<size_t>(points));
  for (int i = 0; i < points; ++i)
    out[static_cast<size_t>(i)] = lmin * std::pow(lmax / lmin, static_cast<double>(i) / (points - 1));
  return out;
}

AngularSpectrum read_cl_table(const std::string& path) {
  const auto cols = io::read_text_columns(path, 2);
  AngularSpectrum s;
  s.ell = cols[0];
  s.cl = cols[1];
  for (size_t i = 1; i < s.ell.size(); ++i)
    if (!(s.ell[i] > s.ell[i - 1])) throw std::invalid_argument("--cl-file: ell must increase in " + path);
  for (double v : s.cl)
    if (!(v >= 0)) throw std::invalid_argument("--cl-file: C_ell must be >= 0 in " + path);
  return s;
}

}  // namespace lofimap::pipeline
