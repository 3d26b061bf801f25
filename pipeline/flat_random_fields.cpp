#include "pipeline/flat_random_fields.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "pipeline/flat_fourier.hpp"
#include "pipeline/flat_geometry.hpp"
#include "pipeline/random_stream.hpp"

namespace lofimap::pipeline {

namespace {
constexpr double kArcminRad = std::numbers::pi / (180.0 * 60.0);

// Unnormalised forward DFT of a real n x n map (row-major), as complex values.
std::vector<detail::cplx> forward_dft(const std::vector<double>& map, long n) {
  detail::FftwArray buf(static_cast<size_t>(n * n));
  for (size_t i = 0; i < map.size(); ++i) buf.data[i] = detail::cplx(map[i], 0);
  fftw_plan plan;
  {
    std::lock_guard<std::mutex> lock(detail::planner_mutex());
    auto* p = reinterpret_cast<fftw_complex*>(buf.data);
    plan = fftw_plan_dft_2d(static_cast<int>(n), static_cast<int>(n), p, p, FFTW_FORWARD, FFTW_ESTIMATE);
  }
  fftw_execute(plan);
  {
    std::lock_guard<std::mutex> lock(detail::planner_mutex());
    fftw_destroy_plan(plan);
  }
  return {buf.data, buf.data + n * n};
}
}  // namespace

double FlatGridSpec::pixel_rad() const { return pixel_arcmin * kArcminRad; }
double FlatGridSpec::ell_min() const { return 2 * std::numbers::pi / (static_cast<double>(n) * pixel_rad()); }
double FlatGridSpec::ell_max() const { return std::numbers::pi / pixel_rad(); }

void validate_grid(const FlatGridSpec& g) {
  if (g.n < 8 || g.n > 32768) throw std::invalid_argument("--npix: grid side must lie in [8, 32768]");
  if (!(g.pixel_arcmin > 0) || !std::isfinite(g.pixel_arcmin))
    throw std::invalid_argument("--pixel: pixel scale must be > 0 arcmin");
  if (static_cast<double>(g.n) * g.pixel_arcmin > 20 * 60)
    throw std::invalid_argument("--npix/--pixel: a flat field wider than 20 deg; use --sphere");
}

std::pair<std::vector<double>, std::vector<double>> gaussian_field_pair(const AngularSpectrum& cl, const FlatGridSpec& g,
                                                                       std::uint64_t seed, std::uint64_t stream) {
  validate_grid(g);
  const long n = g.n;
  RandomStream rng(seed, stream);
  FlatFieldPair noise{n, n, std::vector<double>(static_cast<size_t>(n * n)), std::vector<double>(static_cast<size_t>(n * n))};
  for (size_t i = 0; i < noise.a.size(); ++i) noise.a[i] = rng.normal(), noise.b[i] = rng.normal();
  // White noise has <|FFT|^2> = N^2 per mode; scale to N^2 C / pixel^2. wavenumber() is in radians per pixel:
  // ell = k / pixel_rad. A real, even multiplier keeps the real and imaginary fields independent and real.
  const double inv_pix = 1 / g.pixel_rad();
  auto field = detail::apply_fourier(noise, 1.0, [&](double k1, double k2, bool) {
    const double ell = std::sqrt(k1 * k1 + k2 * k2) * inv_pix;
    return detail::cplx(ell > 0 ? std::sqrt(cl.at(ell)) * inv_pix : 0.0, 0.0);
  });
  return {std::move(field.a), std::move(field.b)};
}

std::vector<double> gaussian_field(const AngularSpectrum& cl, const FlatGridSpec& g, std::uint64_t seed,
                                   std::uint64_t stream) {
  return gaussian_field_pair(cl, g, seed, stream).first;
}

std::vector<double> lognormal_field(const AngularSpectrum& cl, const FlatGridSpec& g, double lambda, std::uint64_t seed,
                                    std::uint64_t stream) {
  validate_grid(g);
  if (!(lambda > 0) || !std::isfinite(lambda)) throw std::invalid_argument("--lambda: lognormal shift must be > 0");
  const long n = g.n;
  const double inv_pix = 1 / g.pixel_rad();
  // xi on the periodic grid: xi(r) = (1/N^2) sum_k (C_k / pixel^2) e^{ikr}, the inverse DFT of a delta filtered by C / pixel^2.
  FlatFieldPair delta{n, n, std::vector<double>(static_cast<size_t>(n * n), 0.0), {}};
  delta.a[0] = 1;
  const auto xi = detail::apply_fourier(delta, 1.0, [&](double k1, double k2, bool) {
    const double ell = std::sqrt(k1 * k1 + k2 * k2) * inv_pix;
    return detail::cplx(ell > 0 ? cl.at(ell) * inv_pix * inv_pix : 0.0, 0.0);
  });
  FlatFieldPair xi_g{n, n, std::vector<double>(static_cast<size_t>(n * n)), {}};
  for (size_t i = 0; i < xi_g.a.size(); ++i) {
    const double arg = 1 + xi.a[i] / (lambda * lambda);
    if (!(arg > 0)) throw std::invalid_argument("--lambda: too small for this C_ell (1 + xi/lambda^2 <= 0)");
    xi_g.a[i] = std::log(arg);
  }
  const double sigma_g2 = xi_g.a[0];
  // Back to mode powers of g; negative powers (where the lognormal model is not realisable) are clipped.
  FlatFieldPair noise{n, n, std::vector<double>(static_cast<size_t>(n * n)), {}};
  RandomStream rng(seed, stream);
  for (auto& v : noise.a) v = rng.normal();
  // P_g(k) = DFT(xi_g)(k) (no normalisation; real because xi_g is real and even), so that
  // g = IDFT(sqrt(P_g) DFT(noise)) / N^2 has correlation xi_g.
  std::vector<double> power(static_cast<size_t>(n * n));
  const auto spectrum = forward_dft(xi_g.a, n);
  for (size_t i = 0; i < power.size(); ++i) power[i] = std::max(0.0, spectrum[i].real());
  // apply_fourier's multiplier sees (k1, k2) in radians/pixel; map back to the FFT index to look up P.
  auto index_of = [n](double k) {
    long i = std::lround(k * static_cast<double>(n) / (2 * std::numbers::pi));
    return i < 0 ? i + n : i;
  };
  const auto g_field = detail::apply_fourier(noise, 1.0, [&](double k1, double k2, bool) {
    return detail::cplx(std::sqrt(power[static_cast<size_t>(index_of(k2) * n + index_of(k1))]), 0.0);
  });
  std::vector<double> kappa(g_field.a.size());
  for (size_t i = 0; i < kappa.size(); ++i) kappa[i] = lambda * (std::exp(g_field.a[i] - 0.5 * sigma_g2) - 1);
  return kappa;
}

BinnedPower measure_flat_power(const std::vector<double>& map, const FlatGridSpec& g, int bins, const AngularSpectrum& cl) {
  const long n = g.n;
  const auto modes = forward_dft(map, n);
  BinnedPower out;
  out.ell.assign(static_cast<size_t>(bins), 0.0);
  out.power.assign(static_cast<size_t>(bins), 0.0);
  out.expected.assign(static_cast<size_t>(bins), 0.0);
  out.modes.assign(static_cast<size_t>(bins), 0);
  const double lmin = g.ell_min(), lmax = g.ell_max();
  const double norm = g.pixel_rad() * g.pixel_rad() / static_cast<double>(n * n);
  for (long iy = 0; iy < n; ++iy)
    for (long ix = 0; ix < n; ++ix) {
      const double ell = std::hypot(detail::wavenumber(ix, n), detail::wavenumber(iy, n)) / g.pixel_rad();
      if (ell < lmin || ell >= lmax) continue;
      const int b = static_cast<int>(std::log(ell / lmin) / std::log(lmax / lmin) * bins);
      if (b < 0 || b >= bins) continue;
      out.ell[static_cast<size_t>(b)] += ell;
      out.power[static_cast<size_t>(b)] += std::norm(modes[static_cast<size_t>(iy * n + ix)]) * norm;
      out.expected[static_cast<size_t>(b)] += cl.at(ell);
      ++out.modes[static_cast<size_t>(b)];
    }
  for (int b = 0; b < bins; ++b) {
    const auto m = static_cast<double>(std::max(1L, out.modes[static_cast<size_t>(b)]));
    out.ell[static_cast<size_t>(b)] /= m, out.power[static_cast<size_t>(b)] /= m, out.expected[static_cast<size_t>(b)] /= m;
  }
  return out;
}

NfwProfile nfw_profile(const Cosmology& cosmo, const NfwHalo& h, double z_source) {
  if (!(h.m200_msun > 0)) throw std::invalid_argument("--nfw: mass must be > 0");
  if (!(h.concentration > 0)) throw std::invalid_argument("--nfw: concentration must be > 0");
  if (!(h.z_lens > 0 && h.z_lens < z_source)) throw std::invalid_argument("--nfw: need 0 < z_lens < z_source");
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
  const double d_l = chi_l / (1 + h.z_lens), d_s = chi_s / (1 + z_source), d_ls = (chi_s - chi_l) / (1 + z_source);
  const double sigma_cr = c_kms * c_kms / (4 * std::numbers::pi * g_newton) * d_s / (d_l * d_ls);  // Msun/Mpc^2
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

void add_nfw(std::vector<double>& kappa, const FlatGridSpec& g, double ra0, double dec0, const NfwProfile& prof,
             double hra, double hdec) {
  const FlatPatch patch{{ra0, dec0}, g.pixel_arcmin, g.n, g.n};
  const auto c = gnomonic_project(patch.centre, hra, hdec);
  const double cx = c.x_deg * 60, cy = c.y_deg * 60;  // arcmin
  for (long iy = 0; iy < g.n; ++iy)
    for (long ix = 0; ix < g.n; ++ix) {
      const double x = patch.x_of(ix) * 60 - cx, y = patch.y_of(iy) * 60 - cy;
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
      kappa[static_cast<size_t>(iy * g.n + ix)] += value;
    }
}

}  // namespace lofimap::pipeline
