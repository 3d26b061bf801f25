#include "pipeline/simulate/halo_mass_function.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace lofimap::pipeline {

namespace {
// Critical density today per h^2: 3 (100 km/s/Mpc)^2 / (8 pi G) with G = 4.30091e-9 Mpc (km/s)^2 / Msun.
constexpr double kRhoCritPerH2 = 3.0 * 100.0 * 100.0 / (8.0 * std::numbers::pi * 4.30091e-9);
// sigma(M) is tabulated from 1e8 to 1e17 Msun: far beyond the masses any map draws.
constexpr double kLnMTableMin = 18.42, kLnMTableMax = 39.14;
constexpr int kMassPoints = 200;
}  // namespace

HaloMassFunction::HaloMassFunction(const Cosmology& cosmo) : cosmo_(cosmo) {
  const auto& p = cosmo.parameters();
  rho_m0_ = p.omega_m * kRhoCritPerH2 * p.h * p.h;
  ln_m_min_ = kLnMTableMin;
  d_ln_m_ = (kLnMTableMax - kLnMTableMin) / (kMassPoints - 1);
  ln_sigma0_.resize(kMassPoints);
  for (int i = 0; i < kMassPoints; ++i) {
    const double m = std::exp(ln_m_min_ + i * d_ln_m_);
    const double r = std::cbrt(3 * m / (4 * std::numbers::pi * rho_m0_));  // Lagrangian radius, comoving
    ln_sigma0_[static_cast<size_t>(i)] = std::log(cosmo.sigma_r(r, 0.0));
  }
}

double HaloMassFunction::sigma_of_mass(double m, double z) const {
  const double u = (std::log(m) - ln_m_min_) / d_ln_m_;
  if (!(u >= 0 && u <= kMassPoints - 1))
    throw std::invalid_argument("halo mass " + std::to_string(m) + " Msun outside 1e8 .. 1e17");
  const auto i = std::min(static_cast<size_t>(u), static_cast<size_t>(kMassPoints - 2));
  const double t = u - static_cast<double>(i);
  const double ln_s = (1 - t) * ln_sigma0_[i] + t * ln_sigma0_[i + 1];
  return std::exp(ln_s) * cosmo_.growth(z) / cosmo_.growth(0.0);
}

double HaloMassFunction::tinker_f(double sigma, double z) {
  // Tinker et al. (2008), Table 2 at Delta = 200 and eqs. (5)-(8): A = 0.186 (1+z)^-0.14,
  // a = 1.47 (1+z)^-0.06, b = 2.57 (1+z)^-alpha with log10 alpha = -(0.75 / log10(200/75))^1.2, c = 1.19.
  const double alpha = std::pow(10.0, -std::pow(0.75 / std::log10(200.0 / 75.0), 1.2));
  const double a_amp = 0.186 * std::pow(1 + z, -0.14);
  const double a = 1.47 * std::pow(1 + z, -0.06);
  const double b = 2.57 * std::pow(1 + z, -alpha);
  const double c = 1.19;
  return a_amp * (std::pow(sigma / b, -a) + 1) * std::exp(-c / (sigma * sigma));
}

double HaloMassFunction::dn_dlnm(double m, double z) const {
  // dn/dlnM = f(sigma) (rho_m / M) dln(1/sigma)/dlnM; the derivative by central differences in ln M (the
  // growth factor cancels in it).
  const double h = 0.01;
  const double dln_inv_sigma =
      -(std::log(sigma_of_mass(m * std::exp(h), z)) - std::log(sigma_of_mass(m * std::exp(-h), z))) / (2 * h);
  return tinker_f(sigma_of_mass(m, z), z) * rho_m0_ / m * dln_inv_sigma;
}

double HaloMassFunction::r200m(double m, double z) const {
  const double rho_m = rho_m0_ * (1 + z) * (1 + z) * (1 + z);  // physical mean density at z
  return std::cbrt(3 * m / (4 * std::numbers::pi * 200 * rho_m));
}

double HaloMassFunction::concentration(double m, double z) const {
  // Duffy et al. (2008), Table 1, Delta = 200 mean, full sample: c = 10.14 (M / M_pivot)^-0.081 (1+z)^-1.01
  // with M_pivot = 2e12 Msun/h.
  const double m_pivot = 2e12 / cosmo_.parameters().h;
  return 10.14 * std::pow(m / m_pivot, -0.081) * std::pow(1 + z, -1.01);
}

}  // namespace lofimap::pipeline
