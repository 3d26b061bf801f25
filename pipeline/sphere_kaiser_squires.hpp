// Spherical Kaiser-Squires on HEALPix (RING): binning of a catalogue into (Q, U) maps, the spin-2 transform to
// E/B harmonic modes and the convergence (DESIGN §4):
//   kappa_E,lm = + sqrt( l(l+1) / ((l+2)(l-1)) ) E_lm,  the same for B,  l = 0, 1 set to 0.
// HEALPix headers stay in the .cpp (they define macros and global names).
#pragma once

#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/flat_geometry.hpp"
#include "pipeline/shear_catalogue.hpp"

namespace lofimap::pipeline {

// Throws std::invalid_argument naming --nside unless nside is a power of two in [1, 8192].
void validate_nside(long nside);

struct SphereShearMaps {
  long nside = 0;
  std::vector<double> q, u, weight, count;  // RING; unobserved pixels: zero shear and zero weight
};

// Weighted mean (Q, U) = -(g1, g2) per pixel; each rank bins its galaxies, sums reduced onto rank 0.
SphereShearMaps bin_sphere(const ShearCatalogue& galaxies, long nside, const distributed::Communicator& comm);

struct SphereKsOptions {
  int lmax = 0;                  // 0: 2 * nside
  double smoothing_arcmin = 0;   // Gaussian sigma, applied as exp(-l(l+1) sigma^2 / 2)
  int iterations = 3;            // Jacobi refinements of map2alm, as healpy's iter (bounded: 0..10)
};

struct SphereFieldPair {
  long nside = 0;
  std::vector<double> a, b;  // (kappa_E, kappa_B) or (Q, U), RING
};

SphereFieldPair sphere_kaiser_squires(const std::vector<double>& q, const std::vector<double>& u, long nside,
                                      const SphereKsOptions& options);
// The exact spherical forward model: (kappa_E, kappa_B) -> (Q, U) band-limited at lmax.
SphereFieldPair sphere_shear_from_convergence(const std::vector<double>& kappa_e, const std::vector<double>& kappa_b,
                                              long nside, int lmax);

// RING pixels of the given nside whose centres fall inside a flat patch (ascending order).
std::vector<long long> sphere_pixels_in_patch(long nside, const FlatPatch& patch);

// Pixel helpers for callers that must not include HEALPix headers.
long long sphere_ang2pix(long nside, double ra_deg, double dec_deg);
void sphere_pix2ang(long nside, long long pixel, double& ra_deg, double& dec_deg);

}  // namespace lofimap::pipeline
