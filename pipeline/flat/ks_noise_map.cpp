#include "pipeline/flat/ks_noise_map.hpp"

#include <cmath>
#include <stdexcept>

#include "pipeline/flat/flat_fourier.hpp"

namespace lofimap::pipeline {

using detail::cplx;

std::vector<double> flat_ks_noise_std(const std::vector<double>& counts, long nx, long ny, double sigma_e,
                                      double pad, double smoothing_sigma_pixels) {
  if (nx <= 0 || ny <= 0 || counts.size() != static_cast<size_t>(nx * ny))
    throw std::invalid_argument("flat_ks_noise_std: counts do not match the grid");
  if (!(sigma_e > 0)) throw std::invalid_argument("flat_ks_noise_std: sigma_e must be > 0");
  // The padded grid of flat_kaiser_squires(): its periodic wrap-around (pad < 2) is reproduced exactly.
  const long px = padded_fft_size(nx, pad), py = padded_fft_size(ny, pad);
  const size_t np = static_cast<size_t>(px * py);
  const double norm = 1.0 / static_cast<double>(np);
  detail::Fft2d fft(px, py);
  cplx* f = fft.data();
  // h = F^-1[D* W] on the padded grid; the modes are laid out [k2][k1] (y slow).
  const long nyq_x = px % 2 == 0 ? px / 2 : -1, nyq_y = py % 2 == 0 ? py / 2 : -1;
  for (long iy = 0; iy < py; ++iy) {
    const double k2 = detail::wavenumber(iy, py);
    for (long ix = 0; ix < px; ++ix) {
      const double k1 = detail::wavenumber(ix, px);
      f[iy * px + ix] = detail::ks_kernel(k1, k2, ix == nyq_x || iy == nyq_y) *
                        detail::ks_transfer(k1 * k1 + k2 * k2, smoothing_sigma_pixels, 0) * norm;
    }
  }
  fft.backward();
  // |h|^2, then its transform (real: |h|^2 is even about the origin).
  for (size_t i = 0; i < np; ++i) f[i] = cplx(std::norm(f[i]), 0);
  fft.forward();
  std::vector<cplx> kernel(f, f + np);
  // The variance map zero-padded, convolved with |h|^2.
  for (size_t i = 0; i < np; ++i) f[i] = 0;
  const double var_e = sigma_e * sigma_e;
  for (long iy = 0; iy < ny; ++iy)
    for (long ix = 0; ix < nx; ++ix) {
      const double n = counts[static_cast<size_t>(iy * nx + ix)];
      f[iy * px + ix] = n > 0 ? var_e / n : 0.0;
    }
  fft.forward();
  for (size_t i = 0; i < np; ++i) f[i] *= kernel[i] * norm;
  fft.backward();
  std::vector<double> out(static_cast<size_t>(nx * ny));
  for (long iy = 0; iy < ny; ++iy)
    for (long ix = 0; ix < nx; ++ix)
      out[static_cast<size_t>(iy * nx + ix)] = std::sqrt(std::max(0.0, f[iy * px + ix].real()));
  return out;
}

}  // namespace lofimap::pipeline
