// NFW haloes (Navarro, Frenk & White 1997) as lenses: the convergence profile of a halo of mass M200 and
// concentration c200 at z_lens for sources at z_s (Wright & Brainerd 2000), pasted onto a flat grid.
#pragma once

#include <vector>

#include "pipeline/core/flat_grid.hpp"
#include "pipeline/simulate/cosmology.hpp"

namespace lofimap::pipeline {

// An NFW halo (M200 w.r.t. the critical density at z_l, concentration c200) lensing sources at z_s.
struct NfwHalo {
  double m200_msun = 1e14;
  double concentration = 4;
  double z_lens = 0.3;
  double ra_deg = 0, dec_deg = 0;
};
struct NfwProfile {
  double r_s_arcmin;                         // scale radius on the sky
  double kappa_s;                            // rho_s r_s / Sigma_cr
  double kappa(double r_arcmin) const;       // convergence at projected radius
  double mean_kappa(double r_arcmin) const;  // mean convergence inside the radius
  double gamma_t(double r_arcmin) const { return mean_kappa(r_arcmin) - kappa(r_arcmin); }
};
NfwProfile nfw_profile(const Cosmology& cosmo, const NfwHalo& halo, double z_source);
// Adds the halo's convergence to a map on the grid (tangent plane about grid.centre), integrating each pixel
// on a sub-grid near the halo centre where the profile is steep.
void add_nfw(std::vector<double>& kappa, const FlatGrid& grid, const NfwProfile& profile, double halo_ra_deg,
             double halo_dec_deg);

}  // namespace lofimap::pipeline
