#include "pipeline/simulate/cosmology.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include "io/text_table.hpp"

namespace lofimap::pipeline {

namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kPivot = 0.05;  // 1/Mpc, A_s pivot scale

// Uniform grid of ln k for the sigma integrals.
constexpr double kLnKMin = -11.5, kLnKMax = 9.2;  // 1e-5 .. 1e4 per Mpc
constexpr int kLnKPoints = 4000;

double interp(const std::vector<double>& x, const std::vector<double>& y, double v) {
  if (v <= x.front()) return y.front();
  if (v >= x.back()) return y.back();
  const auto it = std::upper_bound(x.begin(), x.end(), v);
  const size_t i = static_cast<size_t>(it - x.begin());
  const double t = (v - x[i - 1]) / (x[i] - x[i - 1]);
  return y[i - 1] + t * (y[i] - y[i - 1]);
}

double top_hat(double x) {
  if (x < 1e-3) return 1 - x * x / 10;
  return 3 * (std::sin(x) - x * std::cos(x)) / (x * x * x);
}

}  // namespace

std::string CosmologyParameters::describe() const {
  std::ostringstream s;
  s << "Omega_m " << omega_m << ", Omega_b " << omega_b << ", h " << h << ", n_s " << n_s;
  if (sigma8) s << ", sigma8 " << *sigma8;
  if (a_s) s << ", A_s " << *a_s;
  return s.str();
}

CosmologyParameters planck2015_tng() {
  CosmologyParameters p;
  p.omega_m = 0.3089, p.omega_b = 0.0486, p.h = 0.6774, p.n_s = 0.9667, p.sigma8 = 0.8159;
  return p;
}

CosmologyParameters massivenus_fiducial() {
  CosmologyParameters p;
  p.omega_m = 0.3, p.omega_b = 0.046, p.h = 0.7, p.n_s = 0.97, p.a_s = 2.1e-9;
  return p;
}

Cosmology::Cosmology(const CosmologyParameters& p) : p_(p) {
  if (!(p.omega_m > 0 && p.omega_m <= 1)) throw std::invalid_argument("--omega-m: must lie in (0, 1]");
  if (!(p.omega_b >= 0 && p.omega_b < p.omega_m))
    throw std::invalid_argument("--omega-b: must lie in [0, Omega_m)");
  if (!(p.h > 0.2 && p.h < 2)) throw std::invalid_argument("--h: must lie in (0.2, 2)");
  if (!(p.n_s > 0.5 && p.n_s < 1.5)) throw std::invalid_argument("--n-s: must lie in (0.5, 1.5)");
  if (p.sigma8.has_value() == p.a_s.has_value())
    throw std::invalid_argument("--sigma8/--A-s: give exactly one normalisation");
  if (p.sigma8 && !(*p.sigma8 > 0)) throw std::invalid_argument("--sigma8: must be > 0");
  if (p.a_s && !(*p.a_s > 0)) throw std::invalid_argument("--A-s: must be > 0");

  // chi(z) and D(z) tables, z in [0, 10].
  const int nz = 4001;
  const double dz = 10.0 / (nz - 1);
  z_grid_.resize(nz);
  chi_grid_.resize(nz);
  growth_grid_.resize(nz);
  double chi = 0;
  for (int i = 0; i < nz; ++i) {
    const double z = i * dz;
    if (i > 0) chi += 0.5 * dz * (1 / e_of_z(z - dz) + 1 / e_of_z(z));  // trapezoid
    z_grid_[i] = z;
    chi_grid_[i] = chi * hubble_distance();
  }
  // D(a) = (5/2) Omega_m E(a) int_0^a da' / (a' E(a'))^3, Simpson in a with the integrand ~ a'^(3/2) at 0.
  auto growth_exact = [&](double a) {
    const int n = 2000;
    const double h = a / n;
    double s = 0;
    for (int j = 0; j <= n; ++j) {
      const double x = j * h;
      const double f = x == 0 ? 0 : 1.0 / std::pow(x * e_of_z(1 / x - 1), 3);
      s += f * (j == 0 || j == n ? 1 : (j % 2 ? 4 : 2));
    }
    return 2.5 * p_.omega_m * e_of_z(1 / a - 1) * s * h / 3;
  };
  for (int i = 0; i < nz; i += 1) {
    // Exact on a coarse set of points, linear interpolation in between (D is smooth).
    if (i % 40 == 0 || i == nz - 1) growth_grid_[i] = growth_exact(1 / (1 + z_grid_[i]));
  }
  for (int i = 0; i < nz; ++i) {
    if (i % 40 == 0 || i == nz - 1) continue;
    const int lo = (i / 40) * 40, hi = std::min(lo + 40, nz - 1);
    const double t = static_cast<double>(i - lo) / (hi - lo);
    growth_grid_[i] = (1 - t) * growth_grid_[lo] + t * growth_grid_[hi];
  }
  d0_ = growth_grid_[0];

  if (p.a_s) {
    amplitude_ = amplitude_wiggles_ = *p.a_s;
  } else {
    amplitude_ = 1;
    const double s = sigma8();
    amplitude_ = std::pow(*p.sigma8 / s, 2);
    // sigma8 of the form with wiggles, by the same quadrature.
    const double dlnk = (kLnKMax - kLnKMin) / (kLnKPoints - 1), r8 = 8.0 / p_.h;
    double s2 = 0;
    for (int i = 0; i < kLnKPoints; ++i) {
      const double k = std::exp(kLnKMin + i * dlnk), w = top_hat(k * r8);
      s2 += delta2_primordial_shape_wiggles(k) * w * w * (i == 0 || i == kLnKPoints - 1 ? 0.5 : 1.0);
    }
    amplitude_wiggles_ = *p.sigma8 * *p.sigma8 / (s2 * dlnk);
  }
}

double Cosmology::e_of_z(double z) const {
  const double a3 = std::pow(1 + z, 3);
  return std::sqrt(p_.omega_m * a3 + (1 - p_.omega_m));
}

double Cosmology::comoving_distance(double z) const {
  return interp(z_grid_, chi_grid_, z);
}
double Cosmology::redshift_at_distance(double chi) const {
  return interp(chi_grid_, z_grid_, chi);
}
double Cosmology::growth(double z) const {
  return interp(z_grid_, growth_grid_, z);
}

double Cosmology::omega_m_at(double z) const {
  const double e = e_of_z(z);
  return p_.omega_m * std::pow(1 + z, 3) / (e * e);
}

double Cosmology::transfer(double k) const {
  // Eisenstein & Hu (1998), eqs. 26, 28-31 (no baryon wiggles).
  const double h = p_.h, om = p_.omega_m * h * h, ob = p_.omega_b * h * h, fb = p_.omega_b / p_.omega_m;
  const double theta = p_.t_cmb / 2.7;
  const double s = 44.5 * std::log(9.83 / om) / std::sqrt(1 + 10 * std::pow(ob, 0.75));
  const double alpha = 1 - 0.328 * std::log(431 * om) * fb + 0.38 * std::log(22.3 * om) * fb * fb;
  const double gamma_eff = p_.omega_m * h * (alpha + (1 - alpha) / (1 + std::pow(0.43 * k * s, 4)));
  const double q = k * theta * theta / (h * gamma_eff);  // EH eq. 28: q = (k / h Mpc^-1) Theta^2 / Gamma_eff
  const double l0 = std::log(2 * std::numbers::e + 1.8 * q);
  const double c0 = 14.2 + 731 / (1 + 62.5 * q);
  return l0 / (l0 + c0 * q * q);
}

double Cosmology::transfer_wiggles(double k) const {
  // Eisenstein & Hu (1998), eqs. 2-24: cold dark matter and baryon pieces, with the acoustic oscillations of
  // the baryons (sound horizon s, Silk damping, the node shift of eq. 22).
  const double h = p_.h, om = p_.omega_m * h * h, ob = p_.omega_b * h * h;
  const double fb = p_.omega_b / p_.omega_m, fc = 1 - fb;
  const double theta = p_.t_cmb / 2.7, t2 = theta * theta, t4 = t2 * t2;
  const double z_eq = 2.50e4 * om / t4, k_eq = 7.46e-2 * om / t2;  // eqs. 2, 3 (k in 1/Mpc)
  const double b1 = 0.313 * std::pow(om, -0.419) * (1 + 0.607 * std::pow(om, 0.674));
  const double b2 = 0.238 * std::pow(om, 0.223);
  const double z_d = 1291 * std::pow(om, 0.251) / (1 + 0.659 * std::pow(om, 0.828)) * (1 + b1 * std::pow(ob, b2));
  auto r_of = [&](double z) { return 31.5 * ob / t4 * 1e3 / z; };  // eq. 5
  const double r_d = r_of(z_d), r_eq = r_of(z_eq);
  const double s = 2 / (3 * k_eq) * std::sqrt(6 / r_eq) *
                   std::log((std::sqrt(1 + r_d) + std::sqrt(r_d + r_eq)) / (1 + std::sqrt(r_eq)));  // eq. 6
  const double k_silk = 1.6 * std::pow(ob, 0.52) * std::pow(om, 0.73) * (1 + std::pow(10.4 * om, -0.95));
  const double q = k / (13.41 * k_eq);  // eq. 10
  auto t0 = [&](double alpha, double beta) {  // eqs. 19, 20
    const double l = std::log(std::numbers::e + 1.8 * beta * q);
    const double c = 14.2 / alpha + 386 / (1 + 69.9 * std::pow(q, 1.08));
    return l / (l + c * q * q);
  };
  // Cold dark matter, eqs. 11, 12, 17, 18.
  const double a1 = std::pow(46.9 * om, 0.670) * (1 + std::pow(32.1 * om, -0.532));
  const double a2 = std::pow(12.0 * om, 0.424) * (1 + std::pow(45.0 * om, -0.582));
  const double alpha_c = std::pow(a1, -fb) * std::pow(a2, -fb * fb * fb);
  const double bb1 = 0.944 / (1 + std::pow(458 * om, -0.708)), bb2 = std::pow(0.395 * om, -0.0266);
  const double beta_c = 1 / (1 + bb1 * (std::pow(fc, bb2) - 1));
  const double ks = k * s;
  const double f = 1 / (1 + std::pow(ks / 5.4, 4));
  const double t_c = f * t0(1, beta_c) + (1 - f) * t0(alpha_c, beta_c);
  // Baryons, eqs. 14-15, 21-24.
  const double y = (1 + z_eq) / (1 + z_d), sy = std::sqrt(1 + y);
  const double g = y * (-6 * sy + (2 + 3 * y) * std::log((sy + 1) / (sy - 1)));
  const double alpha_b = 2.07 * k_eq * s * std::pow(1 + r_d, -0.75) * g;
  const double beta_node = 8.41 * std::pow(om, 0.435);
  const double beta_b = 0.5 + fb + (3 - 2 * fb) * std::sqrt(std::pow(17.2 * om, 2) + 1);
  const double s_tilde = s / std::cbrt(1 + std::pow(beta_node / ks, 3));
  const double x = k * s_tilde, j0 = x < 1e-6 ? 1 : std::sin(x) / x;
  const double t_b = (t0(1, 1) / (1 + std::pow(ks / 5.2, 2)) +
                      alpha_b / (1 + std::pow(beta_b / ks, 3)) * std::exp(-std::pow(k / k_silk, 1.4))) *
                     j0;
  return fb * t_b + fc * t_c;
}

double Cosmology::delta2_primordial_shape_wiggles(double k) const {
  const double t = transfer(k);
  if (t <= 0) return 0;
  const double r = transfer_wiggles(k) / t;
  return delta2_primordial_shape(k) * r * r;
}

double Cosmology::delta2_linear_wiggles(double k, double z) const {
  const double g = growth(z) / d0_;
  return amplitude_wiggles_ * delta2_primordial_shape_wiggles(k) * g * g;
}

double Cosmology::delta2_primordial_shape(double k) const {
  // Delta^2_lin(k, z=0) / A_s with D normalised to a: (4/25) (k/kp)^(ns-1) (k c/H0)^4 T^2 D0^2 / Omega_m^2.
  const double kh = k * hubble_distance();
  const double t = transfer(k);
  return 0.16 * std::pow(k / kPivot, p_.n_s - 1) * kh * kh * kh * kh * t * t * d0_ * d0_ /
         (p_.omega_m * p_.omega_m);
}

double Cosmology::delta2_linear(double k, double z) const {
  const double g = growth(z) / d0_;
  return amplitude_ * delta2_primordial_shape(k) * g * g;
}

double Cosmology::sigma_r(double r, double z) const {
  const double dlnk = (kLnKMax - kLnKMin) / (kLnKPoints - 1);
  double s = 0;
  for (int i = 0; i < kLnKPoints; ++i) {
    const double k = std::exp(kLnKMin + i * dlnk);
    const double w = top_hat(k * r);
    s += delta2_linear(k, z) * w * w * (i == 0 || i == kLnKPoints - 1 ? 0.5 : 1.0);
  }
  return std::sqrt(s * dlnk);
}

double Cosmology::sigma8() const {
  return sigma_r(8.0 / p_.h, 0.0);
}

Cosmology::HalofitCoefficients Cosmology::halofit_at(double z) const {
  // Gaussian-filtered sigma^2(R) = int Delta^2_lin exp(-k^2 R^2) dlnk; k_sigma solves sigma(1/k_sigma) = 1,
  // n_eff and C from its first two log-derivatives (Smith et al. 2003; Takahashi et al. 2012).
  const double dlnk = (kLnKMax - kLnKMin) / (kLnKPoints - 1);
  static thread_local std::vector<double> d2;
  d2.resize(kLnKPoints);
  for (int i = 0; i < kLnKPoints; ++i) d2[i] = delta2_linear(std::exp(kLnKMin + i * dlnk), z);
  auto sums = [&](double r, double& s1, double& s2, double& s3) {
    s1 = s2 = s3 = 0;
    for (int i = 0; i < kLnKPoints; ++i) {
      const double y2 = std::pow(std::exp(kLnKMin + i * dlnk) * r, 2);
      if (y2 > 200) break;
      const double e = d2[i] * std::exp(-y2);
      s1 += e, s2 += e * y2, s3 += e * y2 * y2;
    }
    s1 *= dlnk, s2 *= dlnk, s3 *= dlnk;
  };
  double lo = std::log(1e-4), hi = std::log(1e3), s1 = 0, s2 = 0, s3 = 0;
  for (int it = 0; it < 60; ++it) {  // sigma decreases with R
    const double mid = 0.5 * (lo + hi);
    sums(std::exp(mid), s1, s2, s3);
    (s1 > 1 ? lo : hi) = mid;
  }
  const double r = std::exp(0.5 * (lo + hi));
  sums(r, s1, s2, s3);
  HalofitCoefficients c;
  c.k_sigma = 1 / r;
  c.n_eff = -3 + 2 * s2 / s1;
  c.c = 4 * s2 / s1 - 4 * s3 / s1 + 4 * (s2 / s1) * (s2 / s1);
  return c;
}

double Cosmology::delta2_nonlinear(double k, double z) const {
  // Halofit coefficients tabulated in z (0 .. 6, step 0.05) on first use, interpolated linearly.
  if (halofit_table_.empty()) {
    for (double zz = 0; zz <= 6.0001; zz += 0.05) {
      halofit_z_.push_back(zz);
      halofit_table_.push_back(halofit_at(zz));
    }
  }
  const double zc = std::clamp(z, 0.0, 6.0);
  const size_t i = std::min(static_cast<size_t>(zc / 0.05), halofit_table_.size() - 2);
  const double t = (zc - halofit_z_[i]) / 0.05;
  const auto& a = halofit_table_[i];
  const auto& b = halofit_table_[i + 1];
  const double ksig = std::exp((1 - t) * std::log(a.k_sigma) + t * std::log(b.k_sigma));
  const double n = (1 - t) * a.n_eff + t * b.n_eff, cc = (1 - t) * a.c + t * b.c;

  // Takahashi et al. (2012), eqs. A4-A13, LCDM (w = -1).
  const double om = omega_m_at(z);
  const double log_an =
      1.5222 + 2.8553 * n + 2.3706 * n * n + 0.9903 * n * n * n + 0.2250 * n * n * n * n - 0.6038 * cc;
  const double log_bn = -0.5642 + 0.5864 * n + 0.5716 * n * n - 1.5474 * cc;
  const double log_cn = 0.3698 + 2.0404 * n + 0.8161 * n * n + 0.5869 * cc;
  const double gamma_n = 0.1971 - 0.0843 * n + 0.8460 * cc;
  const double alpha_n = std::abs(6.0835 + 1.3373 * n - 0.1959 * n * n - 5.5274 * cc);
  const double beta_n =
      2.0379 - 0.7354 * n + 0.3157 * n * n + 1.2490 * n * n * n + 0.3980 * n * n * n * n - 0.1682 * cc;
  const double nu_n = std::pow(10.0, 5.2105 + 3.6902 * n);
  const double f1 = std::pow(om, -0.0307), f2 = std::pow(om, -0.0585), f3 = std::pow(om, 0.0743);
  const double an = std::pow(10.0, log_an), bn = std::pow(10.0, log_bn), cn = std::pow(10.0, log_cn);

  const double dl = delta2_linear(k, z);
  const double y = k / ksig;
  const double fy = y / 4 + y * y / 8;
  const double dq = dl * std::pow(1 + dl, beta_n) / (1 + alpha_n * dl) * std::exp(-fy);
  const double dh_prime =
      an * std::pow(y, 3 * f1) / (1 + bn * std::pow(y, f2) + std::pow(cn * f3 * y, 3 - gamma_n));
  const double dh = dh_prime / (1 + nu_n / (y * y));
  return dq + dh;
}

double Cosmology::p_nonlinear(double k, double z) const {
  return 2 * kPi * kPi * delta2_nonlinear(k, z) / (k * k * k);
}

SourceDistribution SourceDistribution::from_file(const std::string& path) {
  const auto cols = io::read_text_columns(path, 2);
  SourceDistribution s;
  s.z = cols[0];
  s.n = cols[1];
  for (size_t i = 1; i < s.z.size(); ++i)
    if (!(s.z[i] > s.z[i - 1])) throw std::invalid_argument("--nz: redshifts in " + path + " must increase");
  for (double v : s.n)
    if (v < 0) throw std::invalid_argument("--nz: n(z) in " + path + " must be >= 0");
  return s;
}

AngularSpectrum convergence_cl_limber(const Cosmology& cosmo, const SourceDistribution& src,
                                      const std::vector<double>& ells) {
  // C_ell = (9/4) Omega_m^2 (H0/c)^4 int dchi g(chi)^2 (1+z)^2 P_NL((ell+1/2)/chi, z),
  // g(chi) = int_chi dchi' p(chi') (chi' - chi)/chi' (lensing efficiency; a single plane: (chi_s -
  // chi)/chi_s).
  const double zmax = src.z.empty() ? src.z_single : src.z.back();
  if (!(zmax > 0 && zmax <= 6)) throw std::invalid_argument("--z-source: source redshift must lie in (0, 6]");
  const double chi_max = cosmo.comoving_distance(zmax);
  const int n = 600;
  std::vector<double> chi(n), g(n, 0.0), z(n);
  for (int i = 0; i < n; ++i) {
    chi[i] = chi_max * (i + 0.5) / n;
    z[i] = cosmo.redshift_at_distance(chi[i]);
  }
  if (src.z.empty()) {
    for (int i = 0; i < n; ++i) g[i] = (chi_max - chi[i]) / chi_max;
  } else {
    // p(chi) dchi = n(z) dz on the same chi grid, normalised.
    std::vector<double> p(n);
    double norm = 0;
    for (int i = 0; i < n; ++i) {
      p[i] = interp(src.z, src.n, z[i]) * cosmo.e_of_z(z[i]) / cosmo.hubble_distance();
      if (z[i] < src.z.front() || z[i] > src.z.back()) p[i] = 0;
      norm += p[i];
    }
    if (!(norm > 0)) throw std::invalid_argument("--nz: n(z) integrates to zero");
    for (int i = 0; i < n; ++i) {
      double s = 0;
      for (int j = i + 1; j < n; ++j) s += p[j] * (chi[j] - chi[i]) / chi[j];
      g[i] = s / norm;
    }
  }
  const double h0 = 1 / cosmo.hubble_distance();
  const double om = cosmo.parameters().omega_m;
  const double pre = 2.25 * om * om * h0 * h0 * h0 * h0;
  AngularSpectrum out;
  out.ell = ells;
  out.cl.resize(ells.size());
  const double dchi = chi_max / n;
  for (size_t l = 0; l < ells.size(); ++l) {
    double s = 0;
    for (int i = 0; i < n; ++i) {
      const double k = (ells[l] + 0.5) / chi[i];
      const double a_inv = 1 + z[i];
      s += g[i] * g[i] * a_inv * a_inv * cosmo.p_nonlinear(k, z[i]);
    }
    out.cl[l] = pre * s * dchi;
  }
  return out;
}

}  // namespace lofimap::pipeline
