#include "pipeline/flat/footprint_mask.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace lofimap::pipeline {

namespace {

constexpr double kFar = 1e20;

// Squared Euclidean distance transform along one line (Felzenszwalb & Huttenlocher 2012): d[i] = min_j
// (f[j] + (i - j)^2). v, z: work arrays of n and n + 1.
void distance_line(const double* f, double* d, long n, std::vector<long>& v, std::vector<double>& z) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  // Lower envelope of the parabolas (i - q)^2 + f[q]: v holds their vertices, z the boundaries between them.
  // A "far" f of 1e20 keeps every intersection finite, and s > z[0] = -inf always holds.
  const auto cross = [&](long q, long p) {
    return ((f[q] + static_cast<double>(q * q)) - (f[p] + static_cast<double>(p * p))) /
           (2.0 * static_cast<double>(q - p));
  };
  size_t k = 0;
  v[0] = 0;
  z[0] = -inf, z[1] = inf;
  for (long q = 1; q < n; ++q) {
    double s = cross(q, v[k]);
    while (s <= z[k]) s = cross(q, v[--k]);
    ++k;
    v[k] = q, z[k] = s, z[k + 1] = inf;
  }
  k = 0;
  for (long q = 0; q < n; ++q) {
    while (z[k + 1] < static_cast<double>(q)) ++k;
    d[q] = static_cast<double>((q - v[k]) * (q - v[k])) + f[v[k]];
  }
}

// Squared distance (in pixels) from every pixel to the nearest pixel where `source` is true.
std::vector<double> squared_distance(const std::vector<char>& source, long nx, long ny) {
  const size_t nn = static_cast<size_t>(nx * ny);
  std::vector<double> f(nn), d(nn);
  for (size_t i = 0; i < nn; ++i) f[i] = source[i] ? 0.0 : kFar;
  const long n = std::max(nx, ny);
  std::vector<long> v(static_cast<size_t>(n));
  std::vector<double> z(static_cast<size_t>(n) + 1), line(static_cast<size_t>(n)),
      out(static_cast<size_t>(n));
  for (long iy = 0; iy < ny; ++iy)
    distance_line(&f[static_cast<size_t>(iy * nx)], &d[static_cast<size_t>(iy * nx)], nx, v, z);
  for (long ix = 0; ix < nx; ++ix) {
    for (long iy = 0; iy < ny; ++iy) line[static_cast<size_t>(iy)] = d[static_cast<size_t>(iy * nx + ix)];
    distance_line(line.data(), out.data(), ny, v, z);
    for (long iy = 0; iy < ny; ++iy) d[static_cast<size_t>(iy * nx + ix)] = out[static_cast<size_t>(iy)];
  }
  return d;
}

}  // namespace

double footprint_closing_radius(const std::vector<double>& counts, const FlatGrid& grid) {
  double galaxies = 0;
  long occupied = 0;
  for (double c : counts)
    if (c > 0) galaxies += c, ++occupied;
  double radius_pix = 1.5;
  if (occupied == 0) return radius_pix;
  const double m = galaxies / static_cast<double>(occupied);
  // Solve lambda / (1 - exp(-lambda)) = m by bisection (the left side rises from 1 at lambda = 0).
  double lo = 0, hi = std::max(1.0, m);
  for (int it = 0; it < 100; ++it) {
    const double mid = 0.5 * (lo + hi);
    const double g = mid < 1e-12 ? 1.0 : mid / (1 - std::exp(-mid));
    (g < m ? lo : hi) = mid;
  }
  const double lambda = 0.5 * (lo + hi);
  if (lambda > 0) {
    const double per_pixel_radius = std::sqrt(5.0 / (std::numbers::pi * lambda));  // pixels
    radius_pix = std::max(radius_pix, per_pixel_radius);
  } else {
    radius_pix = kFar;
  }
  return std::min(radius_pix, 5.0 / grid.pixel_arcmin);
}

std::vector<double> footprint_mask(const std::vector<double>& counts, const FlatGrid& grid) {
  const long nx = grid.nx, ny = grid.ny;
  const size_t nn = static_cast<size_t>(nx * ny);
  const double r = footprint_closing_radius(counts, grid), r2 = r * r;
  std::vector<char> occupied(nn);
  for (size_t i = 0; i < nn; ++i) occupied[i] = counts[i] > 0;
  const auto to_occupied = squared_distance(occupied, nx, ny);
  // Erosion: a dilated pixel stays when no pixel outside the dilation (on the grid) lies within r. The grid
  // is padded by r on every side with "inside", so the border does not erode.
  const long pad = static_cast<long>(std::ceil(r)) + 1;
  const long px = nx + 2 * pad, py = ny + 2 * pad;
  std::vector<char> outside(static_cast<size_t>(px * py), 0);
  bool any_outside = false;
  for (long iy = 0; iy < ny; ++iy)
    for (long ix = 0; ix < nx; ++ix) {
      const bool out = to_occupied[static_cast<size_t>(iy * nx + ix)] > r2;
      outside[static_cast<size_t>((iy + pad) * px + ix + pad)] = out;
      any_outside |= out;
    }
  std::vector<double> mask(nn, 1.0);
  if (!any_outside) return mask;
  const auto to_outside = squared_distance(outside, px, py);
  for (long iy = 0; iy < ny; ++iy)
    for (long ix = 0; ix < nx; ++ix)
      mask[static_cast<size_t>(iy * nx + ix)] =
          to_outside[static_cast<size_t>((iy + pad) * px + ix + pad)] > r2 ? 1.0 : 0.0;
  return mask;
}

std::vector<double> resample_mask(const std::vector<double>& mask, const FlatGrid& from, const FlatGrid& to) {
  std::vector<double> out(static_cast<size_t>(to.nx * to.ny), 0.0);
  for (long iy = 0; iy < to.ny; ++iy)
    for (long ix = 0; ix < to.nx; ++ix) {
      long fx = 0, fy = 0;
      if (from.pixel_of(to.x_of(ix), to.y_of(iy), fx, fy))
        out[static_cast<size_t>(iy * to.nx + ix)] = mask[static_cast<size_t>(fy * from.nx + fx)];
    }
  return out;
}

}  // namespace lofimap::pipeline
