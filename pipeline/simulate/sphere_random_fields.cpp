#include "pipeline/simulate/sphere_random_fields.hpp"

#include "pipeline/sphere/sphere_geometry.hpp"

#include <alm.h>
#include <alm_healpix_tools.h>
#include <healpix_map.h>

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "pipeline/core/random_stream.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"

namespace lofimap::pipeline {

namespace {

using AlmC = Alm<xcomplex<double>>;

// Gauss-Legendre nodes and weights on [-1, 1] (Newton iteration on P_n).
void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w) {
  x.resize(static_cast<size_t>(n));
  w.resize(static_cast<size_t>(n));
  for (int i = 0; i < (n + 1) / 2; ++i) {
    double z = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5)), pp = 0;
    for (int it = 0; it < 100; ++it) {
      double p1 = 1, p2 = 0;
      for (int j = 1; j <= n; ++j) {
        const double p3 = p2;
        p2 = p1;
        p1 = ((2.0 * j - 1) * z * p2 - (j - 1.0) * p3) / j;
      }
      pp = n * (z * p1 - p2) / (z * z - 1);
      const double dz = p1 / pp;
      z -= dz;
      if (std::abs(dz) < 1e-15) break;
    }
    x[static_cast<size_t>(i)] = -z;
    x[static_cast<size_t>(n - 1 - i)] = z;
    w[static_cast<size_t>(i)] = w[static_cast<size_t>(n - 1 - i)] = 2 / ((1 - z * z) * pp * pp);
  }
}

Healpix_Map<double> empty_map(long nside) {
  return Healpix_Map<double>(static_cast<int>(nside), RING, SET_NSIDE);
}

std::vector<double> to_vector(const Healpix_Map<double>& m) {
  std::vector<double> v(static_cast<size_t>(m.Npix()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = m[static_cast<int>(i)];
  return v;
}

}  // namespace

std::vector<double> lognormal_gaussian_cl(const std::vector<double>& cl, double lambda) {
  if (!(lambda > 0)) throw std::invalid_argument("--lambda: lognormal shift must be > 0");
  const int lmax = static_cast<int>(cl.size()) - 1;
  const int n = 2 * lmax + 2;
  std::vector<double> x, w;
  gauss_legendre(n, x, w);
  std::vector<double> xi_g(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    double p0 = 1, p1 = x[static_cast<size_t>(i)], xi = cl[0] / (4 * std::numbers::pi);
    if (lmax >= 1) xi += 3 * cl[1] * p1 / (4 * std::numbers::pi);
    for (int l = 2; l <= lmax; ++l) {
      const double p2 = ((2.0 * l - 1) * x[static_cast<size_t>(i)] * p1 - (l - 1.0) * p0) / l;
      xi += (2.0 * l + 1) * cl[static_cast<size_t>(l)] * p2 / (4 * std::numbers::pi);
      p0 = p1, p1 = p2;
    }
    const double arg = 1 + xi / (lambda * lambda);
    if (!(arg > 0)) throw std::invalid_argument("--lambda: too small for this C_ell (1 + xi/lambda^2 <= 0)");
    xi_g[static_cast<size_t>(i)] = std::log(arg);
  }
  std::vector<double> out(cl.size(), 0.0);
  for (int i = 0; i < n; ++i) {
    const double xv = x[static_cast<size_t>(i)],
                 f = 2 * std::numbers::pi * w[static_cast<size_t>(i)] * xi_g[static_cast<size_t>(i)];
    double p0 = 1, p1 = xv;
    out[0] += f;
    if (lmax >= 1) out[1] += f * p1;
    for (int l = 2; l <= lmax; ++l) {
      const double p2 = ((2.0 * l - 1) * xv * p1 - (l - 1.0) * p0) / l;
      out[static_cast<size_t>(l)] += f * p2;
      p0 = p1, p1 = p2;
    }
  }
  for (auto& v : out) v = std::max(v, 0.0);
  return out;
}

SphereSimulation simulate_sphere(const AngularSpectrum& spectrum, long nside, int lmax, double lambda,
                                 std::uint64_t seed, std::uint64_t stream, bool with_shear) {
  validate_nside(nside);
  if (lmax <= 0) lmax = static_cast<int>(3 * nside - 1);
  if (lmax > 4 * nside) throw std::invalid_argument("--lmax: must be <= 4 * nside");
  // libsharp ends the process ("bad spin") on a spin-2 transform with lmax < 2.
  if (with_shear && lmax < 2)
    throw std::invalid_argument("--lmax: the spin-2 (shear) transform needs lmax >= 2");
  if (lambda < 0) throw std::invalid_argument("--lambda: lognormal shift must be > 0 (0 = Gaussian)");
  std::vector<double> cl(static_cast<size_t>(lmax + 1), 0.0);
  for (int l = 2; l <= lmax; ++l) cl[static_cast<size_t>(l)] = spectrum.at(l);
  const bool lognormal = lambda > 0;
  const std::vector<double> cl_g = lognormal ? lognormal_gaussian_cl(cl, lambda) : cl;

  // a_l0 real with variance C; a_lm (m > 0) complex with variance C/2 per part. Stream-keyed for
  // reproducibility.
  RandomStream rng(seed, stream);
  AlmC alm(lmax, lmax);
  for (int m = 0; m <= lmax; ++m)
    for (int l = m; l <= lmax; ++l) {
      const double c = cl_g[static_cast<size_t>(l)];
      if (m == 0)
        alm(l, 0) = xcomplex<double>(std::sqrt(c) * rng.normal(), 0);
      else
        alm(l, m) = xcomplex<double>(std::sqrt(c / 2) * rng.normal(), std::sqrt(c / 2) * rng.normal());
    }
  SphereSimulation sim;
  sim.nside = nside;
  sim.lmax = lmax;
  Healpix_Map<double> map = empty_map(nside);
  alm2map(alm, map);
  if (lognormal) {
    double sigma2 = 0;  // variance of g from its C_ell
    for (int l = 0; l <= lmax; ++l)
      sigma2 += (2.0 * l + 1) * cl_g[static_cast<size_t>(l)] / (4 * std::numbers::pi);
    for (int i = 0; i < map.Npix(); ++i) map[i] = lambda * (std::exp(map[i] - 0.5 * sigma2) - 1);
  }
  sim.kappa = to_vector(map);
  if (with_shear) {
    // Gaussian: kappa_lm are exact; lognormal: analyse the map (3 iterations). Then E_lm =
    // sqrt((l+2)(l-1)/(l(l+1))) kappa_lm.
    if (lognormal) {
      const arr<double> weight(static_cast<size_t>(2 * nside), 1.0);
      map2alm_iter(map, alm, 3, weight);
    }
    arr<double> f(static_cast<size_t>(lmax + 1), 0.0);
    for (int l = 2; l <= lmax; ++l)
      f[static_cast<size_t>(l)] = std::sqrt((l + 2.0) * (l - 1.0) / (l * (l + 1.0)));
    alm.ScaleL(f);
    AlmC blm(lmax, lmax);
    blm.SetToZero();
    Healpix_Map<double> q = empty_map(nside), u = empty_map(nside);
    alm2map_spin(alm, blm, q, u, 2);
    sim.q = to_vector(q);
    sim.u = to_vector(u);
  }
  return sim;
}

std::vector<double> measure_sphere_cl(const std::vector<double>& values, long nside, int lmax) {
  Healpix_Map<double> map = empty_map(nside);
  for (size_t i = 0; i < values.size(); ++i) map[static_cast<int>(i)] = values[i];
  AlmC alm(lmax, lmax);
  const arr<double> weight(static_cast<size_t>(2 * nside), 1.0);
  map2alm_iter(map, alm, 3, weight);
  std::vector<double> cl(static_cast<size_t>(lmax + 1), 0.0);
  for (int l = 0; l <= lmax; ++l) {
    double s = alm(l, 0).real() * alm(l, 0).real();
    for (int m = 1; m <= l; ++m) s += 2 * std::norm(alm(l, m));
    cl[static_cast<size_t>(l)] = s / (2 * l + 1);
  }
  return cl;
}

}  // namespace lofimap::pipeline
