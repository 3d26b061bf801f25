#include "pipeline/sphere/sphere_kaiser_squires.hpp"

#include "pipeline/core/heap_policy.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/sphere/sphere_ring_band.hpp"

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

// A RING map over memory it does not own (no copy: a copy in and out cost two passes over 100 MB maps at
// nside 1024, serial page faults included). The memory must outlive the map; HEALPix's transforms only read
// an input map, so const data may be viewed. (Filled in place: a returned Healpix_Map would be copied whole
// unless the compiler elides the copy.)
struct MapView {
  Healpix_Map<double> map;
  MapView(const double* data, long long size, long nside) {
    if (size != 12LL * nside * nside)
      throw std::invalid_argument("HEALPix map has " + std::to_string(size) + " values, expected 12*nside^2");
    arr<double> view(const_cast<double*>(data), static_cast<size_t>(size));  // not owned
    map.Set(view, RING);
  }
  MapView(const std::vector<double>& v, long nside)
      : MapView(v.data(), static_cast<long long>(v.size()), nside) {}
};

// Spin-2 map2alm with `iterations` Jacobi refinements (alm += map2alm(map - alm2map(alm))), as healpy's iter.
// (q, u) hold the band's pixels and are zero on every other ring; the residuals are full-sky maps.
void spin2_analysis(const double* q, const double* u, const RingBand& band, AlmC& e, AlmC& b,
                    int iterations) {
  const long nside = band.nside;
  const arr<double> weight(static_cast<size_t>(2 * nside), 1.0);
  if (band.is_full_sky())
    map2alm_spin(MapView(q, band.pixels, nside).map, MapView(u, band.pixels, nside).map, e, b, 2, weight,
                 false);
  else
    analyse_band_spin2(q, u, band, e.Lmax(), e.Mmax(), &e(0, 0), &b(0, 0));
  Healpix_Map<double> rq(static_cast<int>(nside), RING, SET_NSIDE),
      ru(static_cast<int>(nside), RING, SET_NSIDE);
  const long long first = band.first_pixel, end = band.first_pixel + band.pixels;
  for (int it = 0; it < iterations; ++it) {
    alm2map_spin(e, b, rq, ru, 2);
    const long long npix = rq.Npix();
#pragma omp parallel for schedule(static)
    for (long long i = 0; i < npix; ++i) {
      const bool in_band = i >= first && i < end;  // q - rq, with q = 0 off the band (0 - x is exactly -x)
      rq[i] = (in_band ? q[i - first] : 0.0) - rq[i];
      ru[i] = (in_band ? u[i - first] : 0.0) - ru[i];
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

namespace {

SphereFieldPair kaiser_squires_of_band(const double* q, const double* u, const RingBand& input,
                                       const SphereKsOptions& options) {
  const long nside = input.nside;
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
    AlmC e(lmax, lmax), b(lmax, lmax);
    spin2_analysis(q, u, input, e, b, options.iterations);
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
    if (options.band_theta_max >= options.band_theta_min) {
      const RingBand band = RingBand::covering(out_nside, options.band_theta_min, options.band_theta_max, 2);
      return SphereFieldPair{out_nside, synthesise_band(&e(0, 0), lmax, lmax, band),
                             synthesise_band(&b(0, 0), lmax, lmax, band), band.first_pixel};
    }
    SphereFieldPair out{out_nside, std::vector<double>(static_cast<size_t>(12 * out_nside * out_nside)),
                        std::vector<double>(static_cast<size_t>(12 * out_nside * out_nside))};
    MapView ke(out.a, out_nside), kb(out.b, out_nside);
    alm2map(e, ke.map);
    alm2map(b, kb.map);
    return out;
  });
}

}  // namespace

SphereFieldPair sphere_kaiser_squires(const std::vector<double>& q, const std::vector<double>& u, long nside,
                                      const SphereKsOptions& options) {
  validate_nside(nside);
  if (q.size() != u.size() || static_cast<long long>(q.size()) != 12LL * nside * nside)
    throw std::invalid_argument("HEALPix maps have " + std::to_string(q.size()) + " and " +
                                std::to_string(u.size()) + " values, expected 12*nside^2");
  return kaiser_squires_of_band(q.data(), u.data(), RingBand::full_sky(nside), options);
}

SphereFieldPair sphere_kaiser_squires(const SphereFieldPair& band_qu, const SphereKsOptions& options) {
  validate_nside(band_qu.nside);
  if (band_qu.a.size() != band_qu.b.size() || band_qu.a.empty())
    throw std::invalid_argument("spherical Kaiser-Squires: Q and U bands differ in size or are empty");
  const RingBand band = RingBand::of_pixels(band_qu.nside, band_qu.first_pixel,
                                            band_qu.first_pixel + static_cast<long long>(band_qu.a.size()));
  if (band.first_pixel != band_qu.first_pixel || band.pixels != static_cast<long long>(band_qu.a.size()))
    throw std::invalid_argument("spherical Kaiser-Squires: the (Q, U) band does not hold whole rings");
  return kaiser_squires_of_band(band_qu.a.data(), band_qu.b.data(), band, options);
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
