#include "pipeline/simulate/footprint_sampling.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "pipeline/catalogue/catalogue_loader.hpp"
#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/simulate/galaxy_sampling.hpp"

namespace lofimap::pipeline {

FootprintCatalogue load_footprint(const std::string& path, const std::string& preset) {
  CatalogueOptions options;
  options.inputs = {path};
  options.preset = preset;
  // Every rank needs every galaxy: read with a communicator of one.
  const auto loaded = load_catalogue(options, distributed::Communicator::self());
  const auto& g = loaded.galaxies;
  if (g.size() < 100)
    throw std::invalid_argument("--footprint: " + path + " holds " + std::to_string(g.size()) +
                                " valid galaxies; a footprint needs at least 100");
  // Mean direction of the galaxies: the tangent point.
  double sx = 0, sy = 0, sz = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const double ra = g.ra_deg[i] * std::numbers::pi / 180, dec = g.dec_deg[i] * std::numbers::pi / 180;
    sx += std::cos(dec) * std::cos(ra), sy += std::cos(dec) * std::sin(ra), sz += std::sin(dec);
  }
  const double norm = std::sqrt(sx * sx + sy * sy + sz * sz);
  if (!(norm > 0.5 * static_cast<double>(g.size())))
    throw std::invalid_argument("--footprint: " + path + " spans too much of the sky for a flat footprint");
  const TangentPoint centre{std::atan2(sy, sx) * 180 / std::numbers::pi,
                            std::asin(sz / norm) * 180 / std::numbers::pi};
  FootprintCatalogue f;
  f.path = path;
  double sum_w = 0, sum_we2 = 0;
  f.x_min = f.y_min = 1e300, f.x_max = f.y_max = -1e300;
  for (size_t i = 0; i < g.size(); ++i) {
    const auto p = gnomonic_project(centre, g.ra_deg[i], g.dec_deg[i]);
    const double x = p.x_deg * 60, y = p.y_deg * 60;
    f.x_arcmin.push_back(x), f.y_arcmin.push_back(y);
    f.e1.push_back(g.g1[i]), f.e2.push_back(g.g2[i]), f.weight.push_back(g.weight[i]);
    f.x_min = std::min(f.x_min, x), f.x_max = std::max(f.x_max, x);
    f.y_min = std::min(f.y_min, y), f.y_max = std::max(f.y_max, y);
    sum_w += g.weight[i], sum_we2 += g.weight[i] * (g.g1[i] * g.g1[i] + g.g2[i] * g.g2[i]) / 2;
  }
  f.sigma_e = std::sqrt(sum_we2 / sum_w);
  return f;
}

FootprintObservation observe_through_footprint(const FootprintCatalogue& f, const FlatGrid& grid,
                                               const std::vector<double>& shear1,
                                               const std::vector<double>& shear2,
                                               const std::vector<double>& kappa, bool reduced,
                                               const std::vector<unsigned char>& survey, RandomStream& rng) {
  const long n = grid.nx;
  const size_t nn = static_cast<size_t>(n * n);
  const double side = static_cast<double>(n) * grid.pixel_arcmin;
  // One of the 8 symmetries of the square (swap axes, flip x, flip y), then the cut-out's lower-left corner
  // in the transformed footprint: uniform where the footprint is wider than the grid, centred where not.
  const auto symmetry = rng.next() % 8;
  const bool swap = symmetry & 1, flip_x = symmetry & 2, flip_y = symmetry & 4;
  auto transform = [&](double x, double y, double& u, double& v) {
    if (swap) std::swap(x, y);
    u = flip_x ? -x : x;
    v = flip_y ? -y : y;
  };
  double u_min = 1e300, u_max = -1e300, v_min = 1e300, v_max = -1e300;
  for (double x : {f.x_min, f.x_max})
    for (double y : {f.y_min, f.y_max}) {
      double u, v;
      transform(x, y, u, v);
      u_min = std::min(u_min, u), u_max = std::max(u_max, u), v_min = std::min(v_min, v),
      v_max = std::max(v_max, v);
    }
  const auto corner = [&](double lo, double hi) {
    const double extent = hi - lo;
    return extent > side ? lo + rng.uniform() * (extent - side) : 0.5 * (lo + hi) - 0.5 * side;
  };
  const double u0 = corner(u_min, u_max), v0 = corner(v_min, v_max);

  FootprintObservation out;
  std::vector<double> sum_w(nn, 0.0), sum_w2(nn, 0.0);
  out.g1.assign(nn, 0.0), out.g2.assign(nn, 0.0), out.counts.assign(nn, 0.0);
  for (size_t i = 0; i < f.x_arcmin.size(); ++i) {
    double u, v;
    transform(f.x_arcmin[i], f.y_arcmin[i], u, v);
    const double fx = (u - u0) / grid.pixel_arcmin, fy = (v - v0) / grid.pixel_arcmin;
    const double angle = rng.uniform() * std::numbers::pi;  // drawn for every galaxy: streams stay aligned
    if (!(fx >= 0 && fy >= 0 && fx < static_cast<double>(n) && fy < static_cast<double>(n))) continue;
    const auto p = static_cast<size_t>(static_cast<long>(fy) * n + static_cast<long>(fx));
    if (!survey[p]) continue;
    double s1 = shear1[p], s2 = shear2[p];
    if (reduced) observed_reduced_shear(kappa[p], shear1[p], shear2[p], s1, s2);
    const double c = std::cos(2 * angle), s = std::sin(2 * angle);
    const double e1 = f.e1[i] * c - f.e2[i] * s, e2 = f.e1[i] * s + f.e2[i] * c;
    const double w = f.weight[i];
    out.g1[p] += w * (s1 + e1), out.g2[p] += w * (s2 + e2);
    sum_w[p] += w, sum_w2[p] += w * w;
    ++out.galaxies;
  }
  long occupied = 0;
  for (size_t p = 0; p < nn; ++p)
    if (sum_w[p] > 0) {
      out.g1[p] /= sum_w[p], out.g2[p] /= sum_w[p];
      out.counts[p] = sum_w[p] * sum_w[p] / sum_w2[p];
      ++occupied;
    }
  out.n_gal = occupied > 0 ? static_cast<double>(out.galaxies) /
                                 (static_cast<double>(occupied) * grid.pixel_arcmin * grid.pixel_arcmin)
                           : 0;
  return out;
}

}  // namespace lofimap::pipeline
