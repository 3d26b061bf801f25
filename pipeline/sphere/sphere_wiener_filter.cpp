#include "pipeline/sphere/sphere_wiener_filter.hpp"

#include <alm.h>
#include <alm_healpix_tools.h>
#include <error_handling.h>
#include <healpix_map.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "pipeline/core/heap_policy.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"

namespace lofimap::pipeline {

namespace {
using AlmC = Alm<xcomplex<double>>;

// The inner product of real fields' coefficients (m > 0 stands for +m and -m): sum_l a_l0 b_l0 +
// 2 sum_{m>0} Re(a_lm conj(b_lm)). Under it the adjoint synthesis is the adjoint of the synthesis.
double dot(const AlmC& a, const AlmC& b) {
  double s = 0;
  for (int m = 0; m <= a.Mmax(); ++m) {
    const double f = m == 0 ? 1.0 : 2.0;
    for (int l = m; l <= a.Lmax(); ++l)
      s += f * (a(l, m).real() * b(l, m).real() + a(l, m).imag() * b(l, m).imag());
  }
  return s;
}

// y += alpha x, coefficient by coefficient. Element-wise loops run on every thread (the same result at any
// thread count); the inner product stays serial, so that the CG iterations are too.
void axpy(double alpha, const AlmC& x, AlmC& y) {
#pragma omp parallel for schedule(dynamic, 16)
  for (int m = 0; m <= x.Mmax(); ++m)
    for (int l = m; l <= x.Lmax(); ++l) y(l, m) += alpha * x(l, m);
}
}  // namespace

SphereWienerResult sphere_wiener_filter(const std::vector<double>& q, const std::vector<double>& u,
                                        const std::vector<double>& counts, double sigma_e,
                                        const AngularSpectrum& cl, long nside,
                                        const SphereWienerOptions& options) {
  validate_nside(nside);
  const int lmax = options.lmax > 0 ? options.lmax : static_cast<int>(2 * nside);
  if (lmax < 2 || lmax > 4 * nside) throw std::invalid_argument("--lmax: between 2 and 4 * nside");
  if (options.output_nside != 0) validate_nside(options.output_nside);
  if (!(sigma_e > 0)) throw std::invalid_argument("spherical Wiener filter: sigma_e must be > 0");
  // Multipoles outside the table would carry no signal and be dropped silently: the table must span the
  // map's.
  if (cl.ell.empty() || cl.ell.front() > 10 || cl.ell.back() < lmax)
    throw std::invalid_argument(
        "--wiener: the C_ell table covers ell " +
        (cl.ell.empty() ? std::string("nothing")
                        : std::to_string(cl.ell.front()) + " to " + std::to_string(cl.ell.back())) +
        "; the spherical map needs at least 10 to " + std::to_string(lmax) +
        " (lofimap simulate cl --lmin 2)");
  const long long npix = 12LL * nside * nside;
  if (static_cast<long long>(q.size()) != npix || static_cast<long long>(u.size()) != npix ||
      static_cast<long long>(counts.size()) != npix)
    throw std::invalid_argument("spherical Wiener filter: maps do not have 12 nside^2 pixels");
  const HeapReuse reuse;  // two spin-2 transforms per CG iteration, each allocating libsharp's work arrays
  try {
    Healpix_Map<double> mq(static_cast<int>(nside), RING, SET_NSIDE),
        mu(static_cast<int>(nside), RING, SET_NSIDE);
    std::vector<double> weight(static_cast<size_t>(npix));  // N^-1 per component
    double mean_weight = 0;
    for (long long p = 0; p < npix; ++p) {
      const size_t i = static_cast<size_t>(p);
      weight[i] = counts[i] / (sigma_e * sigma_e);
      mean_weight += weight[i] / static_cast<double>(npix);
    }
    // Per l: the forward factor, S^-1 and the preconditioner (0 for l < 2, which no shear constrains).
    std::vector<double> f(static_cast<size_t>(lmax + 1), 0.0), s_inv(f.size(), 0.0), precon(f.size(), 0.0);
    for (int l = 2; l <= lmax; ++l) {
      const double ll = static_cast<double>(l), c = cl.at(ll);
      f[static_cast<size_t>(l)] = std::sqrt((ll + 2) * (ll - 1) / (ll * (ll + 1)));
      s_inv[static_cast<size_t>(l)] = c > 0 ? 1 / c : 0.0;
      // A^T W A on uniform weights w is w Npix / (4 pi) f_l^2 (sum over pixels of |Y_lm|^2).
      const double data = mean_weight * static_cast<double>(npix) / (4 * std::numbers::pi) *
                          f[static_cast<size_t>(l)] * f[static_cast<size_t>(l)];
      precon[static_cast<size_t>(l)] = c > 0 ? 1 / (1 / c + data) : 0.0;
    }
    AlmC zero(lmax, lmax), scratch_e(lmax, lmax), scratch_b(lmax, lmax);  // made once, reused per iteration
    zero.SetToZero();
    // out = f_l x adjoint synthesis of W (mq, mu), E part.
    auto adjoint_of_weighted = [&](AlmC& out) {
#pragma omp parallel for schedule(static)
      for (long long p = 0; p < npix; ++p) {
        const int i = static_cast<int>(p);
        mq[i] *= weight[static_cast<size_t>(p)];
        mu[i] *= weight[static_cast<size_t>(p)];
      }
      alm2map_spin_adjoint(mq, mu, out, scratch_b, 2, false);
      out.ScaleL(f);
    };
    auto apply_system = [&](const AlmC& x, AlmC& out) {
#pragma omp parallel for schedule(dynamic, 16)
      for (int m = 0; m <= lmax; ++m)
        for (int l = m; l <= lmax; ++l) scratch_e(l, m) = x(l, m) * f[static_cast<size_t>(l)];
      alm2map_spin(scratch_e, zero, mq, mu, 2);
      adjoint_of_weighted(out);
#pragma omp parallel for schedule(dynamic, 16)
      for (int m = 0; m <= lmax; ++m)
        for (int l = m; l <= lmax; ++l)
          out(l, m) =
              s_inv[static_cast<size_t>(l)] > 0 ? out(l, m) + s_inv[static_cast<size_t>(l)] * x(l, m) : 0;
    };
    auto precondition = [&](const AlmC& r, AlmC& z) {
      z = r;
      z.ScaleL(precon);
    };

#pragma omp parallel for schedule(static)
    for (long long p = 0; p < npix; ++p) {
      const size_t i = static_cast<size_t>(p);
      mq[static_cast<int>(p)] = q[i];
      mu[static_cast<int>(p)] = u[i];
    }
    AlmC b(lmax, lmax), x(lmax, lmax), r(lmax, lmax), z(lmax, lmax), pdir(lmax, lmax), ap(lmax, lmax);
    adjoint_of_weighted(b);
    // Modes without signal (C_ell = 0, l < 2) stay zero: the right-hand side is kept to the others.
    std::vector<double> support(f.size(), 0.0);
    for (size_t l = 0; l < f.size(); ++l) support[l] = s_inv[l] > 0 ? 1.0 : 0.0;
    b.ScaleL(support);
    x.SetToZero();
    SphereWienerResult result;
    result.nside = options.output_nside > 0 ? options.output_nside : nside;
    const double b_norm = std::sqrt(dot(b, b));
    if (b_norm > 0) {
      r = b;
      precondition(r, z);
      pdir = z;
      double rz = dot(r, z);
      for (int it = 1; it <= options.max_iterations; ++it) {
        apply_system(pdir, ap);
        const double alpha = rz / dot(pdir, ap);
        axpy(alpha, pdir, x);
        axpy(-alpha, ap, r);
        result.iterations = it;
        result.residual = std::sqrt(dot(r, r)) / b_norm;
        if (result.residual < options.tolerance) break;
        precondition(r, z);
        const double rz_new = dot(r, z);
#pragma omp parallel for schedule(dynamic, 16)
        for (int m = 0; m <= lmax; ++m)
          for (int l = m; l <= lmax; ++l) pdir(l, m) = z(l, m) + rz_new / rz * pdir(l, m);
        rz = rz_new;
      }
    }
    Healpix_Map<double> kappa(static_cast<int>(result.nside), RING, SET_NSIDE);
    alm2map(x, kappa);
    result.kappa.resize(static_cast<size_t>(kappa.Npix()));
    const long n_out = static_cast<long>(result.kappa.size());
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n_out; ++i) result.kappa[static_cast<size_t>(i)] = kappa[static_cast<int>(i)];
    return result;
  } catch (const PlanckError& e) {
    throw std::runtime_error(std::string("HEALPix spherical Wiener filter: ") + e.what());
  }
}

}  // namespace lofimap::pipeline
