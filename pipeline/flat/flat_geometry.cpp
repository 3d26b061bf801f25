#include "pipeline/flat/flat_geometry.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace lofimap::pipeline {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
}

PlaneXY gnomonic_project(const TangentPoint& c, double ra_deg, double dec_deg) {
  return GnomonicProjector(c)(ra_deg, dec_deg);
}

void gnomonic_deproject(const TangentPoint& c, double x_deg, double y_deg, double& ra_deg, double& dec_deg) {
  const double x = x_deg * kDeg, y = y_deg * kDeg, d0 = c.dec_deg * kDeg;
  const double rho = std::hypot(x, y);
  if (rho == 0) {
    ra_deg = c.ra_deg, dec_deg = c.dec_deg;
    return;
  }
  const double cc = std::atan(rho);
  const double dec = std::asin(std::cos(cc) * std::sin(d0) + y * std::sin(cc) * std::cos(d0) / rho);
  const double ra = c.ra_deg * kDeg + std::atan2(x * std::sin(cc), rho * std::cos(d0) * std::cos(cc) -
                                                                       y * std::sin(d0) * std::sin(cc));
  ra_deg = std::fmod(ra / kDeg + 720.0, 360.0);
  dec_deg = dec / kDeg;
}

void validate_patch(const FlatGrid& p) {
  if (!(p.pixel_arcmin > 0) || !std::isfinite(p.pixel_arcmin))
    throw std::invalid_argument("--pixel: pixel scale must be > 0 arcmin (got " +
                                std::to_string(p.pixel_arcmin) + ")");
  if (p.nx < 4 || p.ny < 4) throw std::invalid_argument("--npix: the grid needs at least 4 x 4 pixels");
  if (p.nx * p.ny > (1L << 31)) throw std::invalid_argument("--npix: grid larger than 2^31 pixels");
  if (!(std::abs(p.centre.dec_deg) <= 90)) throw std::invalid_argument("--center: Dec must lie in [-90, 90]");
  if (static_cast<double>(std::max(p.nx, p.ny)) * p.pixel_deg() > 60)
    throw std::invalid_argument(
        "--size: a flat patch wider than 60 deg is not a tangent-plane map; use --sphere");
}

FlatGrid patch_covering(const ShearCatalogue& g, double pixel_arcmin, long npix,
                        const distributed::Communicator& comm) {
  // RA centre: circular mean direction of RA, robust to the 0/360 wrap; Dec: middle of the range.
  double s[3] = {0, 0, 0};
  double ext[2] = {-90, -90};  // max dec, max (-dec)
  for (size_t i = 0; i < g.size(); ++i) {
    s[0] += std::cos(g.ra_deg[i] * kDeg);
    s[1] += std::sin(g.ra_deg[i] * kDeg);
    s[2] += 1;
    ext[0] = std::max(ext[0], g.dec_deg[i]);
    ext[1] = std::max(ext[1], -g.dec_deg[i]);
  }
  comm.allreduce_sum(s, 3);
  comm.allreduce_max(ext, 2);
  TangentPoint first_guess{std::fmod(std::atan2(s[1], s[0]) / kDeg + 360.0, 360.0), 0.5 * (ext[0] - ext[1])};
  // Then the centre of the projected bounding box, re-projected once (keeps the patch tight on both sides).
  auto extent = [&](const TangentPoint& c, double out[4]) {
    out[0] = out[1] = out[2] = out[3] = -1e30;  // max x, max -x, max y, max -y
    for (size_t i = 0; i < g.size(); ++i) {
      const auto p = gnomonic_project(c, g.ra_deg[i], g.dec_deg[i]);
      if (!p.valid) throw std::invalid_argument("catalogue spans more than a hemisphere: use --sphere");
      out[0] = std::max(out[0], p.x_deg), out[1] = std::max(out[1], -p.x_deg);
      out[2] = std::max(out[2], p.y_deg), out[3] = std::max(out[3], -p.y_deg);
    }
    comm.allreduce_max(out, 4);
  };
  double box[4];
  extent(first_guess, box);
  FlatGrid patch;
  gnomonic_deproject(first_guess, 0.5 * (box[0] - box[1]), 0.5 * (box[2] - box[3]), patch.centre.ra_deg,
                     patch.centre.dec_deg);
  extent(patch.centre, box);
  const double half_x = std::max(box[0], box[1]), half_y = std::max(box[2], box[3]);
  if (npix > 0) {
    patch.nx = patch.ny = npix;
    patch.pixel_arcmin = 2 * std::max(half_x, half_y) * 60.0 / static_cast<double>(npix) * (1 + 1e-9);
    if (!(patch.pixel_arcmin > 0)) throw std::invalid_argument("catalogue footprint has zero extent");
    return patch;
  }
  patch.pixel_arcmin = pixel_arcmin;
  patch.nx = std::max(4L, static_cast<long>(std::ceil(2 * half_x / patch.pixel_deg())) + 1);
  patch.ny = std::max(4L, static_cast<long>(std::ceil(2 * half_y / patch.pixel_deg())) + 1);
  return patch;
}

}  // namespace lofimap::pipeline
