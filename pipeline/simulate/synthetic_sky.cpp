#include "pipeline/simulate/synthetic_sky.hpp"

#include <cmath>
#include <random>
#include <stdexcept>

#include "pipeline/flat/flat_kaiser_squires.hpp"

namespace lofimap::pipeline {

FlatSky make_synthetic_sky(const FlatGrid& patch, const std::vector<GaussianHalo>& haloes) {
  validate_patch(patch);
  FlatSky sky;
  sky.patch = patch;
  const size_t n = static_cast<size_t>(patch.nx * patch.ny);
  sky.kappa.assign(n, 0.0);
  for (const auto& h : haloes) {
    const auto c = gnomonic_project(patch.centre, h.ra_deg, h.dec_deg);
    const double s = h.sigma_arcmin / 60.0;
    for (long iy = 0; iy < patch.ny; ++iy)
      for (long ix = 0; ix < patch.nx; ++ix) {
        const double dx = patch.x_of(ix) - c.x_deg, dy = patch.y_of(iy) - c.y_deg;
        sky.kappa[static_cast<size_t>(iy * patch.nx + ix)] +=
            h.kappa0 * std::exp(-0.5 * (dx * dx + dy * dy) / (s * s));
      }
  }
  // Mass only inside the patch: zero padding (factor 2) gives its shear without periodic images.
  const auto shear = flat_shear_from_convergence({patch.nx, patch.ny, sky.kappa, {}}, 2.0);
  sky.gamma1 = shear.a;
  sky.gamma2 = shear.b;
  return sky;
}

std::vector<GaussianHalo> random_haloes(const FlatGrid& patch, int count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-0.4, 0.4), amp(0.05, 0.25), width(1.0, 4.0);
  std::vector<GaussianHalo> out;
  for (int i = 0; i < count; ++i) {
    GaussianHalo h;
    gnomonic_deproject(patch.centre, u(rng) * static_cast<double>(patch.nx) * patch.pixel_deg(),
                       u(rng) * static_cast<double>(patch.ny) * patch.pixel_deg(), h.ra_deg, h.dec_deg);
    h.kappa0 = amp(rng);
    h.sigma_arcmin = std::max(width(rng), 1.5 * patch.pixel_arcmin);
    out.push_back(h);
  }
  return out;
}

void sample_galaxies(const FlatSky& sky, long long n, double sigma_e, std::uint64_t seed, long chunk,
                     const GalaxySink& sink) {
  if (n < 0) throw std::invalid_argument("number of galaxies must be >= 0");
  sample_flat_galaxies(sky, n, 0.0, ShapeNoise{sigma_e, false}, nullptr, seed, chunk, sink);
}

}  // namespace lofimap::pipeline
