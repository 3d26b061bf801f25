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

double gnomonic_frame_angle(const TangentPoint& c, double ra_deg, double dec_deg) {
  // Derivatives of x = cos d sin a / cos_c and y = (cos d0 sin d - sin d0 cos d cos a) / cos_c (a = ra - ra0)
  // along East (d/da / cos d) and North (d/dd), each times cos_c^2 (a common positive factor: the angle is
  // unchanged). Exact and finite at the poles.
  const double a = (ra_deg - c.ra_deg) * kDeg, d = dec_deg * kDeg, d0 = c.dec_deg * kDeg;
  const double sa = std::sin(a), ca = std::cos(a), sd = std::sin(d), cd = std::cos(d);
  const double sd0 = std::sin(d0), cd0 = std::cos(d0);
  const double cos_c = sd0 * sd + cd0 * cd * ca;
  const double y_num = cd0 * sd - sd0 * cd * ca;
  const double dcos_c_dd = sd0 * cd - cd0 * sd * ca;
  const double x_east = ca * cos_c + sa * sa * cd0 * cd;
  const double y_east = sd0 * sa * cos_c + y_num * cd0 * sa;
  const double x_north = -sd * sa * cos_c - cd * sa * dcos_c_dd;
  const double y_north = (cd0 * cd + sd0 * sd * ca) * cos_c - y_num * dcos_c_dd;
  // J = [[x_east, x_north], [y_east, y_north]]; its polar rotation turns +x towards +y by
  // atan2(y_east - x_north, x_east + y_north), and psi is measured the other way round.
  return std::atan2(x_north - y_east, x_east + y_north);
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
