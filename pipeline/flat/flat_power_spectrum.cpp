#include "pipeline/flat/flat_power_spectrum.hpp"

#include <cmath>

#include "pipeline/flat/flat_fourier.hpp"

namespace lofimap::pipeline {

BinnedPower measure_flat_power(const std::vector<double>& map, const FlatGrid& g, int bins,
                               const AngularSpectrum& cl) {
  const long n = g.nx;
  const auto modes = detail::forward_dft(map, n);
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
    out.ell[static_cast<size_t>(b)] /= m, out.power[static_cast<size_t>(b)] /= m,
        out.expected[static_cast<size_t>(b)] /= m;
  }
  return out;
}

}  // namespace lofimap::pipeline
