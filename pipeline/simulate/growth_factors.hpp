// First- and second-order linear growth of flat LCDM as functions of the scale factor, by integrating the
// growth equations (not a fitting formula), and the FastPM kick and drift factors built on them (Feng et al.
// 2016): with them a particle-mesh run reproduces the linear growth of the large-scale modes exactly,
// whatever the number of steps. Normalised so that D1(a = 1) = 1 and D2 = -3/7 D1^2 in matter domination.
// Time variable and units of the particle mesh: x comoving [Mpc], p = a^2 (dx/dt) / H0 [Mpc], so that
//   dx/da = p / (a^3 E(a)),   dp/da = (3/2) Omega_m f / (a^2 E(a)),   f = -grad Phi, laplacian Phi = delta.
#pragma once

#include <vector>

namespace lofimap::pipeline {

class GrowthFactors {
 public:
  explicit GrowthFactors(double omega_m);  // flat: Omega_Lambda = 1 - Omega_m (radiation neglected)

  double e_of_a(double a) const;  // H(a) / H0
  double d1(double a) const;
  double d2(double a) const;
  double d1_prime(double a) const;  // dD1/da
  double d2_prime(double a) const;
  // Momentum of a unit first-order displacement: p = G1(a) psi with G1 = a^3 E dD1/da (and G2 likewise).
  double g1(double a) const { return a * a * a * e_of_a(a) * d1_prime(a); }
  double g2(double a) const { return a * a * a * e_of_a(a) * d2_prime(a); }
  // FastPM factors. Kick: delta p = f(a_force) * kick(a0, a1, a_force); the force of a first-order
  // displacement psi is D1(a) psi, so p follows G1 exactly. Drift: delta x = p(a_momentum) * drift(a0, a1,
  // a_momentum), exact for a momentum G1 psi.
  double kick(double a0, double a1, double a_force) const;
  double drift(double a0, double a1, double a_momentum) const;

 private:
  double interp(const std::vector<double>& y, double a) const;
  double omega_m_;
  double ln_a0_ = 0, d_ln_a_ = 0;
  std::vector<double> d1_, d2_, d1p_, d2p_;  // on a uniform grid of ln a
};

}  // namespace lofimap::pipeline
