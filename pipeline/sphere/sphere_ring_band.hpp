// Spherical harmonic transforms on a band of HEALPix rings only (libsharp's ring subsets). A survey's
// large-scale map is needed only near its footprint, and its binned shear is zero elsewhere: synthesising the
// full sky at nside 1024 writes 100 MB per map, most of it never read (a 4 deg footprint uses 0.04% of the
// sky), and analysing a map's zero rings adds nothing. libsharp computes each ring on its own, so a band's
// values are those of the full-sky transform on the same rings, to rounding.
#pragma once

#include <complex>
#include <vector>

namespace lofimap::pipeline {

// The RING pixels [first_pixel, first_pixel + size) of the rings first_ring..last_ring (1-based, as HEALPix
// numbers rings from the North pole).
struct RingBand {
  long nside = 0;
  long first_ring = 0, last_ring = 0;
  long long first_pixel = 0, pixels = 0;

  // The rings that hold every colatitude in [theta_min, theta_max] (radians) plus `extra` rings on each
  // side, clipped to the sphere.
  static RingBand covering(long nside, double theta_min, double theta_max, long extra);
  static RingBand full_sky(long nside);
  // The whole rings that hold the RING pixels [first_pixel, end_pixel).
  static RingBand of_pixels(long nside, long long first_pixel, long long end_pixel);
  bool is_full_sky() const { return first_ring == 1 && last_ring == 4 * nside - 1; }
};

// Synthesises the alm (HEALPix's triangular layout: m-major, l = m..lmax for m = 0..mmax) on the band's
// rings; returns the band's pixels, RING order.
std::vector<double> synthesise_band(const std::complex<double>* alm, int lmax, int mmax,
                                    const RingBand& band);

// Spin-2 analysis (map2alm, HEALPix quadrature weights, no iteration) of (Q, U) given on the band's pixels
// and zero on every other ring: overwrites alm_e and alm_b (triangular layout) with those of the full sky.
void analyse_band_spin2(const double* q, const double* u, const RingBand& band, int lmax, int mmax,
                        std::complex<double>* alm_e, std::complex<double>* alm_b);

}  // namespace lofimap::pipeline
