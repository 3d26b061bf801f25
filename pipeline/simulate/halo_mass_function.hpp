// Haloes as a cosmology predicts them: the Tinker et al. (2008) mass function for M200m (200 times the mean
// matter density), the Duffy et al. (2008) concentration-mass relation for the same mass definition, and the
// halo radius. Masses in Msun (not Msun/h), lengths in Mpc; number densities comoving.
#pragma once

#include <vector>

#include "pipeline/simulate/cosmology.hpp"

namespace lofimap::pipeline {

class HaloMassFunction {
 public:
  explicit HaloMassFunction(const Cosmology& cosmo);

  // dn / dln M [Mpc^-3, comoving] at mass M200m and redshift z.
  double dn_dlnm(double m200m_msun, double z) const;
  // Tinker et al. (2008) multiplicity f(sigma) for Delta = 200 (mean), with its redshift evolution.
  static double tinker_f(double sigma, double z);
  // rms linear density fluctuation in the top-hat sphere holding mass M at the mean density, at redshift z.
  double sigma_of_mass(double m_msun, double z) const;
  // Comoving mean matter density today [Msun / Mpc^3].
  double mean_density() const { return rho_m0_; }
  // Physical radius r200m at z [Mpc] and Duffy et al. (2008) concentration c200m (full sample, 0 < z < 2).
  double r200m(double m200m_msun, double z) const;
  double concentration(double m200m_msun, double z) const;

 private:
  Cosmology cosmo_;  // a copy: a mass function outlives the caller's cosmology in caches
  double rho_m0_ = 0;
  // sigma(M) at z = 0 on a uniform grid in ln M (the growth factor scales it to other redshifts).
  double ln_m_min_ = 0, d_ln_m_ = 0;
  std::vector<double> ln_sigma0_;
};

}  // namespace lofimap::pipeline
