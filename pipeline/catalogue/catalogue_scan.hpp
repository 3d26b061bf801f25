// One pass over this rank's rows of a shear catalogue: the columns the preset and calibration need,
// validation (invalid rows counted by reason; an error above --max-invalid-fraction), the global weighted
// sums the calibration needs, and each chunk's valid rows handed on uncalibrated. load_catalogue keeps the
// rows and calibrates each galaxy; a binner can instead sum them per pixel and calibrate the sums, since the
// calibration is linear in the shapes (ShapeCalibration).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/catalogue/survey_preset.hpp"
#include "pipeline/core/raw_shear_rows.hpp"

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
  // CFITSIO row-filter expression (`Z_B > 0.5 && Z_B <= 0.9`): rows it does not keep are not read as
  // galaxies, nor counted as invalid. Empty: every row.
  std::string select;
  // A weighted histogram of this column over the valid selected rows (the n(z) of a redshift column): bins of
  // equal width on [0, histogram_max). Values outside, or not finite, are not counted (and do not make the
  // row invalid). Empty: none.
  std::string histogram_column;
  double histogram_max = 5;
  int histogram_bins = 200;
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
  std::string select;                       // the row filter applied ("" for none)
  long long rows_selected = 0;              // rows the filter kept (rows_read without one)
  std::vector<double> histogram;             // CatalogueOptions::histogram_column's weighted counts
  InvalidCounts invalid;
  double mean_e1 = 0, mean_e2 = 0;  // weighted means subtracted (catalogue frame)
  double response = 1;              // DES mean response or HSC 2R
  double one_plus_m = 1;
  double sum_weight = 0;
  std::string report() const;  // human-readable, multi-line
};

// Checks the options before anything is read (preset, --max-invalid-fraction, --m-bias); throws
// std::invalid_argument naming the option.
void validate_catalogue_options(const CatalogueOptions& options);

class CatalogueScan {
 public:
  // Opens the files' headers and resolves the columns (io::Error naming a file or column).
  CatalogueScan(const CatalogueOptions& options, const distributed::Communicator& comm);
  ~CatalogueScan();
  CatalogueScan(const CatalogueScan&) = delete;
  CatalogueScan& operator=(const CatalogueScan&) = delete;

  long long rows() const;  // this rank's rows
  // Parts worth reading this rank's rows in: one per OpenMP thread, each of at least 200,000 rows.
  int default_parts() const;
  // Whether the calibration subtracts c1, c2 galaxy by galaxy (RawShearRows carry them).
  bool per_galaxy_c() const;
  // Reads this rank's rows as `parts` contiguous parts, each on a thread of its own; consume(part, rows) gets
  // each chunk's valid rows, uncalibrated (calls for one part come in row order; parts run concurrently).
  void run(int parts, const std::function<void(int part, const RawShearRows&)>& consume);
  // The first row of a part, counted from this rank's first row.
  long long part_first_row(int parts, int part) const;
  // Collective, after run: global counts and sums, the checks on them (io::Error when no row is valid or
  // more than --max-invalid-fraction are not), the summary and the calibration.
  CatalogueSummary finish(ShapeCalibration& calibration) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace lofimap::pipeline
