// Spherical Kaiser-Squires on HEALPix (RING): the spin-2 transform of (Q, U) maps to E/B harmonic modes and
// the convergence:
//   kappa_E,lm = + sqrt( l(l+1) / ((l+2)(l-1)) ) E_lm,  the same for B,  l = 0, 1 set to 0.
// HEALPix headers stay in the .cpp (they define macros and global names).
#pragma once

#include <vector>

namespace lofimap::pipeline {

struct SphereKsOptions {
  int lmax = 0;                 // 0: 2 * nside
  double smoothing_arcmin = 0;  // Gaussian sigma, applied as exp(-l(l+1) sigma^2 / 2)
  int iterations = 3;           // Jacobi refinements of map2alm, as healpy's iter (bounded: 0..10)
  long output_nside = 0;        // nside of the kappa maps (0: the input's); a power of two
  // The colatitudes (radians) the kappa maps must cover: only the rings that hold [min, max] plus two on each
  // side are synthesised (a footprint's band, not the full sky). max < min: the full sky.
  double band_theta_min = 0, band_theta_max = -1;
};

struct SphereFieldPair {
  long nside = 0;
  std::vector<double> a, b;   // (kappa_E, kappa_B) or (Q, U), RING
  long long first_pixel = 0;  // the RING pixel of a[0] and b[0] (not 0 for a band of rings)
};

SphereFieldPair sphere_kaiser_squires(const std::vector<double>& q, const std::vector<double>& u, long nside,
                                      const SphereKsOptions& options);
// The same for (Q, U) given on whole rings only (a = Q, b = U from RING pixel first_pixel on) and zero on all
// other rings: the analysis reads only the band (the Jacobi refinements still run on the full sky).
SphereFieldPair sphere_kaiser_squires(const SphereFieldPair& band_qu, const SphereKsOptions& options);
// The exact spherical forward model: (kappa_E, kappa_B) -> (Q, U) band-limited at lmax (each map analysed
// with 3 Jacobi iterations). An empty kappa_B is zero.
SphereFieldPair sphere_shear_from_convergence(const std::vector<double>& kappa_e,
                                              const std::vector<double>& kappa_b, long nside, int lmax);

}  // namespace lofimap::pipeline
