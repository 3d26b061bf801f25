#include "pipeline/simulate/nfw_halo.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "pipeline/flat/flat_geometry.hpp"

namespace lofimap::pipeline {

namespace {
constexpr double kArcminRad = std::numbers::pi / (180.0 * 60.0);
}  // namespace

NfwProfile nfw_profile(const Cosmology& cosmo, const NfwHalo& h, double z_source) {
  if (!(h.m200_msun > 0)) throw std::invalid_argument("--nfw: mass must be > 0");
  if (!(h.concentration > 0)) throw std::invalid_argument("--nfw: concentration must be > 0");
  if (!(h.z_lens > 0 && h.z_lens < z_source))
    throw std::invalid_argument("--nfw: need 0 < z_lens < z_source");
  // Critical density at z_l in Msun/Mpc^3: 3 H(z)^2 / (8 pi G); G = 4.30091e-9 Mpc (km/s)^2 / Msun.
  const double g_newton = 4.30091e-9, c_kms = 299792.458;
  const double hz = 100 * cosmo.parameters().h * cosmo.e_of_z(h.z_lens);
  const double rho_c = 3 * hz * hz / (8 * std::numbers::pi * g_newton);
  const double r200 = std::cbrt(3 * h.m200_msun / (4 * std::numbers::pi * 200 * rho_c));
  const double r_s = r200 / h.concentration;
  const double c = h.concentration;
  const double delta_c = 200.0 / 3.0 * c * c * c / (std::log(1 + c) - c / (1 + c));
  // Angular diameter distances (flat): D = chi / (1+z); D_ls = (chi_s - chi_l) / (1+z_s).
  const double chi_l = cosmo.comoving_distance(h.z_lens), chi_s = cosmo.comoving_distance(z_source);
  const double d_l = chi_l / (1 + h.z_lens), d_s = chi_s / (1 + z_source),
               d_ls = (chi_s - chi_l) / (1 + z_source);
  const double sigma_cr =
      c_kms * c_kms / (4 * std::numbers::pi * g_newton) * d_s / (d_l * d_ls);  // Msun/Mpc^2
  NfwProfile p;
  p.r_s_arcmin = r_s / d_l / kArcminRad;
  p.kappa_s = delta_c * rho_c * r_s / sigma_cr;
  return p;
}

namespace {
// Wright & Brainerd (2000): Sigma(x) = 2 rho_s r_s F(x) / (x^2 - 1), mean inside = 4 rho_s r_s G(x) / x^2.
double nfw_f(double x) {
  if (std::abs(x - 1) < 1e-4) return 1.0 / 3.0;
  if (x < 1) return (1 - 2 / std::sqrt(1 - x * x) * std::atanh(std::sqrt((1 - x) / (1 + x)))) / (x * x - 1);
  return (1 - 2 / std::sqrt(x * x - 1) * std::atan(std::sqrt((x - 1) / (1 + x)))) / (x * x - 1);
}
double nfw_g(double x) {
  if (std::abs(x - 1) < 1e-4) return 1 + std::log(0.5);
  if (x < 1) return 2 / std::sqrt(1 - x * x) * std::atanh(std::sqrt((1 - x) / (1 + x))) + std::log(x / 2);
  return 2 / std::sqrt(x * x - 1) * std::atan(std::sqrt((x - 1) / (1 + x))) + std::log(x / 2);
}
}  // namespace

double NfwProfile::kappa(double r) const {
  const double x = std::max(r / r_s_arcmin, 1e-6);
  return 2 * kappa_s * nfw_f(x);
}

double NfwProfile::mean_kappa(double r) const {
  const double x = std::max(r / r_s_arcmin, 1e-6);
  return 4 * kappa_s * nfw_g(x) / (x * x);
}

void add_nfw(std::vector<double>& kappa, const FlatGrid& g, const NfwProfile& prof, double hra, double hdec) {
  const auto c = gnomonic_project(g.centre, hra, hdec);
  const double cx = c.x_deg * 60, cy = c.y_deg * 60;  // arcmin
  for (long iy = 0; iy < g.ny; ++iy)
    for (long ix = 0; ix < g.nx; ++ix) {
      const double x = g.x_of(ix) * 60 - cx, y = g.y_of(iy) * 60 - cy;
      const double r = std::hypot(x, y);
      double value = 0;
      if (r < 3 * g.pixel_arcmin) {  // steep (cusp) region: average over 16 x 16 sub-pixels
        const int s = 16;
        for (int j = 0; j < s; ++j)
          for (int i = 0; i < s; ++i) {
            const double dx = (i + 0.5) / s - 0.5, dy = (j + 0.5) / s - 0.5;
            value += prof.kappa(std::hypot(x + dx * g.pixel_arcmin, y + dy * g.pixel_arcmin));
          }
        value /= s * s;
      } else {
        value = prof.kappa(r);
      }
      kappa[static_cast<size_t>(iy * g.nx + ix)] += value;
    }
}

}  // namespace lofimap::pipeline
