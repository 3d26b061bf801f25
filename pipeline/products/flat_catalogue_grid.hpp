// A catalogue binned onto a flat patch, as `ks` and `map` start from: the catalogue's summary, its calibrated
// shape noise and the binned grid. With the patch given (--center and its size) the galaxies are binned in
// the catalogue pass itself and never kept; otherwise they are loaded first, for the footprint that sets the
// patch. The patch's memory is checked before it is allocated.
#pragma once

#include "distributed/communicator.hpp"
#include "pipeline/catalogue/catalogue_scan.hpp"
#include "pipeline/core/phase_timer.hpp"
#include "pipeline/flat/flat_binning.hpp"
#include "pipeline/flat/flat_patch_settings.hpp"

namespace lofimap::pipeline {

struct FlatCatalogueGrid {
  CatalogueSummary catalogue;
  double sigma_e = 0;  // weighted rms of the calibrated shapes per component
  FlatShearGrid grid;  // valid on rank 0
};

// Collective. Laps "ingest and binning" (or "ingest" and "binning") on `timer`.
FlatCatalogueGrid bin_catalogue_flat(const CatalogueOptions& catalogue, const FlatKsSettings& flat,
                                     const distributed::Communicator& comm, PhaseTimer& timer);

}  // namespace lofimap::pipeline
