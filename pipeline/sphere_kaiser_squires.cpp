#include "pipeline/sphere_kaiser_squires.hpp"

#include "pipeline/flat_geometry.hpp"

#include <alm.h>
#include <alm_healpix_tools.h>
#include <error_handling.h>
#include <healpix_base.h>
#include <healpix_map.h>
#include <pointing.h>
#include <rangeset.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace lofimap::pipeline {

namespace {

constexpr double kDeg = std::numbers::pi / 180.0;
using AlmC = Alm<xcomplex<double>>;

Healpix_Map<double> to_map(const std::vector<double>& v, long nside) {
  Healpix_Map<double> m(static_cast<int>(nside), RING, SET_NSIDE);
  if (static_cast<long long>(v.size()) != m.Npix())
    throw std::invalid_argument("HEALPix map has " + std::to_string(v.size()) + " values, expected 12*nside^2");
  for (size_t i = 0; i < v.size(); ++i) m[static_cast<int>(i)] = v[i];
  return m;
}

std::vector<double> from_map(const Healpix_Map<double>& m) {
  std::vector<double> v(static_cast<size_t>(m.Npix()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = m[static_cast<int>(i)];
  return v;
}

// Spin-2 map2alm with `iterations` Jacobi refinements (alm += map2alm(map - alm2map(alm))), as healpy's iter.
void spin2_analysis(const Healpix_Map<double>& q, const Healpix_Map<double>& u, AlmC& e, AlmC& b, int iterations) {
  const arr<double> weight(static_cast<size_t>(2 * q.Nside()), 1.0);
  map2alm_spin(q, u, e, b, 2, weight, false);
  Healpix_Map<double> rq(q.Nside(), RING, SET_NSIDE), ru(q.Nside(), RING, SET_NSIDE);
  for (int it = 0; it < iterations; ++it) {
    alm2map_spin(e, b, rq, ru, 2);
    for (int i = 0; i < q.Npix(); ++i) {
      rq[i] = q[i] - rq[i];
      ru[i] = u[i] - ru[i];
    }
    map2alm_spin(rq, ru, e, b, 2, weight, true);
  }
}

template <typename F>
auto healpix_guard(const char* what, F&& f) {
  try {
    return f();
  } catch (const PlanckError& e) {
    throw std::runtime_error(std::string("HEALPix ") + what + ": " + e.what());
  }
}

}  // namespace

void validate_nside(long nside) {
  if (nside < 1 || nside > 8192 || (nside & (nside - 1)) != 0)
    throw std::invalid_argument("--nside: must be a power of two between 1 and 8192 (got " + std::to_string(nside) +
                                ")");
}

long long sphere_ang2pix(long nside, double ra_deg, double dec_deg) {
  Healpix_Base2 base(nside, RING, SET_NSIDE);
  return base.ang2pix(pointing((90.0 - dec_deg) * kDeg, ra_deg * kDeg));
}

void sphere_pix2ang(long nside, long long pixel, double& ra_deg, double& dec_deg) {
  Healpix_Base2 base(nside, RING, SET_NSIDE);
  const pointing p = base.pix2ang(pixel);
  ra_deg = p.phi / kDeg;
  dec_deg = 90.0 - p.theta / kDeg;
}

std::vector<long long> sphere_pixels_in_patch(long nside, const FlatPatch& patch) {
  validate_nside(nside);
  const Healpix_Base2 base(nside, RING, SET_NSIDE);
  const double half_diag = 0.5 * std::hypot(static_cast<double>(patch.nx), static_cast<double>(patch.ny)) * patch.pixel_deg();
  const double radius = std::atan(half_diag * kDeg) + base.max_pixrad();
  rangeset<int64> ranges;
  base.query_disc(pointing((90.0 - patch.centre.dec_deg) * kDeg, patch.centre.ra_deg * kDeg), radius, ranges);
  std::vector<long long> out;
  const GnomonicProjector project(patch.centre);
  for (size_t r = 0; r < ranges.nranges(); ++r)
    for (int64 p = ranges.ivbegin(r); p < ranges.ivend(r); ++p) {
      const pointing c = base.pix2ang(p);
      const auto xy = project(c.phi / kDeg, 90.0 - c.theta / kDeg);
      long ix = 0, iy = 0;
      if (xy.valid && patch.pixel_of(xy.x_deg, xy.y_deg, ix, iy)) out.push_back(p);
    }
  return out;
}

SphereShearMaps bin_sphere(const ShearCatalogue& g, long nside, const distributed::Communicator& comm) {
  validate_nside(nside);
  const Healpix_Base2 base(nside, RING, SET_NSIDE);
  const size_t n = static_cast<size_t>(base.Npix());
  std::vector<double> sums(4 * n, 0.0);
  for (size_t i = 0; i < g.size(); ++i) {
    const size_t k = static_cast<size_t>(base.ang2pix(pointing((90.0 - g.dec_deg[i]) * kDeg, g.ra_deg[i] * kDeg)));
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

SphereFieldPair sphere_kaiser_squires(const std::vector<double>& q, const std::vector<double>& u, long nside,
                                      const SphereKsOptions& options) {
  validate_nside(nside);
  const int lmax = options.lmax > 0 ? options.lmax : static_cast<int>(2 * nside);
  if (lmax > 4 * nside) throw std::invalid_argument("--lmax: must be <= 4 * nside");
  if (options.iterations < 0 || options.iterations > 10)
    throw std::invalid_argument("--sht-iter: must be between 0 and 10");
  if (options.smoothing_arcmin < 0) throw std::invalid_argument("--smooth: must be >= 0 arcmin");
  return healpix_guard("spherical Kaiser-Squires", [&] {
    const Healpix_Map<double> mq = to_map(q, nside), mu = to_map(u, nside);
    AlmC e(lmax, lmax), b(lmax, lmax);
    spin2_analysis(mq, mu, e, b, options.iterations);
    const double sigma = options.smoothing_arcmin / 60.0 * kDeg;
    arr<double> factor(static_cast<size_t>(lmax + 1), 0.0);
    for (int l = 2; l <= lmax; ++l) {
      const double ll = static_cast<double>(l);
      factor[static_cast<size_t>(l)] =
          std::sqrt(ll * (ll + 1) / ((ll + 2) * (ll - 1))) * std::exp(-0.5 * ll * (ll + 1) * sigma * sigma);
    }
    e.ScaleL(factor);
    b.ScaleL(factor);
    Healpix_Map<double> ke(static_cast<int>(nside), RING, SET_NSIDE), kb(static_cast<int>(nside), RING, SET_NSIDE);
    alm2map(e, ke);
    alm2map(b, kb);
    return SphereFieldPair{nside, from_map(ke), from_map(kb)};
  });
}

SphereFieldPair sphere_shear_from_convergence(const std::vector<double>& kappa_e, const std::vector<double>& kappa_b,
                                              long nside, int lmax) {
  validate_nside(nside);
  return healpix_guard("spherical forward model", [&] {
    const Healpix_Map<double> me = to_map(kappa_e, nside), mb = to_map(kappa_b, nside);
    AlmC e(lmax, lmax), b(lmax, lmax);
    const arr<double> weight(static_cast<size_t>(2 * nside), 1.0);
    map2alm_iter(me, e, 3, weight);
    map2alm_iter(mb, b, 3, weight);
    arr<double> factor(static_cast<size_t>(lmax + 1), 0.0);
    for (int l = 2; l <= lmax; ++l) {
      const double ll = static_cast<double>(l);
      factor[static_cast<size_t>(l)] = std::sqrt((ll + 2) * (ll - 1) / (ll * (ll + 1)));
    }
    e.ScaleL(factor);
    b.ScaleL(factor);
    Healpix_Map<double> mq(static_cast<int>(nside), RING, SET_NSIDE), mu(static_cast<int>(nside), RING, SET_NSIDE);
    alm2map_spin(e, b, mq, mu, 2);
    return SphereFieldPair{nside, from_map(mq), from_map(mu)};
  });
}

}  // namespace lofimap::pipeline
