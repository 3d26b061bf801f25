// Background cosmology and matter power spectrum for lensing simulations: flat LCDM background, Eisenstein &
// Hu (1998) transfer functions (no-wiggle for the lensing spectra, with baryon wiggles for N-body initial
// conditions), linear growth by quadrature, and the Takahashi et al. (2012)
// revision of halofit for the non-linear spectrum; Limber integral for the convergence C_ell. Units: Mpc (not
// Mpc/h), k in 1/Mpc.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pipeline/core/angular_spectrum.hpp"

namespace lofimap::pipeline {

struct CosmologyParameters {
  double omega_m = 0.3089;  // total matter today
  double omega_b = 0.0486;  // baryons today
  double h = 0.6774;
  double n_s = 0.9667;
  std::optional<double> sigma8;  // normalise to sigma8 ...
  std::optional<double> a_s;     // ... or to the primordial amplitude A_s at k = 0.05/Mpc
  double t_cmb = 2.7255;
  std::string describe() const;
};

// The IllustrisTNG / Planck 2015 cosmology of kappaTNG and the MassiveNuS fiducial massless-neutrino model.
CosmologyParameters planck2015_tng();
CosmologyParameters massivenus_fiducial();

class Cosmology {
 public:
  // Throws std::invalid_argument naming the parameter when out of range.
  explicit Cosmology(const CosmologyParameters& p);
  const CosmologyParameters& parameters() const { return p_; }

  double hubble_distance() const { return 2997.92458 / p_.h; }  // c / H0 [Mpc]
  double e_of_z(double z) const;                                // H(z) / H0
  double comoving_distance(double z) const;                     // [Mpc], flat
  double redshift_at_distance(double chi) const;
  double growth(double z) const;  // linear growth D(z), normalised to a in matter domination
  double omega_m_at(double z) const;

  double transfer(double k) const;                 // Eisenstein-Hu no-wiggle, k in 1/Mpc
  double transfer_wiggles(double k) const;         // Eisenstein-Hu with baryon acoustic oscillations
  // k^3 P_lin / (2 pi^2) from the transfer function with wiggles, normalised like delta2_linear (the same
  // sigma8, or the same A_s).
  double delta2_linear_wiggles(double k, double z) const;
  double delta2_linear(double k, double z) const;  // k^3 P_lin / (2 pi^2)
  double delta2_nonlinear(double k, double z) const;
  double p_nonlinear(double k, double z) const;  // [Mpc^3]
  double sigma8() const;                         // of the normalised linear spectrum at z = 0
  double sigma_r(double r, double z) const;      // rms linear density in a top-hat sphere of radius r [Mpc]

 private:
  struct HalofitCoefficients {
    double k_sigma, n_eff, c;
  };
  HalofitCoefficients halofit_at(double z) const;
  double delta2_primordial_shape(double k) const;  // unnormalised linear Delta^2 at z = 0

  CosmologyParameters p_;
  double delta2_primordial_shape_wiggles(double k) const;
  double amplitude_ = 1;          // normalisation of delta2_primordial_shape
  double amplitude_wiggles_ = 1;  // and of its form with wiggles
  double d0_ = 1;         // growth today
  // Tables on a uniform grid in z for chi(z) and D(z); halofit coefficients on a coarser z grid.
  std::vector<double> z_grid_, chi_grid_, growth_grid_;
  mutable std::vector<double> halofit_z_;
  mutable std::vector<HalofitCoefficients> halofit_table_;
};

// Source redshift distribution: a single plane (z_s) or a tabulated n(z) (normalised internally).
struct SourceDistribution {
  double z_single = 1.0;
  std::vector<double> z, n;                                      // when non-empty, a tabulated n(z)
  static SourceDistribution from_file(const std::string& path);  // two columns: z n(z)
};

// Limber convergence power spectrum C_ell at the given multipoles.
AngularSpectrum convergence_cl_limber(const Cosmology& cosmo, const SourceDistribution& sources,
                                      const std::vector<double>& ells);
}  // namespace lofimap::pipeline
