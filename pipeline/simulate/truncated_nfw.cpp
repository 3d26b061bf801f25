#include "pipeline/simulate/truncated_nfw.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace lofimap::pipeline {

namespace {
constexpr double kLnYMin = -11.5129, kLnCMin = 0.0, kLnCMax = 3.6889;  // y >= 1e-5; c in [1, 40]
constexpr int kYPoints = 400;
constexpr double kLnQMin = -6.9078, kLnQMax = 7.6009;  // q in [1e-3, 2000]
constexpr int kQPoints = 720;

struct Table {
  // values[ic * n_x + ix] on uniform grids in x (ln y or ln q) and ln c.
  double x_min, dx;
  int n_x, n_c;
  std::vector<double> values;
  double at(double x, double ln_c) const {
    const double u = std::clamp((x - x_min) / dx, 0.0, n_x - 1.0);
    const double v = std::clamp((ln_c - kLnCMin) / ((kLnCMax - kLnCMin) / (n_c - 1)), 0.0, n_c - 1.0);
    const int i = std::min(static_cast<int>(u), n_x - 2), j = std::min(static_cast<int>(v), n_c - 2);
    const double s = u - i, t = v - j;
    const auto at_ij = [&](int a, int b) { return values[static_cast<size_t>(b * n_x + a)]; };
    return (1 - t) * ((1 - s) * at_ij(i, j) + s * at_ij(i + 1, j)) +
           t * ((1 - s) * at_ij(i, j + 1) + s * at_ij(i + 1, j + 1));
  }
};

double c_of(int j, int n_c) {
  return std::exp(kLnCMin + j * (kLnCMax - kLnCMin) / (n_c - 1));
}

const Table& sigma_table() {
  static const Table table = [] {
    // F is smooth in c: 48 concentrations interpolate it to 1e-4.
    const int n_c = 48;
    Table t{kLnYMin, -kLnYMin / (kYPoints - 1), kYPoints, n_c, std::vector<double>(kYPoints * n_c)};
    for (int j = 0; j < n_c; ++j)
      for (int i = 0; i < kYPoints; ++i)
        t.values[static_cast<size_t>(j * kYPoints + i)] =
            truncated_nfw_sigma_exact(std::exp(kLnYMin + i * t.dx), c_of(j, n_c));
    return t;
  }();
  return table;
}

const Table& fourier_table() {
  static const Table table = [] {
    // Linear interpolation in ln q misses part of the oscillation at large q: measured within 0.1% of the
    // quadrature up to q = 20 and within 3% up to q = 1000, where U is below 1e-3 of U(0) (its power 1e-6).
    const int n_c = 64;
    Table t{kLnQMin, (kLnQMax - kLnQMin) / (kQPoints - 1), kQPoints, n_c,
            std::vector<double>(kQPoints * n_c)};
    for (int j = 0; j < n_c; ++j) {
      const double c = c_of(j, n_c);
      for (int i = 0; i < kQPoints; ++i)
        t.values[static_cast<size_t>(j * kQPoints + i)] =
            truncated_nfw_fourier_exact(std::exp(kLnQMin + i * t.dx), c);
    }
    return t;
  }();
  return table;
}
}  // namespace

double truncated_nfw_sigma_exact(double y, double c) {
  if (!(y < 1)) return 0;
  const double eta_max = std::acosh(1 / y);
  // Simpson's rule; the integrand is smooth and falls monotonically from 1 / (1 + c y)^2.
  const int n = 512;
  const double h = eta_max / n;
  double s = 0;
  for (int k = 0; k <= n; ++k) {
    const double d = 1 + c * y * std::cosh(k * h);
    const double w = (k == 0 || k == n) ? 1 : (k % 2 ? 4 : 2);
    s += w / (d * d);
  }
  return s * h / 3;
}

double truncated_nfw_fourier_exact(double q, double c) {
  // Projection-slice: the 2-D transform of Sigma equals the 1-D cosine transform of its projection onto a
  // line, and projecting the truncated 3-D profile onto a line at offset a gives
  // 2 pi int_a^r_t rho(r) r dr = 2 pi rho_s r_s^2 (1 / (1 + a / r_s) - 1 / (1 + c)). In units of r_t:
  // U(q, c) = (1 / c) int_0^1 (1 / (1 + c t) - 1 / (1 + c)) cos(q t) dt: a smooth integrand (Simpson's rule
  // with at least 16 points per period of the cosine).
  const int n = 2 * std::max(128, static_cast<int>(8 * q / std::numbers::pi) + 1);
  const double h = 1.0 / n;
  double s = 0;
  for (int k = 0; k <= n; ++k) {
    const double t = k * h;
    const double w = (k == 0 || k == n) ? 1 : (k % 2 ? 4 : 2);
    s += w * (1 / (1 + c * t) - 1 / (1 + c)) * std::cos(q * t);
  }
  return s * h / (3 * c);
}

double truncated_nfw_sigma(double y, double c) {
  if (!(y < 1)) return 0;
  return sigma_table().at(std::log(std::max(y, 1e-5)), std::log(c));
}

double truncated_nfw_fourier(double q, double c) {
  if (q > std::exp(kLnQMax)) return 0;
  return fourier_table().at(std::log(std::max(q, std::exp(kLnQMin))), std::log(c));
}

}  // namespace lofimap::pipeline
