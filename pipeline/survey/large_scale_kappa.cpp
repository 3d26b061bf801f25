#include "pipeline/survey/large_scale_kappa.hpp"

#include <healpix_base.h>
#include <pointing.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>

#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/sphere/sphere_binning.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"

namespace lofimap::pipeline {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
constexpr double kArcmin = kDeg / 60.0;

// HEALPix pixel side (sqrt of the pixel area) in arcmin.
double pixel_arcmin(long nside) {
  return std::sqrt(4 * std::numbers::pi / (12.0 * static_cast<double>(nside) * static_cast<double>(nside))) /
         kArcmin;
}

long smallest_nside(long at_least, double max_pixel_arcmin) {
  long nside = 16;
  while (nside < at_least || pixel_arcmin(nside) > max_pixel_arcmin) {
    if (nside >= 8192)
      throw std::invalid_argument("--margin: too small for the large-scale map (nside > 8192)");
    nside *= 2;
  }
  return nside;
}
}  // namespace

double LargeScaleKappa::sigma_arcmin_for_margin(double margin_deg) {
  return margin_deg * 60.0 / 4.0;
}

long LargeScaleKappa::analysis_nside(double sigma_arcmin) {
  const long lmax = static_cast<long>(std::ceil(4.3 / (sigma_arcmin * kArcmin)));
  return smallest_nside((lmax + 1) / 2, sigma_arcmin / 2);
}

long LargeScaleKappa::synthesis_nside(double sigma_arcmin) {
  return smallest_nside(16, sigma_arcmin / 4);
}

LargeScaleKappa LargeScaleKappa::from_galaxies(const RowSource& rows, double margin_deg,
                                               double smoothing_arcmin, double reach_deg,
                                               const distributed::Communicator& comm) {
  if (!(margin_deg > 0))
    throw std::invalid_argument("--margin: large scales from the sphere need a margin > 0");
  LargeScaleKappa out;
  out.sigma_arcmin_ = sigma_arcmin_for_margin(margin_deg);
  const long nside = analysis_nside(out.sigma_arcmin_);
  out.nside_ = synthesis_nside(out.sigma_arcmin_);
  SphereBinSums sums(nside);
  std::array<double, 2> dec_extent{-90.0, -90.0};  // (-lowest, highest) declination of any galaxy
  rows.for_each([&](const ShearCatalogue& chunk, long long) {
    sums.add(chunk);
    for (double dec : chunk.dec_deg)
      dec_extent = {std::max(dec_extent[0], -dec), std::max(dec_extent[1], dec)};
  });
  const SphereFieldPair binned = sums.finish_shear(comm);  // (Q, U) on the footprint's rings, on rank 0
  comm.allreduce_max(dec_extent.data(), dec_extent.size());
  SphereFieldPair kappa;
  if (comm.is_root()) {
    SphereKsOptions options;
    options.lmax = static_cast<int>(std::ceil(4.3 / (out.sigma_arcmin_ * kArcmin)));
    options.lmax = std::min(options.lmax, static_cast<int>(2 * nside));
    options.smoothing_arcmin = std::hypot(out.sigma_arcmin_, smoothing_arcmin);
    options.iterations = 3;
    options.output_nside = out.nside_;
    if (dec_extent[1] >= -dec_extent[0]) {  // some galaxy: the band from the northernmost to the southernmost
      options.band_theta_min = std::max(0.0, 90.0 - dec_extent[1] - reach_deg) * kDeg;
      options.band_theta_max = std::min(180.0, 90.0 + dec_extent[0] + reach_deg) * kDeg;
    }
    kappa = sphere_kaiser_squires(binned, options);
  }
  std::array<long long, 2> band{kappa.first_pixel, static_cast<long long>(kappa.a.size())};
  comm.broadcast(std::span<long long>(band));
  out.first_pixel_ = band[0];
  out.e_.resize(static_cast<size_t>(band[1]));
  out.b_.resize(static_cast<size_t>(band[1]));
  std::transform(kappa.a.begin(), kappa.a.end(), out.e_.begin(),
                 [](double v) { return static_cast<float>(v); });
  std::transform(kappa.b.begin(), kappa.b.end(), out.b_.begin(),
                 [](double v) { return static_cast<float>(v); });
  comm.broadcast(std::span<float>(out.e_));
  comm.broadcast(std::span<float>(out.b_));
  return out;
}

void LargeScaleKappa::at(double ra_deg, double dec_deg, double& e, double& b) const {
  const Healpix_Base2 base(nside_, RING, SET_NSIDE);
  fix_arr<int64, 4> pix;
  fix_arr<double, 4> wgt;
  base.get_interpol(pointing((90.0 - dec_deg) * kDeg, ra_deg * kDeg), pix, wgt);
  e = b = 0;
  for (size_t k = 0; k < 4; ++k) {
    const long long i = pix[k] - first_pixel_;
    if (i < 0 || i >= static_cast<long long>(e_.size()))
      throw std::logic_error("large-scale map read at RA " + std::to_string(ra_deg) + ", Dec " +
                             std::to_string(dec_deg) + ", outside its band of rings");
    e += wgt[k] * e_[static_cast<size_t>(i)];
    b += wgt[k] * b_[static_cast<size_t>(i)];
  }
}

void LargeScaleKappa::add_to_grid(const FlatGrid& grid, std::vector<double>& kappa_e,
                                  std::vector<double>& kappa_b) const {
  // The large-scale maps vary on scales of sigma: a lattice step of sigma / 8 holds bilinear interpolation's
  // error to about (1/8)^2 / 8 = 0.2% of their curvature term, at 1/64 of the HEALPix look-ups per pixel.
  const long step = std::max(1L, static_cast<long>(std::floor(sigma_arcmin_ / (8 * grid.pixel_arcmin))));
  const long lx = (grid.nx - 1) / step + 2,
             ly = (grid.ny - 1) / step + 2;  // lattice nodes past the last pixel
  std::vector<double> le(static_cast<size_t>(lx * ly)), lb(le.size());
  for (long j = 0; j < ly; ++j)
    for (long i = 0; i < lx; ++i) {
      double ra = 0, dec = 0;
      gnomonic_deproject(grid.centre, grid.x_of(i * step), grid.y_of(j * step), ra, dec);
      at(ra, dec, le[static_cast<size_t>(j * lx + i)], lb[static_cast<size_t>(j * lx + i)]);
    }
  for (long iy = 0; iy < grid.ny; ++iy) {
    const long j = iy / step;
    const double ty = static_cast<double>(iy - j * step) / static_cast<double>(step);
    for (long ix = 0; ix < grid.nx; ++ix) {
      const long i = ix / step;
      const double tx = static_cast<double>(ix - i * step) / static_cast<double>(step);
      auto lerp = [&](const std::vector<double>& m) {
        auto v = [&](long a, long c) { return m[static_cast<size_t>(c * lx + a)]; };
        return (1 - ty) * ((1 - tx) * v(i, j) + tx * v(i + 1, j)) +
               ty * ((1 - tx) * v(i, j + 1) + tx * v(i + 1, j + 1));
      };
      const size_t k = static_cast<size_t>(iy * grid.nx + ix);
      kappa_e[k] += lerp(le);
      kappa_b[k] += lerp(lb);
    }
  }
}

}  // namespace lofimap::pipeline
