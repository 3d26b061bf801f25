#include "pipeline/sphere/sphere_binning.hpp"

#include <healpix_base.h>
#include <pointing.h>

#include <numbers>

#include "pipeline/sphere/sphere_geometry.hpp"

namespace lofimap::pipeline {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
}  // namespace

SphereBinSums::SphereBinSums(long nside) : nside_(nside) {
  validate_nside(nside);
  sums_.assign(static_cast<size_t>(4 * 12 * nside * nside), 0.0);
}

void SphereBinSums::add(const ShearCatalogue& g) {
  const Healpix_Base2 base(nside_, RING, SET_NSIDE);
  const size_t n = static_cast<size_t>(base.Npix());
  double* sums = sums_.data();
  for (size_t i = 0; i < g.size(); ++i) {
    const size_t k =
        static_cast<size_t>(base.ang2pix(pointing((90.0 - g.dec_deg[i]) * kDeg, g.ra_deg[i] * kDeg)));
    const double w = g.weight[i];
    sums[k] -= w * g.g1[i];  // HEALPix (Q, U) = -(g1, g2)
    sums[n + k] -= w * g.g2[i];
    sums[2 * n + k] += w;
    sums[3 * n + k] += 1;
  }
}

SphereShearMaps SphereBinSums::finish(const distributed::Communicator& comm) {
  const size_t n = sums_.size() / 4;
  comm.reduce_sum_to_root(sums_.data(), sums_.size());
  SphereShearMaps maps;
  maps.nside = nside_;
  maps.q.assign(sums_.begin(), sums_.begin() + static_cast<long>(n));
  maps.u.assign(sums_.begin() + static_cast<long>(n), sums_.begin() + static_cast<long>(2 * n));
  maps.weight.assign(sums_.begin() + static_cast<long>(2 * n), sums_.begin() + static_cast<long>(3 * n));
  maps.count.assign(sums_.begin() + static_cast<long>(3 * n), sums_.end());
  sums_ = {};
  for (size_t k = 0; k < n; ++k)
    if (maps.weight[k] > 0) maps.q[k] /= maps.weight[k], maps.u[k] /= maps.weight[k];
  return maps;
}

SphereShearMaps bin_sphere(const ShearCatalogue& g, long nside, const distributed::Communicator& comm) {
  SphereBinSums sums(nside);
  sums.add(g);
  return sums.finish(comm);
}

}  // namespace lofimap::pipeline
