// Flat-sky convergence fields for simulations: Gaussian random fields with a given C_ell on a periodic
// N x N grid, lognormal fields with shift lambda that keep the target power, NFW haloes, and the binned power
// spectrum estimator used to check them.
#pragma once

#include <cstdint>
#include <vector>

#include "pipeline/cosmology.hpp"

namespace lofimap::pipeline {

struct FlatGridSpec {
  long n = 256;               // pixels per side (square, periodic)
  double pixel_arcmin = 1.0;
  double pixel_rad() const;
  // Multipole range the grid represents: fundamental 2 pi / L up to the Nyquist pi / pixel.
  double ell_min() const;
  double ell_max() const;
};

// Throws std::invalid_argument (naming --npix/--pixel) for sizes that cannot hold the field.
void validate_grid(const FlatGridSpec& grid);

// Gaussian field: DFT modes with <|k|^2> = N^2 C(ell) / pixel^2 (i.e. the continuous C_ell), mean zero.
// Two independent fields per call (the real and imaginary parts of one complex draw).
std::pair<std::vector<double>, std::vector<double>> gaussian_field_pair(const AngularSpectrum& cl, const FlatGridSpec& grid,
                                                                       std::uint64_t seed, std::uint64_t stream);
std::vector<double> gaussian_field(const AngularSpectrum& cl, const FlatGridSpec& grid, std::uint64_t seed,
                                   std::uint64_t stream);

// Lognormal field kappa = lambda (exp(g - sigma_g^2 / 2) - 1), minimum -lambda. The Gaussian g has the power
// that makes kappa's correlation function equal to the target's on this grid: xi_g = ln(1 + xi / lambda^2).
std::vector<double> lognormal_field(const AngularSpectrum& cl, const FlatGridSpec& grid, double lambda,
                                    std::uint64_t seed, std::uint64_t stream);

struct BinnedPower {
  std::vector<double> ell, power, expected;  // per bin: mean ell, measured C_ell, the input C(ell) mode-averaged
  std::vector<long> modes;
};
// Power spectrum of a map in logarithmic ell bins; `expected` averages `cl` over the same modes (no binning bias).
BinnedPower measure_flat_power(const std::vector<double>& map, const FlatGridSpec& grid, int bins,
                               const AngularSpectrum& cl);

// An NFW halo (M200 w.r.t. the critical density at z_l, concentration c200) lensing sources at z_s.
struct NfwHalo {
  double m200_msun = 1e14;
  double concentration = 4;
  double z_lens = 0.3;
  double ra_deg = 0, dec_deg = 0;
};
struct NfwProfile {
  double r_s_arcmin;  // scale radius on the sky
  double kappa_s;     // rho_s r_s / Sigma_cr
  double kappa(double r_arcmin) const;        // convergence at projected radius
  double mean_kappa(double r_arcmin) const;   // mean convergence inside the radius
  double gamma_t(double r_arcmin) const { return mean_kappa(r_arcmin) - kappa(r_arcmin); }
};
NfwProfile nfw_profile(const Cosmology& cosmo, const NfwHalo& halo, double z_source);
// Adds the halo's convergence to a grid centred at (ra0, dec0) (tangent plane), integrating each pixel on a
// sub-grid near the centre where the profile is steep.
void add_nfw(std::vector<double>& kappa, const FlatGridSpec& grid, double ra0_deg, double dec0_deg,
             const NfwProfile& profile, double halo_ra_deg, double halo_dec_deg);

}  // namespace lofimap::pipeline
