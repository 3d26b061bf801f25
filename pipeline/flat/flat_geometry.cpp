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

}  // namespace lofimap::pipeline
