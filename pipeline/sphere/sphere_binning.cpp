#include "pipeline/sphere/sphere_binning.hpp"

#include <healpix_base.h>
#include <pointing.h>

#include <algorithm>
#include <array>
#include <numbers>

#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/sphere/sphere_ring_band.hpp"

namespace lofimap::pipeline {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
}  // namespace

SphereBinSums::SphereBinSums(long nside) : nside_(nside) {
  validate_nside(nside);
}

void SphereBinSums::cover(long long first, long long end) {
  const long long old_end = first_ + static_cast<long long>(q_.size());
  if (!q_.empty() && first >= first_ && end <= old_end) return;
  const long long npix = 12LL * nside_ * nside_;
  long long lo = q_.empty() ? first : std::min(first, first_), hi = q_.empty() ? end : std::max(end, old_end);
  // A window that grows grows by a quarter more than asked, so a footprint that comes in strips is copied
  // rarely.
  if (!q_.empty()) {
    const long long slack = (hi - lo) / 4;
    lo = first < first_ ? std::max(0LL, lo - slack) : lo;
    hi = end > old_end ? std::min(npix, hi + slack) : hi;
  }
  for (auto* sums : {&q_, &u_, &weight_, &count_}) {
    std::vector<double> grown(static_cast<size_t>(hi - lo), 0.0);
    if (!sums->empty()) std::copy(sums->begin(), sums->end(), grown.begin() + (first_ - lo));
    *sums = std::move(grown);
  }
  first_ = lo;
}

void SphereBinSums::add(const ShearCatalogue& g) {
  if (g.size() == 0) return;
  const Healpix_Base2 base(nside_, RING, SET_NSIDE);
  pixels_.resize(g.size());
  for (size_t i = 0; i < g.size(); ++i)
    pixels_[i] = base.ang2pix(pointing((90.0 - g.dec_deg[i]) * kDeg, g.ra_deg[i] * kDeg));
  const auto [lo, hi] = std::minmax_element(pixels_.begin(), pixels_.end());
  cover(*lo, *hi + 1);
  for (size_t i = 0; i < g.size(); ++i) {
    const size_t k = static_cast<size_t>(pixels_[i] - first_);
    const double w = g.weight[i];
    q_[k] -= w * g.g1[i];  // HEALPix (Q, U) = -(g1, g2)
    u_[k] -= w * g.g2[i];
    weight_[k] += w;
    count_[k] += 1;
  }
}

void SphereBinSums::reduce(const distributed::Communicator& comm) {
  // Every rank's window grows to the union of all windows; the sums are reduced over it alone.
  const long long npix = 12LL * nside_ * nside_;
  std::array<double, 2> extent{q_.empty() ? -static_cast<double>(npix) : -static_cast<double>(first_),
                               static_cast<double>(first_ + static_cast<long long>(q_.size()))};
  comm.allreduce_max(extent.data(), extent.size());
  const long long first = static_cast<long long>(-extent[0]), end = static_cast<long long>(extent[1]);
  if (end <= first) return;  // no galaxy on any rank
  cover(first, end);
  if (q_.size() != static_cast<size_t>(end - first)) {  // grown with slack: trimmed to the union
    for (auto* sums : {&q_, &u_, &weight_, &count_})
      *sums = std::vector<double>(sums->begin() + (first - first_), sums->begin() + (end - first_));
    first_ = first;
  }
  for (auto* sums : {&q_, &u_, &weight_, &count_}) comm.reduce_sum_to_root(sums->data(), sums->size());
  for (size_t k = 0; k < q_.size(); ++k)
    if (weight_[k] > 0) q_[k] /= weight_[k], u_[k] /= weight_[k];
}

SphereShearMaps SphereBinSums::finish(const distributed::Communicator& comm) {
  reduce(comm);
  SphereShearMaps maps;
  maps.nside = nside_;
  if (!comm.is_root()) return maps;
  auto full_sky = [&](const std::vector<double>& window) {
    std::vector<double> map(static_cast<size_t>(12LL * nside_ * nside_), 0.0);
    std::copy(window.begin(), window.end(), map.begin() + first_);
    return map;
  };
  maps.q = full_sky(q_), maps.u = full_sky(u_), maps.weight = full_sky(weight_),
  maps.count = full_sky(count_);
  q_ = u_ = weight_ = count_ = {};
  return maps;
}

SphereFieldPair SphereBinSums::finish_shear(const distributed::Communicator& comm) {
  reduce(comm);
  SphereFieldPair band_qu;
  band_qu.nside = nside_;
  if (!comm.is_root()) return band_qu;
  const RingBand band = q_.empty()
                            ? RingBand::of_pixels(nside_, 0, 1)
                            : RingBand::of_pixels(nside_, first_, first_ + static_cast<long long>(q_.size()));
  band_qu.first_pixel = band.first_pixel;
  auto whole_rings = [&](const std::vector<double>& window) {
    std::vector<double> map(static_cast<size_t>(band.pixels), 0.0);
    std::copy(window.begin(), window.end(), map.begin() + (first_ - band.first_pixel));
    return map;
  };
  band_qu.a = whole_rings(q_), band_qu.b = whole_rings(u_);
  q_ = u_ = weight_ = count_ = {};
  return band_qu;
}

SphereShearMaps bin_sphere(const ShearCatalogue& g, long nside, const distributed::Communicator& comm) {
  SphereBinSums sums(nside);
  sums.add(g);
  return sums.finish(comm);
}

}  // namespace lofimap::pipeline
