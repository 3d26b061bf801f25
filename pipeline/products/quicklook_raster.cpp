#include "pipeline/products/quicklook_raster.hpp"

#include <healpix_base.h>
#include <pointing.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace lofimap::pipeline {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
}  // namespace

QuicklookView flat_view(const std::vector<double>& map, const FlatGrid& patch) {
  QuicklookView v;
  v.raster.width = patch.nx;
  v.raster.height = patch.ny;
  v.raster.values.resize(static_cast<size_t>(patch.nx * patch.ny));
  for (long row = 0; row < patch.ny; ++row)
    for (long col = 0; col < patch.nx; ++col) {
      const long iy = patch.ny - 1 - row, ix = patch.nx - 1 - col;  // North up, East left
      v.raster.values[static_cast<size_t>(row * patch.nx + col)] =
          static_cast<float>(map[static_cast<size_t>(iy * patch.nx + ix)]);
    }
  // Axes in RA and Dec: the values at the edges along the central row and column (the TAN projection's
  // lines of constant RA and Dec curve away from them by (side/2)^2 tan(Dec)/2 at the corners, under a
  // pixel for patches of a few degrees).
  const double hx = 0.5 * static_cast<double>(patch.nx) * patch.pixel_deg();
  const double hy = 0.5 * static_cast<double>(patch.ny) * patch.pixel_deg();
  double ra_left = 0, ra_right = 0, dec_bottom = 0, dec_top = 0, unused = 0;
  gnomonic_deproject(patch.centre, hx, 0, ra_left, unused);
  gnomonic_deproject(patch.centre, -hx, 0, ra_right, unused);
  gnomonic_deproject(patch.centre, 0, -hy, unused, dec_bottom);
  gnomonic_deproject(patch.centre, 0, hy, unused, dec_top);
  // RA continuous across 0/360 (left is East, the larger RA).
  if (ra_left < ra_right) ra_left += 360;
  v.style.x_left = ra_left, v.style.x_right = ra_right, v.style.y_bottom = dec_bottom,
  v.style.y_top = dec_top;
  char label[128];
  std::snprintf(label, sizeof label, "RA [deg] (East left; along Dec %.3f°)", patch.centre.dec_deg);
  v.style.x_label = label;
  std::snprintf(label, sizeof label, "Dec [deg] (along RA %.3f°)", patch.centre.ra_deg);
  v.style.y_label = label;
  return v;
}

namespace {

// A HEALPix map's picture: `for_each_seen(f)` calls f(p) for every observed pixel p of `base`, `value_at(p)`
// gives a pixel's value (NaN where unobserved). Footprints under 10% of the sky get a gnomonic view about
// their mean direction, larger ones a Mollweide view.
template <typename ForEach, typename ValueAt>
QuicklookView draw_sphere(const Healpix_Base2& base, const ForEach& for_each_seen, const ValueAt& value_at) {
  QuicklookView v;
  vec3 sum(0, 0, 0);
  long long observed = 0;
  for_each_seen([&](long long p) { sum += base.pix2vec(p), ++observed; });
  const double fsky = static_cast<double>(observed) / static_cast<double>(base.Npix());
  if (observed > 0 && fsky < 0.1 && sum.Length() > 0) {
    const pointing centre(sum);
    double radius = 0;
    const vec3 c = sum.Norm();
    for_each_seen([&](long long p) {
      radius = std::max(radius, std::acos(std::min(1.0, dotprod(c, base.pix2vec(p)))));
    });
    radius = std::min(radius * 1.05 + base.max_pixrad(), 40 * kDeg);
    const double half = std::tan(radius) / kDeg;  // tangent-plane half width in degrees
    const long n = 600;
    v.raster.width = v.raster.height = n;
    v.raster.values.assign(static_cast<size_t>(n * n), kNaN);
    const TangentPoint tp{centre.phi / kDeg, 90.0 - centre.theta / kDeg};
    for (long row = 0; row < n; ++row)
      for (long col = 0; col < n; ++col) {
        const double x =
            half * (1 - 2 * (static_cast<double>(col) + 0.5) / static_cast<double>(n));  // East left
        const double y = half * (1 - 2 * (static_cast<double>(row) + 0.5) / static_cast<double>(n));
        double ra = 0, dec = 0;
        gnomonic_deproject(tp, x, y, ra, dec);
        v.raster.values[static_cast<size_t>(row * n + col)] =
            static_cast<float>(value_at(base.ang2pix(pointing((90 - dec) * kDeg, ra * kDeg))));
      }
    v.style.x_left = half, v.style.x_right = -half, v.style.y_bottom = -half, v.style.y_top = half;
    char label[128];
    std::snprintf(label, sizeof label, "x [deg], East left (gnomonic about RA %.2f°)", tp.ra_deg);
    v.style.x_label = label;
    std::snprintf(label, sizeof label, "y [deg], North up (about Dec %.2f°)", tp.dec_deg);
    v.style.y_label = label;
    return v;
  }
  // Mollweide, RA = 0 at the centre, RA increasing to the left (as seen from inside the sphere).
  const long w = 800, h = 400;
  v.raster.width = w, v.raster.height = h;
  v.raster.values.assign(static_cast<size_t>(w * h), kNaN);
  const double s2 = std::sqrt(2.0);
  for (long row = 0; row < h; ++row)
    for (long col = 0; col < w; ++col) {
      const double x = 2 * s2 * (1 - 2 * (static_cast<double>(col) + 0.5) / static_cast<double>(w));
      const double y = s2 * (1 - 2 * (static_cast<double>(row) + 0.5) / static_cast<double>(h));
      if (x * x / 8 + y * y / 2 > 1) continue;
      const double t = std::asin(y / s2);
      const double lat = std::asin((2 * t + std::sin(2 * t)) / std::numbers::pi);
      double lon = std::numbers::pi * x / (2 * s2 * std::cos(t));
      if (lon < 0) lon += 2 * std::numbers::pi;
      v.raster.values[static_cast<size_t>(row * w + col)] =
          static_cast<float>(value_at(base.ang2pix(pointing(std::numbers::pi / 2 - lat, lon))));
    }
  v.style.has_axes = false;
  v.style.x_label = "Mollweide, RA 0° at the centre, East left";
  return v;
}

}  // namespace

QuicklookView sphere_view(const std::vector<double>& map, const std::vector<double>& weight, long nside) {
  const Healpix_Base2 base(nside, RING, SET_NSIDE);
  auto seen = [&](long long p) { return weight.empty() || weight[static_cast<size_t>(p)] > 0; };
  return draw_sphere(
      base,
      [&](const auto& f) {
        for (long long p = 0; p < base.Npix(); ++p)
          if (seen(p)) f(p);
      },
      [&](long long p) {
        return seen(p) ? map[static_cast<size_t>(p)] : std::numeric_limits<double>::quiet_NaN();
      });
}

QuicklookView sphere_partial_view(std::vector<std::pair<long long, float>> pixel_values, long nside,
                                  bool nested) {
  const Healpix_Base2 base(nside, nested ? NEST : RING, SET_NSIDE);
  std::sort(pixel_values.begin(), pixel_values.end());
  return draw_sphere(
      base,
      [&](const auto& f) {
        for (const auto& [p, value] : pixel_values) f(p);
      },
      [&](long long p) {
        const auto it = std::lower_bound(pixel_values.begin(), pixel_values.end(),
                                         std::make_pair(p, -std::numeric_limits<float>::infinity()));
        return it != pixel_values.end() && it->first == p && std::isfinite(it->second)
                   ? static_cast<double>(it->second)
                   : std::numeric_limits<double>::quiet_NaN();
      });
}

}  // namespace lofimap::pipeline
