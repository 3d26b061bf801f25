#include "pipeline/survey/large_scale_kappa.hpp"

#include <healpix_base.h>
#include <pointing.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <span>
#include <stdexcept>

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
                                               double smoothing_arcmin,
                                               const distributed::Communicator& comm) {
  if (!(margin_deg > 0))
    throw std::invalid_argument("--margin: large scales from the sphere need a margin > 0");
  LargeScaleKappa out;
  out.sigma_arcmin_ = sigma_arcmin_for_margin(margin_deg);
  const long nside = analysis_nside(out.sigma_arcmin_);
  out.nside_ = synthesis_nside(out.sigma_arcmin_);
  SphereBinSums sums(nside);
  rows.for_each([&](const ShearCatalogue& chunk, long long) { sums.add(chunk); });
  const SphereShearMaps binned = sums.finish(comm);  // sums on rank 0
  const size_t n = static_cast<size_t>(12 * out.nside_ * out.nside_);
  out.e_.assign(n, 0.0f);
  out.b_.assign(n, 0.0f);
  if (comm.is_root()) {
    SphereKsOptions options;
    options.lmax = static_cast<int>(std::ceil(4.3 / (out.sigma_arcmin_ * kArcmin)));
    options.lmax = std::min(options.lmax, static_cast<int>(2 * nside));
    options.smoothing_arcmin = std::hypot(out.sigma_arcmin_, smoothing_arcmin);
    options.iterations = 3;
    options.output_nside = out.nside_;
    const auto kappa = sphere_kaiser_squires(binned.q, binned.u, nside, options);
    std::transform(kappa.a.begin(), kappa.a.end(), out.e_.begin(),
                   [](double v) { return static_cast<float>(v); });
    std::transform(kappa.b.begin(), kappa.b.end(), out.b_.begin(),
                   [](double v) { return static_cast<float>(v); });
  }
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
    e += wgt[k] * e_[static_cast<size_t>(pix[k])];
    b += wgt[k] * b_[static_cast<size_t>(pix[k])];
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
