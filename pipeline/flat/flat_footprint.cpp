#include "pipeline/flat/flat_footprint.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <span>
#include <stdexcept>
#include <vector>

#include "pipeline/flat/flat_geometry.hpp"

namespace lofimap::pipeline {

namespace {

constexpr double kDeg = std::numbers::pi / 180.0;
constexpr double kLowQuantile = 0.005, kHighQuantile = 0.995;
constexpr double kMargin = 0.5;               // of the quantile box's width, on every side
constexpr double kMaxOutlierFraction = 0.01;  // more than this far out: the footprint is that wide
constexpr int kBins = 36000;                  // of the projected angle atan(x) over (-90, 90) deg: 0.005 deg

// The mean direction of the galaxies (a unit-vector sum: one far galaxy moves it by 1/N of the distance).
TangentPoint mean_direction(const ShearCatalogue& g, const distributed::Communicator& comm) {
  double v[3] = {0, 0, 0};
  for (size_t i = 0; i < g.size(); ++i) {
    const double ra = g.ra_deg[i] * kDeg, dec = g.dec_deg[i] * kDeg;
    v[0] += std::cos(dec) * std::cos(ra), v[1] += std::cos(dec) * std::sin(ra), v[2] += std::sin(dec);
  }
  comm.allreduce_sum(v, 3);
  const double norm = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  if (!(norm > 0)) throw std::invalid_argument("catalogue spans the whole sky: use --sphere");
  return {std::fmod(std::atan2(v[1], v[0]) / kDeg + 360.0, 360.0), std::asin(v[2] / norm) / kDeg};
}

// Galaxies inside the bulk of the footprint (see the header), as flags; counts are global.
std::vector<char> bulk_members(const ShearCatalogue& g, const distributed::Communicator& comm,
                               long long& outside, long long& total) {
  const TangentPoint centre = mean_direction(g, comm);
  const GnomonicProjector project(centre);
  auto bin_of = [](double plane_deg) {
    const double angle = std::atan(plane_deg * kDeg) / kDeg;  // (-90, 90): every valid galaxy has a bin
    return std::clamp(static_cast<int>((angle + 90.0) / 180.0 * kBins), 0, kBins - 1);
  };
  std::vector<long long> hist(2 * kBins + 1, 0);  // x bins, y bins, far hemisphere
  std::vector<int> bx(g.size(), -1), by(g.size(), -1);
  for (size_t i = 0; i < g.size(); ++i) {
    const auto p = project(g.ra_deg[i], g.dec_deg[i]);
    if (!p.valid) {
      ++hist[2 * kBins];
      continue;
    }
    bx[i] = bin_of(p.x_deg), by[i] = bin_of(p.y_deg);
    ++hist[static_cast<size_t>(bx[i])], ++hist[static_cast<size_t>(kBins + by[i])];
  }
  comm.allreduce_sum(hist.data(), hist.size());
  long long near = 0;
  for (int b = 0; b < kBins; ++b) near += hist[static_cast<size_t>(b)];
  total = near + hist[2 * kBins];
  // The quantile box of one axis, widened; in bins.
  auto allowed = [&](int axis, int& lo, int& hi) {
    const long long* h = hist.data() + axis * kBins;
    long long seen = 0;
    lo = -1, hi = kBins - 1;
    for (int b = 0; b < kBins; ++b) {
      seen += h[b];
      if (lo < 0 && seen > kLowQuantile * static_cast<double>(near)) lo = b;
      if (seen >= kHighQuantile * static_cast<double>(near)) {
        hi = b;
        break;
      }
    }
    const int widen = static_cast<int>(std::ceil(kMargin * (hi - lo + 1))) + 1;
    lo -= widen, hi += widen;
  };
  int x_lo = 0, x_hi = 0, y_lo = 0, y_hi = 0;
  if (near > 0) allowed(0, x_lo, x_hi), allowed(1, y_lo, y_hi);
  std::vector<char> member(g.size(), 0);
  long long out = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    member[i] = bx[i] >= x_lo && bx[i] <= x_hi && by[i] >= y_lo && by[i] <= y_hi && bx[i] >= 0;
    out += member[i] ? 0 : 1;
  }
  comm.allreduce_sum(&out, 1);
  outside = out;
  return member;
}

}  // namespace

FootprintPatch patch_covering(const ShearCatalogue& g, double pixel_arcmin, long npix,
                              const distributed::Communicator& comm) {
  FootprintPatch result;
  std::vector<char> member = bulk_members(g, comm, result.left_out, result.galaxies);
  if (static_cast<double>(result.left_out) > kMaxOutlierFraction * static_cast<double>(result.galaxies)) {
    std::fill(member.begin(), member.end(), 1);
    result.left_out = 0;
  }
  if (result.left_out > 0) {  // one example, from the lowest rank holding one
    double example[2] = {1e30, 1e30};
    for (size_t i = 0; i < g.size(); ++i)
      if (!member[i]) {
        example[0] = g.ra_deg[i], example[1] = g.dec_deg[i];
        break;
      }
    comm.allreduce(std::span<double>(example, 2),
                   distributed::ReduceOp::Min);  // rows may differ: an illustration
    char text[96];
    std::snprintf(text, sizeof text, "RA %.4f, Dec %.4f", example[0], example[1]);
    result.left_out_example = text;
  }

  // RA centre: circular mean direction of RA, robust to the 0/360 wrap; Dec: middle of the range.
  double s[3] = {0, 0, 0};
  double ext[2] = {-90, -90};  // max dec, max (-dec)
  for (size_t i = 0; i < g.size(); ++i) {
    if (!member[i]) continue;
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
      if (!member[i]) continue;
      const auto p = gnomonic_project(c, g.ra_deg[i], g.dec_deg[i]);
      if (!p.valid) throw std::invalid_argument("catalogue spans more than a hemisphere: use --sphere");
      out[0] = std::max(out[0], p.x_deg), out[1] = std::max(out[1], -p.x_deg);
      out[2] = std::max(out[2], p.y_deg), out[3] = std::max(out[3], -p.y_deg);
    }
    comm.allreduce_max(out, 4);
  };
  double box[4];
  extent(first_guess, box);
  FlatGrid& patch = result.grid;
  gnomonic_deproject(first_guess, 0.5 * (box[0] - box[1]), 0.5 * (box[2] - box[3]), patch.centre.ra_deg,
                     patch.centre.dec_deg);
  extent(patch.centre, box);
  const double half_x = std::max(box[0], box[1]), half_y = std::max(box[2], box[3]);
  if (npix > 0) {
    patch.nx = patch.ny = npix;
    patch.pixel_arcmin = 2 * std::max(half_x, half_y) * 60.0 / static_cast<double>(npix) * (1 + 1e-9);
    if (!(patch.pixel_arcmin > 0)) throw std::invalid_argument("catalogue footprint has zero extent");
    return result;
  }
  patch.pixel_arcmin = pixel_arcmin;
  patch.nx = std::max(4L, static_cast<long>(std::ceil(2 * half_x / patch.pixel_deg())) + 1);
  patch.ny = std::max(4L, static_cast<long>(std::ceil(2 * half_y / patch.pixel_deg())) + 1);
  return result;
}

}  // namespace lofimap::pipeline
