// Catalogue ingest: each rank reads its own row range of the input files (on as many threads as OpenMP is
// given, each a contiguous part), rejects invalid rows (counted by reason, reported, an error above a
// threshold), calibrates with global weighted means and keeps the galaxies in the internal flat frame, in
// row order.
#pragma once

#include <memory>
#include "distributed/communicator.hpp"
#include "pipeline/catalogue/catalogue_scan.hpp"

#include "pipeline/core/row_source.hpp"
#include "pipeline/core/shear_catalogue.hpp"

namespace lofimap::pipeline {

struct LoadedCatalogue {
  ShearCatalogue galaxies;  // this rank's valid, calibrated galaxies
  CatalogueSummary summary;
};

LoadedCatalogue load_catalogue(const CatalogueOptions& options, const distributed::Communicator& comm);

// The rank's galaxies read again from the files on every visit (one reading thread, so in row order; the
// same validation), calibrated with the constants of a first pass: memory does not grow with the catalogue,
// and each visit costs one more read of the rank's rows. Construction is that first pass (collective):
// validation, the invalid-row threshold and the calibration, as load_catalogue, without keeping the galaxies.
// The galaxies equal load_catalogue's, value for value.
class CatalogueRereader final : public RowSource {
 public:
  CatalogueRereader(const CatalogueOptions& options, const distributed::Communicator& comm);
  const CatalogueSummary& summary() const { return summary_; }
  long long size() const override { return rows_; }
  void for_each(const RowChunkVisitor& visit) const override;

 private:
  std::unique_ptr<CatalogueScan> scan_;
  ShapeCalibration calibration_;
  CatalogueSummary summary_;
  long long rows_ = 0;  // valid rows on this rank
  // Each file's identity at the first pass (io::file_identity): every later pass refuses a changed file.
  std::vector<std::pair<std::string, std::string>> identities_;
  void check_unchanged() const;
};

// Shape noise per component: the weighted rms of the calibrated shapes over both components and all ranks
// (the lensing signal adds ~1e-4 in quadrature). Feeds LoFi's noise channel; recorded as LMSIGE in KS
// products.
double measured_shape_noise(const ShearCatalogue& galaxies, const distributed::Communicator& comm);
double measured_shape_noise(const RowSource& galaxies, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
