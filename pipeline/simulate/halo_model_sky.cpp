#include "pipeline/simulate/halo_model_sky.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "pipeline/core/random_stream.hpp"
#include "pipeline/simulate/flat_random_fields.hpp"
#include "pipeline/simulate/truncated_nfw.hpp"

namespace lofimap::pipeline {

namespace {
constexpr double kArcminPerRad = 180.0 * 60.0 / std::numbers::pi;
// 4 pi G / c^2 in Mpc / Msun (G = 4.30091e-9 Mpc (km/s)^2 / Msun, c = 299792.458 km/s).
constexpr double kFourPiGOverC2 = 4 * std::numbers::pi * 4.30091e-9 / (299792.458 * 299792.458);
// Nearer than this, haloes are few and would cover degrees; their power stays in the background.
constexpr double kZNearest = 0.02;

double nfw_mass_factor(double c) {
  return std::log(1 + c) - c / (1 + c);
}

}  // namespace

double lensing_efficiency(const Cosmology& cosmo, const SourceDistribution& src, double z_lens) {
  const double chi_l = cosmo.comoving_distance(z_lens);
  if (src.z.empty()) {
    if (z_lens >= src.z_single) return 0;
    const double chi_s = cosmo.comoving_distance(src.z_single);
    return (chi_s - chi_l) / chi_s;
  }
  double num = 0, norm = 0;
  for (size_t i = 0; i + 1 < src.z.size(); ++i) {  // trapezoids of the n(z) table
    const double dz = src.z[i + 1] - src.z[i];
    for (int k = 0; k < 2; ++k) {
      const double z = src.z[i + k], n = src.n[i + k] * dz / 2;
      norm += n;
      if (z > z_lens) num += n * (cosmo.comoving_distance(z) - chi_l) / cosmo.comoving_distance(z);
    }
  }
  return norm > 0 ? num / norm : 0;
}

HaloModel::HaloModel(const Cosmology& cosmo, const SourceDistribution& sources, const HaloModelSettings& s)
    : cosmo_(cosmo), sources_(sources), settings_(s), mass_function_(cosmo) {
  if (!(s.m_min_msun >= 1e9 && s.m_max_msun > s.m_min_msun && s.m_max_msun <= 1e16))
    throw std::invalid_argument("halo model: need 1e9 <= minimum mass < maximum mass <= 1e16 Msun");
  if (!(s.dex_per_bin > 0 && s.dex_per_bin <= 0.5) || s.z_slices < 2 || s.z_slices > 1000)
    throw std::invalid_argument("halo model: mass bins of (0, 0.5] dex and 2 .. 1000 redshift slices");
  const double z_far = sources.z.empty() ? sources.z_single : sources.z.back();
  if (!(z_far > kZNearest)) throw std::invalid_argument("halo model: sources must lie beyond z = 0.02");
  const double chi_near = cosmo.comoving_distance(kZNearest), chi_far = cosmo.comoving_distance(z_far);
  for (int i = 0; i <= s.z_slices; ++i)
    slice_chi_edges_.push_back(chi_near + (chi_far - chi_near) * i / s.z_slices);
  const int mass_bins =
      std::max(1, static_cast<int>(std::ceil(std::log10(s.m_max_msun / s.m_min_msun) / s.dex_per_bin)));
  for (int j = 0; j <= mass_bins; ++j)
    mass_edges_.push_back(s.m_min_msun *
                          std::pow(s.m_max_msun / s.m_min_msun, static_cast<double>(j) / mass_bins));

  for (int i = 0; i < s.z_slices; ++i) {
    const double lo = slice_chi_edges_[static_cast<size_t>(i)],
                 hi = slice_chi_edges_[static_cast<size_t>(i + 1)];
    const double volume_per_sr = (hi * hi * hi - lo * lo * lo) / 3;  // comoving Mpc^3 per steradian
    const double z = cosmo.redshift_at_distance(0.5 * (lo + hi));
    for (int j = 0; j < mass_bins; ++j) {
      const double m_lo = mass_edges_[static_cast<size_t>(j)], m_hi = mass_edges_[static_cast<size_t>(j + 1)];
      const double m = std::sqrt(m_lo * m_hi);
      CellInfo cell{i, j, mass_function_.dn_dlnm(m, z) * std::log(m_hi / m_lo) * volume_per_sr,
                    make_halo(m, z)};
      total_per_sr_ += cell.per_sr;
      cells_.push_back(cell);
    }
  }
}

LightconeHalo HaloModel::make_halo(double m, double z) const {
  LightconeHalo h;
  h.m200m_msun = m;
  h.z = z;
  h.concentration = std::clamp(mass_function_.concentration(m, z), 1.0, 40.0);
  const double c = h.concentration;
  const double r_t = mass_function_.r200m(m, z);  // physical Mpc
  const double r_s = r_t / c;
  const double rho_m = mass_function_.mean_density() * (1 + z) * (1 + z) * (1 + z);
  const double rho_s = 200 * rho_m / 3 * c * c * c / nfw_mass_factor(c);
  const double d_l = cosmo_.comoving_distance(z) / (1 + z);
  const double inv_sigma_crit = kFourPiGOverC2 * d_l * lensing_efficiency(cosmo_, sources_, z);
  h.kappa_norm = 2 * rho_s * r_s * inv_sigma_crit;
  h.theta_t_arcmin = r_t / d_l * kArcminPerRad;
  return h;
}

double HaloModel::max_theta_arcmin(const FlatGrid& grid) {
  return kMaxRadiusPerSide * static_cast<double>(std::min(grid.nx, grid.ny)) * grid.pixel_arcmin;
}

double HaloModel::mean_kappa(double max_theta_arcmin) const {
  double mean = 0;
  for (const auto& cell : cells_) {
    if (cell.centre.theta_t_arcmin > max_theta_arcmin) continue;
    const double theta_t = cell.centre.theta_t_arcmin / kArcminPerRad;
    const double c = cell.centre.concentration;
    mean += cell.per_sr * 2 * std::numbers::pi * theta_t * theta_t * cell.centre.kappa_norm *
            nfw_mass_factor(c) / (c * c);
  }
  return mean;
}

std::vector<double> HaloModel::one_halo_cl(const std::vector<double>& ells, double max_theta_arcmin) const {
  std::vector<double> out(ells.size(), 0.0);
  for (const auto& cell : cells_) {
    if (cell.centre.theta_t_arcmin > max_theta_arcmin) continue;
    const double theta_t = cell.centre.theta_t_arcmin / kArcminPerRad;
    const double scale = 2 * std::numbers::pi * theta_t * theta_t * cell.centre.kappa_norm;
    for (size_t l = 0; l < ells.size(); ++l) {
      const double k = scale * truncated_nfw_fourier(ells[l] * theta_t, cell.centre.concentration);
      out[l] += cell.per_sr * k * k;
    }
  }
  return out;
}

std::vector<LightconeHalo> HaloModel::draw(const FlatGrid& grid, std::uint64_t seed,
                                           std::uint64_t stream) const {
  const double area =
      static_cast<double>(grid.nx) * static_cast<double>(grid.ny) * grid.pixel_rad() * grid.pixel_rad();
  return draw_in(area, max_theta_arcmin(grid), seed, stream, [&grid](LightconeHalo& h, RandomStream& rng) {
    h.x_pix = rng.uniform() * static_cast<double>(grid.nx) - 0.5;
    h.y_pix = rng.uniform() * static_cast<double>(grid.ny) - 0.5;
  });
}

std::vector<LightconeHalo> HaloModel::draw_in(double area, double max_theta, std::uint64_t seed,
                                              std::uint64_t stream, const Placement& place) const {
  RandomStream rng(seed, stream);
  std::vector<LightconeHalo> out;
  for (const auto& cell : cells_) {
    const auto n = rng.poisson(cell.per_sr * area);  // drawn for every cell: streams stay aligned
    const double lo = slice_chi_edges_[static_cast<size_t>(cell.slice)],
                 hi = slice_chi_edges_[static_cast<size_t>(cell.slice + 1)];
    const double m_lo = mass_edges_[static_cast<size_t>(cell.mass_bin)],
                 m_hi = mass_edges_[static_cast<size_t>(cell.mass_bin + 1)];
    for (std::uint64_t k = 0; k < n; ++k) {
      // Distance with density chi^2 (equal volume); mass from dn/dlnM within the bin by rejection against
      // its low edge (the mass function falls with mass above 1e9 Msun).
      const double chi = std::cbrt(lo * lo * lo + rng.uniform() * (hi * hi * hi - lo * lo * lo));
      const double z = cosmo_.redshift_at_distance(chi);
      const double top = mass_function_.dn_dlnm(m_lo, z);
      double m = m_lo;
      for (int tries = 0; tries < 100; ++tries) {
        m = m_lo * std::pow(m_hi / m_lo, rng.uniform());
        if (rng.uniform() * top <= mass_function_.dn_dlnm(m, z)) break;
      }
      auto h = make_halo(m, z);
      if (h.theta_t_arcmin > max_theta) continue;
      place(h, rng);
      out.push_back(h);
    }
  }
  return out;
}

std::vector<HaloModel::Bin> HaloModel::expected_mass_histogram(double area_sr) const {
  std::vector<Bin> out;
  for (size_t j = 0; j + 1 < mass_edges_.size(); ++j) out.push_back({mass_edges_[j], mass_edges_[j + 1], 0});
  for (const auto& cell : cells_) out[static_cast<size_t>(cell.mass_bin)].expected += cell.per_sr * area_sr;
  return out;
}

std::vector<HaloModel::Bin> HaloModel::expected_redshift_histogram(double area_sr) const {
  std::vector<Bin> out;
  for (size_t i = 0; i + 1 < slice_chi_edges_.size(); ++i)
    out.push_back({cosmo_.redshift_at_distance(slice_chi_edges_[i]),
                   cosmo_.redshift_at_distance(slice_chi_edges_[i + 1]), 0});
  for (const auto& cell : cells_) out[static_cast<size_t>(cell.slice)].expected += cell.per_sr * area_sr;
  return out;
}

void paste_haloes(std::vector<double>& kappa, const FlatGrid& grid,
                  const std::vector<LightconeHalo>& haloes) {
  const long nx = grid.nx, ny = grid.ny;
  if (kappa.size() != static_cast<size_t>(nx * ny)) throw std::invalid_argument("paste_haloes: map size");
  for (const auto& h : haloes) {
    const double t = h.theta_t_arcmin / grid.pixel_arcmin;  // truncation radius in pixels
    if (t > 0.5 * static_cast<double>(std::min(nx, ny)))
      throw std::invalid_argument("paste_haloes: a halo of radius " + std::to_string(h.theta_t_arcmin) +
                                  " arcmin is larger than half the grid");
    const auto profile = [&](double r_pix) {
      return h.kappa_norm * truncated_nfw_sigma(r_pix / t, h.concentration);
    };
    for (long iy = static_cast<long>(std::floor(h.y_pix - t - 1));
         iy <= static_cast<long>(std::ceil(h.y_pix + t + 1)); ++iy)
      for (long ix = static_cast<long>(std::floor(h.x_pix - t - 1));
           ix <= static_cast<long>(std::ceil(h.x_pix + t + 1)); ++ix) {
        const double dx = static_cast<double>(ix) - h.x_pix, dy = static_cast<double>(iy) - h.y_pix;
        const double r = std::hypot(dx, dy);
        if (r > t + 0.75) continue;  // no part of this pixel is inside the profile
        double value = 0;
        if (r < 2 || t < 2) {
          // The cusp and small haloes: the pixel's mean convergence from 16 x 16 sub-pixels near the centre,
          // 6 x 6 further out (the profile is smooth there).
          const int s = r < 1.5 ? 16 : 6;
          for (int j = 0; j < s; ++j)
            for (int i = 0; i < s; ++i)
              value += profile(std::hypot(dx + (i + 0.5) / s - 0.5, dy + (j + 0.5) / s - 0.5));
          value /= s * s;
        } else {
          value = profile(r);
        }
        const long wx = ((ix % nx) + nx) % nx, wy = ((iy % ny) + ny) % ny;
        kappa[static_cast<size_t>(wy * nx + wx)] += value;
      }
  }
}

HaloSky halo_model_sky(const HaloModel& model, const AngularSpectrum& total_cl, const FlatGrid& grid,
                       BackgroundField background, double lambda, std::uint64_t seed,
                       std::uint64_t field_stream, std::uint64_t halo_stream) {
  HaloSky sky;
  sky.background_cl.ell = total_cl.ell;
  const double max_theta = HaloModel::max_theta_arcmin(grid);
  const auto one_halo = model.one_halo_cl(total_cl.ell, max_theta);
  for (size_t l = 0; l < total_cl.ell.size(); ++l)
    sky.background_cl.cl.push_back(std::max(0.0, total_cl.cl[l] - one_halo[l]));
  sky.kappa = background == BackgroundField::lognormal
                  ? lognormal_field(sky.background_cl, grid, lambda, seed, field_stream)
                  : gaussian_field(sky.background_cl, grid, seed, field_stream);
  sky.haloes = model.draw(grid, seed, halo_stream);
  std::vector<double> haloes(sky.kappa.size(), 0.0);
  paste_haloes(haloes, grid, sky.haloes);
  const double mean = model.mean_kappa(max_theta);
  for (size_t i = 0; i < haloes.size(); ++i) sky.kappa[i] += haloes[i] - mean;
  return sky;
}

}  // namespace lofimap::pipeline
