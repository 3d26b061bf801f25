// Catalogue ingest: each rank reads its own row range of the input files, rejects invalid
// rows (counted by reason, reported, an error above a threshold), calibrates with global weighted means and
// rotates into the internal flat frame.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/catalogue/survey_preset.hpp"
#include "pipeline/core/shear_catalogue.hpp"

namespace lofimap::pipeline {

struct CatalogueOptions {
  std::vector<std::string> inputs;  // paths or glob patterns
  std::string hdu;                  // "" = first table; number; or EXTNAME
  std::string preset = "generic";
  std::map<std::string, std::string> column_overrides;  // role -> column name
  std::optional<Calibration> calibration;               // default: the preset's
  bool flip_e1 = false, flip_e2 = false;
  double multiplicative_bias = 0;     // KiDS 1 + m when the catalogue has no m column
  double max_invalid_fraction = 0.1;  // above this, ingest fails
};

struct InvalidCounts {
  long long nonfinite = 0, bad_weight = 0, bad_dec = 0, bad_shape = 0;
  long long bad_ra = 0;  // outside [-360, 720] deg: no survey convention writes such a value
  long long total() const { return nonfinite + bad_weight + bad_dec + bad_shape + bad_ra; }
};

struct CatalogueSummary {
  std::vector<std::string> files;
  std::string preset;
  Calibration calibration = Calibration::None;
  long long rows_read = 0, rows_valid = 0;  // over all ranks
  InvalidCounts invalid;
  double mean_e1 = 0, mean_e2 = 0;  // weighted means subtracted (catalogue frame)
  double response = 1;              // DES mean response or HSC 2R
  double one_plus_m = 1;
  double sum_weight = 0;
  std::string report() const;  // human-readable, multi-line
};

struct LoadedCatalogue {
  ShearCatalogue galaxies;  // this rank's valid, calibrated galaxies
  CatalogueSummary summary;
};

// Checks the options before anything is read (preset, --max-invalid-fraction, --m-bias); throws
// std::invalid_argument naming the option.
void validate_catalogue_options(const CatalogueOptions& options);

LoadedCatalogue load_catalogue(const CatalogueOptions& options, const distributed::Communicator& comm);

// Shape noise per component: the weighted rms of the calibrated shapes over both components and all ranks
// (the lensing signal adds ~1e-4 in quadrature). Feeds LoFi's noise channel; recorded as LMSIGE in KS
// products.
double measured_shape_noise(const ShearCatalogue& galaxies, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
