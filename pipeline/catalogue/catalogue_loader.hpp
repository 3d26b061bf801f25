// Catalogue ingest: each rank reads its own row range of the input files (on as many threads as OpenMP is
// given, each a contiguous part), rejects invalid rows (counted by reason, reported, an error above a
// threshold), calibrates with global weighted means and keeps the galaxies in the internal flat frame, in
// row order.
#pragma once

#include "distributed/communicator.hpp"
#include "pipeline/catalogue/catalogue_scan.hpp"
#include "pipeline/core/shear_catalogue.hpp"

namespace lofimap::pipeline {

struct LoadedCatalogue {
  ShearCatalogue galaxies;  // this rank's valid, calibrated galaxies
  CatalogueSummary summary;
};

LoadedCatalogue load_catalogue(const CatalogueOptions& options, const distributed::Communicator& comm);

// Shape noise per component: the weighted rms of the calibrated shapes over both components and all ranks
// (the lensing signal adds ~1e-4 in quadrature). Feeds LoFi's noise channel; recorded as LMSIGE in KS
// products.
double measured_shape_noise(const ShearCatalogue& galaxies, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
