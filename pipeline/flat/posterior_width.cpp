#include "pipeline/flat/posterior_width.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "pipeline/flat/flat_fourier.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"

namespace lofimap::pipeline {

std::vector<double> local_wiener_width(const std::vector<double>& counts, double sigma_e,
                                       const AngularSpectrum& prior, const FlatGrid& grid) {
  const long nx = grid.nx, ny = grid.ny;
  const size_t nn = static_cast<size_t>(nx * ny);
  if (nx < 1 || ny < 1 || counts.size() != nn)
    throw std::invalid_argument("local_wiener_width: counts do not match the grid");
  if (!(sigma_e > 0)) throw std::invalid_argument("local_wiener_width: sigma_e must be > 0");
  // The prior per mode of the grid.
  const double inv_pix = 1 / grid.pixel_rad();
  std::vector<double> signal;
  signal.reserve(nn);
  double prior_variance = 0;
  for (long i1 = 0; i1 < nx; ++i1)
    for (long i2 = 0; i2 < ny; ++i2) {
      const double k1 = detail::wavenumber(i1, nx), k2 = detail::wavenumber(i2, ny);
      const double ell = std::sqrt(k1 * k1 + k2 * k2) * inv_pix;
      const double s = ell > 0 ? prior.at(ell) * inv_pix * inv_pix : 0.0;
      signal.push_back(s);
      prior_variance += s / static_cast<double>(nn);
    }
  // w^2 as a function of the noise variance, tabulated in log noise variance (smooth: a sum of saturating
  // terms) between the deepest and the shallowest pixel.
  const auto posterior_variance = [&](double noise) {
    double v = 0;
    for (double s : signal) v += s * noise / (s + noise);
    return v / static_cast<double>(nn);
  };
  const std::vector<double> n = flat_gaussian_smooth(counts, nx, ny, 1.0, 2.0);
  constexpr double kFloor = 1e-3;  // galaxies: below it a pixel is as unconstrained as the prior allows
  double lo = 1e300, hi = 0;
  std::vector<double> noise(nn);
  for (size_t i = 0; i < nn; ++i) {
    noise[i] = sigma_e * sigma_e / std::max(n[i], kFloor);
    lo = std::min(lo, noise[i]), hi = std::max(hi, noise[i]);
  }
  constexpr int kPoints = 96;
  const double log_lo = std::log(lo), step = std::max(std::log(hi) - log_lo, 1e-12) / (kPoints - 1);
  std::vector<double> table(kPoints);
  for (int j = 0; j < kPoints; ++j)
    table[static_cast<size_t>(j)] = posterior_variance(std::exp(log_lo + j * step));
  std::vector<double> width(nn);
  for (size_t i = 0; i < nn; ++i) {
    const double t = std::clamp((std::log(noise[i]) - log_lo) / step, 0.0, kPoints - 1.0);
    const size_t j = std::min(static_cast<size_t>(t), static_cast<size_t>(kPoints - 2));
    const double f = t - static_cast<double>(j);
    const double v = (1 - f) * table[j] + f * table[j + 1];
    width[i] = std::sqrt(std::clamp(v, 0.0, prior_variance));
  }
  return width;
}

double footprint_density(const std::vector<double>& counts, const std::vector<double>& mask,
                         double pixel_arcmin) {
  double galaxies = 0, pixels = 0;
  for (size_t i = 0; i < counts.size() && i < mask.size(); ++i)
    if (mask[i] > 0) galaxies += counts[i], pixels += 1;
  return pixels > 0 ? galaxies / (pixels * pixel_arcmin * pixel_arcmin) : 0.0;
}

}  // namespace lofimap::pipeline
