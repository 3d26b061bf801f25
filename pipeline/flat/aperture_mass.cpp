#include "pipeline/flat/aperture_mass.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "pipeline/flat/fft_size.hpp"
#include "pipeline/flat/flat_fourier.hpp"

namespace lofimap::pipeline {

namespace {
using detail::cplx;
using detail::Fft2d;

}  // namespace

double aperture_filter_q(double r, double theta) {
  const double x2 = (r / theta) * (r / theta);
  return x2 <= 1 ? 6 / (std::numbers::pi * theta * theta) * x2 * (1 - x2) : 0.0;
}

ApertureMassMaps aperture_mass(const std::vector<double>& g1, const std::vector<double>& g2,
                               const std::vector<double>& counts, const FlatGrid& grid, double theta_arcmin,
                               double sigma_e) {
  const long nx = grid.nx, ny = grid.ny;
  const size_t nn = static_cast<size_t>(nx * ny);
  if (g1.size() != nn || g2.size() != nn || counts.size() != nn)
    throw std::invalid_argument("aperture mass: maps do not match the grid");
  if (!(theta_arcmin > 0))
    throw std::invalid_argument("--aperture-mass: the filter radius must be > 0 arcmin");
  // Kernel offsets up to R pixels; the padded grid holds the map and R pixels of zeros on each side.
  const long r_pix = static_cast<long>(std::ceil(theta_arcmin / grid.pixel_arcmin));
  const long px = padded_fft_size(nx + 2 * r_pix, 1.0), py = padded_fft_size(ny + 2 * r_pix, 1.0);
  const double area = grid.pixel_arcmin * grid.pixel_arcmin;  // arcmin^2; Q in 1/arcmin^2
  Fft2d field(px, py), kernel(px, py), noise(px, py), noise_kernel(px, py);
  for (size_t i = 0; i < field.size(); ++i)
    field.data()[i] = kernel.data()[i] = noise.data()[i] = noise_kernel.data()[i] = 0;
  for (long iy = 0; iy < ny; ++iy)
    for (long ix = 0; ix < nx; ++ix) {
      const size_t s = static_cast<size_t>(iy * nx + ix), d = static_cast<size_t>(iy * px + ix);
      field.data()[d] = cplx(g1[s], g2[s]);
      noise.data()[d] = counts[s] > 0 ? sigma_e * sigma_e / counts[s] : 0.0;
    }
  // (M_ap + i M_x)(x) = A sum_d K(d) gamma(x + d), K(d) = -Q(|d|) e^{-2 i phi(d)}: a spin-2 kernel, even
  // under d -> -d, so the sum is the convolution K * gamma. The variance: A^2 sum_d Q(|d|)^2 sigma_e^2 / N.
  for (long dy = -r_pix; dy <= r_pix; ++dy)
    for (long dx = -r_pix; dx <= r_pix; ++dx) {
      const double x = static_cast<double>(dx) * grid.pixel_arcmin,
                   y = static_cast<double>(dy) * grid.pixel_arcmin;
      const double r = std::hypot(x, y), q = aperture_filter_q(r, theta_arcmin);
      if (q == 0) continue;
      const double phi = std::atan2(y, x);
      const size_t at = static_cast<size_t>(((dy + py) % py) * px + (dx + px) % px);
      kernel.data()[at] = -area * q * cplx(std::cos(2 * phi), -std::sin(2 * phi));
      noise_kernel.data()[at] = area * area * q * q;
    }
  for (auto* f : {&field, &kernel, &noise, &noise_kernel}) f->forward();
  const double norm = 1.0 / static_cast<double>(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    field.data()[i] *= kernel.data()[i] * norm;
    noise.data()[i] *= noise_kernel.data()[i] * norm;
  }
  field.backward();
  noise.backward();
  ApertureMassMaps out;
  out.map.resize(nn), out.cross.resize(nn), out.noise.resize(nn), out.snr.resize(nn);
  for (long iy = 0; iy < ny; ++iy)
    for (long ix = 0; ix < nx; ++ix) {
      const size_t s = static_cast<size_t>(iy * nx + ix), d = static_cast<size_t>(iy * px + ix);
      out.map[s] = field.data()[d].real(), out.cross[s] = field.data()[d].imag();
      const double variance = noise.data()[d].real();
      out.noise[s] = variance > 1e-30 ? std::sqrt(variance) : std::numeric_limits<double>::quiet_NaN();
      out.snr[s] = out.map[s] / out.noise[s];
    }
  return out;
}

}  // namespace lofimap::pipeline
