#include "pipeline/sphere/sphere_binning.hpp"

#include <healpix_base.h>
#include <pointing.h>

#include <numbers>

#include "pipeline/sphere/sphere_geometry.hpp"

namespace lofimap::pipeline {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
}  // namespace

SphereShearMaps bin_sphere(const ShearCatalogue& g, long nside, const distributed::Communicator& comm) {
  validate_nside(nside);
  const Healpix_Base2 base(nside, RING, SET_NSIDE);
  const size_t n = static_cast<size_t>(base.Npix());
  std::vector<double> sums(4 * n, 0.0);
  for (size_t i = 0; i < g.size(); ++i) {
    const size_t k =
        static_cast<size_t>(base.ang2pix(pointing((90.0 - g.dec_deg[i]) * kDeg, g.ra_deg[i] * kDeg)));
    const double w = g.weight[i];
    sums[k] -= w * g.g1[i];  // HEALPix (Q, U) = -(g1, g2)
    sums[n + k] -= w * g.g2[i];
    sums[2 * n + k] += w;
    sums[3 * n + k] += 1;
  }
  comm.reduce_sum_to_root(sums.data(), sums.size());
  SphereShearMaps maps;
  maps.nside = nside;
  maps.q.assign(sums.begin(), sums.begin() + static_cast<long>(n));
  maps.u.assign(sums.begin() + static_cast<long>(n), sums.begin() + static_cast<long>(2 * n));
  maps.weight.assign(sums.begin() + static_cast<long>(2 * n), sums.begin() + static_cast<long>(3 * n));
  maps.count.assign(sums.begin() + static_cast<long>(3 * n), sums.end());
  for (size_t k = 0; k < n; ++k)
    if (maps.weight[k] > 0) maps.q[k] /= maps.weight[k], maps.u[k] /= maps.weight[k];
  return maps;
}

}  // namespace lofimap::pipeline
