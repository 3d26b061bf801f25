#include "pipeline/core/map_statistics.hpp"

#include <cmath>
#include <stdexcept>

namespace lofimap::pipeline {

namespace {
bool use(const std::vector<double>& mask, size_t i) {
  return mask.empty() || mask[i] != 0;
}

double mean(const std::vector<double>& a, const std::vector<double>& mask, double& n) {
  double s = 0;
  n = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (use(mask, i)) s += a[i], n += 1;
  if (n == 0) throw std::invalid_argument("statistics over an empty mask");
  return s / n;
}
}  // namespace

double pearson(const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>& mask) {
  if (a.size() != b.size()) throw std::invalid_argument("pearson: maps differ in size");
  double n = 0;
  const double ma = mean(a, mask, n), mb = mean(b, mask, n);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (use(mask, i)) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) * (a[i] - ma);
      sbb += (b[i] - mb) * (b[i] - mb);
    }
  return sab / std::sqrt(saa * sbb);
}

double rms(const std::vector<double>& a, const std::vector<double>& mask) {
  double n = 0;
  const double m = mean(a, mask, n);
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (use(mask, i)) s += (a[i] - m) * (a[i] - m);
  return std::sqrt(s / n);
}

double skewness(const std::vector<double>& a, const std::vector<double>& mask) {
  double n = 0;
  const double m = mean(a, mask, n);
  double s2 = 0, s3 = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (use(mask, i)) {
      const double d = a[i] - m;
      s2 += d * d;
      s3 += d * d * d;
    }
  s2 /= n;
  s3 /= n;
  return s3 / std::pow(s2, 1.5);
}

}  // namespace lofimap::pipeline
