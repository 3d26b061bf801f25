#include "pipeline/simulate/flat_random_fields.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "pipeline/core/random_stream.hpp"
#include "pipeline/flat/flat_fourier.hpp"

namespace lofimap::pipeline {

namespace {
constexpr double kArcminRad = std::numbers::pi / (180.0 * 60.0);
}  // namespace

std::pair<std::vector<double>, std::vector<double>> gaussian_field_pair(const AngularSpectrum& cl,
                                                                        const FlatGrid& g, std::uint64_t seed,
                                                                        std::uint64_t stream) {
  validate_grid(g);
  const long n = g.nx;
  RandomStream rng(seed, stream);
  FlatFieldPair noise{n, n, std::vector<double>(static_cast<size_t>(n * n)),
                      std::vector<double>(static_cast<size_t>(n * n))};
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

std::vector<double> gaussian_field(const AngularSpectrum& cl, const FlatGrid& g, std::uint64_t seed,
                                   std::uint64_t stream) {
  return gaussian_field_pair(cl, g, seed, stream).first;
}

std::vector<double> lognormal_field(const AngularSpectrum& cl, const FlatGrid& g, double lambda,
                                    std::uint64_t seed, std::uint64_t stream) {
  validate_grid(g);
  if (!(lambda > 0) || !std::isfinite(lambda))
    throw std::invalid_argument("--lambda: lognormal shift must be > 0");
  const long n = g.nx;
  const double inv_pix = 1 / g.pixel_rad();
  // xi on the periodic grid: xi(r) = (1/N^2) sum_k (C_k / pixel^2) e^{ikr}, the inverse DFT of a delta
  // filtered by C / pixel^2.
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
  const auto spectrum = detail::forward_dft(xi_g.a, n);
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

}  // namespace lofimap::pipeline
