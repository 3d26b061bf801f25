#include "pipeline/simulate/growth_factors.hpp"

#include <array>
#include <cmath>
#include <stdexcept>

namespace lofimap::pipeline {

namespace {
constexpr double kAMin = 1e-3;
constexpr int kPoints = 4001;  // ln a from ln 1e-3 to ln 1.5: linear interpolation good to ~1e-7
constexpr double kAMax = 1.5;
constexpr int kSubsteps = 8;  // RK4 steps between table points
}  // namespace

GrowthFactors::GrowthFactors(double omega_m) : omega_m_(omega_m) {
  if (!(omega_m > 0 && omega_m <= 1)) throw std::invalid_argument("--omega-m: must lie in (0, 1]");
  ln_a0_ = std::log(kAMin);
  d_ln_a_ = (std::log(kAMax) - ln_a0_) / (kPoints - 1);
  // State y = (D1, D1', D2, D2') in a; growth equations
  //   D'' + (3/a + E'/E) D' = (3/2) Omega_m / (a^5 E^2) D          (first order)
  //   D2'' + (3/a + E'/E) D2' = (3/2) Omega_m / (a^5 E^2) (D2 - D1^2)  (second order)
  // started in matter domination at D1 = a, D2 = -3/7 a^2 (the growing modes there).
  using State = std::array<double, 4>;
  auto rhs = [&](double a, const State& y) {
    const double e = e_of_a(a), de_over_e = -1.5 * omega_m_ / (a * a * a * a * e * e);
    const double damp = 3 / a + de_over_e, src = 1.5 * omega_m_ / (a * a * a * a * a * e * e);
    return State{y[1], -damp * y[1] + src * y[0], y[3], -damp * y[3] + src * (y[2] - y[0] * y[0])};
  };
  State y{kAMin, 1, -3.0 / 7 * kAMin * kAMin, -6.0 / 7 * kAMin};
  std::vector<State> table(kPoints);
  table[0] = y;
  double ln_a = ln_a0_;
  for (int i = 1; i < kPoints; ++i) {
    for (int s = 0; s < kSubsteps; ++s) {
      const double a = std::exp(ln_a), a_next = std::exp(ln_a + d_ln_a_ / kSubsteps), h = a_next - a;
      auto add = [](const State& u, const State& v, double c) {
        State w;
        for (int j = 0; j < 4; ++j) w[j] = u[j] + c * v[j];
        return w;
      };
      const State k1 = rhs(a, y), k2 = rhs(a + h / 2, add(y, k1, h / 2)),
                  k3 = rhs(a + h / 2, add(y, k2, h / 2)), k4 = rhs(a_next, add(y, k3, h));
      for (int j = 0; j < 4; ++j) y[j] += h / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
      ln_a += d_ln_a_ / kSubsteps;
    }
    table[i] = y;
  }
  // Normalise D1(1) = 1 (and D2 by D1(1)^2, keeping D2 = -3/7 D1^2 early).
  d1_.resize(kPoints), d2_.resize(kPoints), d1p_.resize(kPoints), d2p_.resize(kPoints);
  for (int i = 0; i < kPoints; ++i) {
    d1_[i] = table[i][0], d1p_[i] = table[i][1], d2_[i] = table[i][2], d2p_[i] = table[i][3];
  }
  const double n1 = interp(d1_, 1.0);
  for (int i = 0; i < kPoints; ++i) d1_[i] /= n1, d1p_[i] /= n1, d2_[i] /= n1 * n1, d2p_[i] /= n1 * n1;
}

double GrowthFactors::e_of_a(double a) const {
  return std::sqrt(omega_m_ / (a * a * a) + 1 - omega_m_);
}

double GrowthFactors::interp(const std::vector<double>& y, double a) const {
  if (!(a >= kAMin && a <= kAMax))
    throw std::out_of_range("growth factors: scale factor outside [1e-3, 1.5]");
  const double u = (std::log(a) - ln_a0_) / d_ln_a_;
  const int i = std::min(static_cast<int>(u), kPoints - 2);
  const double t = u - i;
  return (1 - t) * y[static_cast<size_t>(i)] + t * y[static_cast<size_t>(i) + 1];
}

double GrowthFactors::d1(double a) const {
  return interp(d1_, a);
}
double GrowthFactors::d2(double a) const {
  return interp(d2_, a);
}
double GrowthFactors::d1_prime(double a) const {
  return interp(d1p_, a);
}
double GrowthFactors::d2_prime(double a) const {
  return interp(d2p_, a);
}

double GrowthFactors::kick(double a0, double a1, double a_force) const {
  return (g1(a1) - g1(a0)) / d1(a_force);
}
double GrowthFactors::drift(double a0, double a1, double a_momentum) const {
  return (d1(a1) - d1(a0)) / g1(a_momentum);
}

}  // namespace lofimap::pipeline
