// `lofimap null-test`: is the catalogue's B-mode consistent with shape noise alone? The B-mode power spectrum
// (logarithmic ell bins) and the B-mode peak counts (S/N bins after Gaussian smoothing) of the flat KS map
// against the same statistics of K realisations of the catalogue with randomly rotated ellipticities. No
// truth map is needed. The chi^2 of each of the K + 1 data vectors is taken against the mean and covariance
// of the other K, and the probability to exceed is the rank of the catalogue's chi^2 among them: exact under
// the null hypothesis (the K + 1 vectors are then exchangeable), whatever the statistics' distribution.
#pragma once

#include <cstdint>
#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/catalogue/catalogue_scan.hpp"
#include "pipeline/core/product_options.hpp"
#include "pipeline/flat/flat_patch_settings.hpp"

namespace lofimap::pipeline {

struct NullTestConfig {
  CatalogueOptions catalogue;
  FlatKsSettings flat;
  long realisations = 100;
  std::uint64_t seed = 1;
  double smoothing_arcmin = 2;  // of the peak counts
  int ell_bins = 6;
  std::vector<double> peak_edges = {2, 3, 4};  // S/N bins [2, 3), [3, 4), [4, inf)
  OutputOptions output;
  void validate() const;  // std::invalid_argument naming the option
};

struct NullTestResult {
  std::vector<double> observed, mean, std;  // per statistic kept; mean and std over the realisations
  double chi2 = 0;                          // of the catalogue against the realisations
  long dof = 0;
  double pte = 0;  // (1 + #{chi2_k >= chi2}) / (K + 1)
};

// The chi^2 and rank PTE of `observed` among `realisations` (K x p), as described above; statistics with the
// same value in all K + 1 vectors are dropped. Throws std::invalid_argument when K < p + 3.
NullTestResult rank_chi2_test(const std::vector<double>& observed,
                              const std::vector<std::vector<double>>& realisations);

ProductReport run_null_test(const NullTestConfig& config, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
