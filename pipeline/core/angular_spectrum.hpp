// An angular power spectrum C_ell tabulated at increasing multipoles (convergence spectra for simulations,
// the Wiener filter's prior), its interpolation, and the (ell, C_ell) text table format.
#pragma once

#include <string>
#include <vector>

namespace lofimap::pipeline {

struct AngularSpectrum {
  std::vector<double> ell, cl;
  double at(double l) const;  // log-log interpolation, 0 outside the table (and C(0) = 0)
};

// Two columns (ell, C_ell), '#' comments allowed. Throws io::Error naming the file, std::invalid_argument
// (naming --cl-file) when ell does not increase or C_ell < 0.
AngularSpectrum read_cl_table(const std::string& path);
// Logarithmic multipole grid from lmin to lmax.
std::vector<double> log_ell_grid(double lmin, double lmax, int points);

}  // namespace lofimap::pipeline
