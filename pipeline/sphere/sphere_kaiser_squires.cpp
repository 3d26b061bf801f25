#include "pipeline/sphere/sphere_kaiser_squires.hpp"

#include "pipeline/core/heap_policy.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"

#include <alm.h>
#include <alm_healpix_tools.h>
#include <error_handling.h>
#include <healpix_base.h>
#include <healpix_map.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace lofimap::pipeline {

namespace {

constexpr double kDeg = std::numbers::pi / 180.0;
using AlmC = Alm<xcomplex<double>>;

// A RING map over the vector's own memory (no copy: a copy in and out cost two passes over 100 MB maps at
// nside 1024, serial page faults included). The vector must outlive the map and keep its size; HEALPix's
// transforms only read an input map, so a const vector may be viewed. (Filled in place: a returned
// Healpix_Map would be copied whole unless the compiler elides the copy.)
struct MapView {
  Healpix_Map<double> map;
  MapView(const std::vector<double>& v, long nside) {
    if (static_cast<long long>(v.size()) != 12LL * nside * nside)
      throw std::invalid_argument("HEALPix map has " + std::to_string(v.size()) +
                                  " values, expected 12*nside^2");
    arr<double> data(const_cast<double*>(v.data()), v.size());  // not owned
    map.Set(data, RING);
  }
};

// Spin-2 map2alm with `iterations` Jacobi refinements (alm += map2alm(map - alm2map(alm))), as healpy's iter.
void spin2_analysis(const Healpix_Map<double>& q, const Healpix_Map<double>& u, AlmC& e, AlmC& b,
                    int iterations) {
  const arr<double> weight(static_cast<size_t>(2 * q.Nside()), 1.0);
  map2alm_spin(q, u, e, b, 2, weight, false);
  Healpix_Map<double> rq(q.Nside(), RING, SET_NSIDE), ru(q.Nside(), RING, SET_NSIDE);
  for (int it = 0; it < iterations; ++it) {
    alm2map_spin(e, b, rq, ru, 2);
    const int npix = q.Npix();
#pragma omp parallel for schedule(static)
    for (int i = 0; i < npix; ++i) {
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

SphereFieldPair sphere_kaiser_squires(const std::vector<double>& q, const std::vector<double>& u, long nside,
                                      const SphereKsOptions& options) {
  validate_nside(nside);
  const int lmax = options.lmax > 0 ? options.lmax : static_cast<int>(2 * nside);
  if (lmax > 4 * nside) throw std::invalid_argument("--lmax: must be <= 4 * nside");
  // libsharp ends the process ("bad spin") on a spin-2 transform with lmax < 2.
  if (lmax < 2) throw std::invalid_argument("--lmax: the spin-2 (shear) transform needs lmax >= 2");
  if (options.iterations < 0 || options.iterations > 10)
    throw std::invalid_argument("--sht-iter: must be between 0 and 10");
  if (options.smoothing_arcmin < 0) throw std::invalid_argument("--smooth: must be >= 0 arcmin");
  if (options.output_nside != 0) validate_nside(options.output_nside);
  const HeapReuse reuse;  // libsharp allocates and frees its large work arrays in every transform
  return healpix_guard("spherical Kaiser-Squires", [&] {
    const MapView mq(q, nside), mu(u, nside);
    AlmC e(lmax, lmax), b(lmax, lmax);
    spin2_analysis(mq.map, mu.map, e, b, options.iterations);
    const double sigma = options.smoothing_arcmin / 60.0 * kDeg;
    arr<double> factor(static_cast<size_t>(lmax + 1), 0.0);
    for (int l = 2; l <= lmax; ++l) {
      const double ll = static_cast<double>(l);
      factor[static_cast<size_t>(l)] =
          std::sqrt(ll * (ll + 1) / ((ll + 2) * (ll - 1))) * std::exp(-0.5 * ll * (ll + 1) * sigma * sigma);
    }
    e.ScaleL(factor);
    b.ScaleL(factor);
    const long out_nside = options.output_nside > 0 ? options.output_nside : nside;
    SphereFieldPair out{out_nside, std::vector<double>(static_cast<size_t>(12 * out_nside * out_nside)),
                        std::vector<double>(static_cast<size_t>(12 * out_nside * out_nside))};
    MapView ke(out.a, out_nside), kb(out.b, out_nside);
    alm2map(e, ke.map);
    alm2map(b, kb.map);
    return out;
  });
}

SphereFieldPair sphere_shear_from_convergence(const std::vector<double>& kappa_e,
                                              const std::vector<double>& kappa_b, long nside, int lmax) {
  validate_nside(nside);
  const HeapReuse reuse;
  return healpix_guard("spherical forward model", [&] {
    AlmC e(lmax, lmax), b(lmax, lmax);
    const arr<double> weight(static_cast<size_t>(2 * nside), 1.0);
    map2alm_iter(MapView(kappa_e, nside).map, e, 3, weight);
    if (kappa_b.empty())
      b.SetToZero();
    else
      map2alm_iter(MapView(kappa_b, nside).map, b, 3, weight);
    arr<double> factor(static_cast<size_t>(lmax + 1), 0.0);
    for (int l = 2; l <= lmax; ++l) {
      const double ll = static_cast<double>(l);
      factor[static_cast<size_t>(l)] = std::sqrt((ll + 2) * (ll - 1) / (ll * (ll + 1)));
    }
    e.ScaleL(factor);
    b.ScaleL(factor);
    SphereFieldPair out{nside, std::vector<double>(static_cast<size_t>(12 * nside * nside)),
                        std::vector<double>(static_cast<size_t>(12 * nside * nside))};
    MapView mq(out.a, nside), mu(out.b, nside);
    alm2map_spin(e, b, mq.map, mu.map, 2);
    return out;
  });
}

}  // namespace lofimap::pipeline
