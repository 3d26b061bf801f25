#include "pipeline/simulate/submesh_haloes.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "pipeline/core/random_stream.hpp"

namespace lofimap::pipeline {

std::vector<LightconeHalo> add_submesh_haloes(std::vector<double>& kappa, const FlatGrid& grid,
                                              const LensPlanes& planes, const HaloModel& model,
                                              const SubmeshHaloSettings& settings, std::uint64_t seed,
                                              std::uint64_t cone_stream, std::uint64_t halo_stream) {
  auto haloes = place_submesh_haloes(grid, planes, model, seed, cone_stream, halo_stream);
  paste_compensated_haloes(kappa, grid, planes, haloes, settings);
  return haloes;
}

std::vector<LightconeHalo> place_submesh_haloes(const FlatGrid& grid, const LensPlanes& planes,
                                                const HaloModel& model, std::uint64_t seed,
                                                std::uint64_t cone_stream, std::uint64_t halo_stream) {
  const auto orientations = planes.cone(seed, cone_stream, planes.planes().size());
  const auto& cosmo = planes.cosmology();
  const double area =
      static_cast<double>(grid.nx) * static_cast<double>(grid.ny) * grid.pixel_rad() * grid.pixel_rad();
  const size_t slabs = static_cast<size_t>(planes.slabs_per_box());
  // Placement: a particle of the halo's plane inside the grid; where none is found in 20,000 picks (the
  // nearest planes, whose part inside the field holds few sampled particles), a uniform position.
  auto haloes = model.draw_in(
      area, HaloModel::max_theta_arcmin(grid), seed, halo_stream, [&](LightconeHalo& h, RandomStream& rng) {
        const size_t j = planes.plane_at(cosmo.comoving_distance(h.z));
        if (!planes.sample_particle(j, orientations[j / slabs], grid, rng, 20000, h.x_pix, h.y_pix)) {
          h.x_pix = rng.uniform() * static_cast<double>(grid.nx) - 0.5;
          h.y_pix = rng.uniform() * static_cast<double>(grid.ny) - 0.5;
        }
      });
  return haloes;
}

void paste_compensated_haloes(std::vector<double>& kappa, const FlatGrid& grid, const LensPlanes& planes,
                              const std::vector<LightconeHalo>& haloes, const SubmeshHaloSettings& settings) {
  if (kappa.size() != static_cast<size_t>(grid.pixels()))
    throw std::invalid_argument("submesh haloes: map size");
  const auto& cosmo = planes.cosmology();
  paste_haloes(kappa, grid, haloes);
  // Remove each halo's mass smoothed at the mesh scale: total convergence integral of the truncated NFW,
  // kappa_norm 2 pi theta_t^2 U(0, c) with U(0, c) = (ln(1 + c) - c / (1 + c)) / c^2 (in pixel^2).
  const double cell = planes.box() / static_cast<double>(planes.plane_pixels());
  const long nx = grid.nx, ny = grid.ny;
  for (const auto& h : haloes) {
    const double c = h.concentration, t = h.theta_t_arcmin / grid.pixel_arcmin;
    const double total =
        h.kappa_norm * 2 * std::numbers::pi * t * t * (std::log(1 + c) - c / (1 + c)) / (c * c);
    const double sigma = settings.smoothing_cells * cell / cosmo.comoving_distance(h.z) / grid.pixel_rad();
    // A Gaussian narrower than a pixel is summed from 8 x 8 sub-pixels. The loop covers each pixel of the
    // periodic grid at most once (a halo near the observer is smoothed over more than the grid), and the
    // weights are normalised over the pixels it covers, so every halo's net mass is zero whatever its size.
    const int sub = sigma < 1 ? 8 : 1;
    const long rx = std::min(static_cast<long>(std::ceil(4 * sigma + 1)), (nx - 1) / 2);
    const long ry = std::min(static_cast<long>(std::ceil(4 * sigma + 1)), (ny - 1) / 2);
    const long cx = std::lround(h.x_pix), cy = std::lround(h.y_pix);
    std::vector<double> weight(static_cast<size_t>((2 * rx + 1) * (2 * ry + 1)));
    double sum = 0;
    for (long iy = cy - ry; iy <= cy + ry; ++iy)
      for (long ix = cx - rx; ix <= cx + rx; ++ix) {
        double value = 0;
        for (int b = 0; b < sub; ++b)
          for (int a = 0; a < sub; ++a) {
            const double dx = static_cast<double>(ix) + (a + 0.5) / sub - 0.5 - h.x_pix;
            const double dy = static_cast<double>(iy) + (b + 0.5) / sub - 0.5 - h.y_pix;
            value += std::exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
          }
        weight[static_cast<size_t>((iy - cy + ry) * (2 * rx + 1) + ix - cx + rx)] = value;
        sum += value;
      }
    if (!(sum > 0)) continue;
    for (long iy = cy - ry; iy <= cy + ry; ++iy)
      for (long ix = cx - rx; ix <= cx + rx; ++ix) {
        const long wx = ((ix % nx) + nx) % nx, wy = ((iy % ny) + ny) % ny;
        kappa[static_cast<size_t>(wy * nx + wx)] -=
            total * weight[static_cast<size_t>((iy - cy + ry) * (2 * rx + 1) + ix - cx + rx)] / sum;
      }
  }
}

}  // namespace lofimap::pipeline
