// A catalogue binned as `ks` and `map` start from: the catalogue's summary, its calibrated shape noise and
// the binned shear, on a flat patch or on HEALPix. The galaxies are binned in the catalogue pass itself and
// never kept (each reading thread sums raw shapes into its own maps, calibrated per pixel at the end), except
// on a flat patch that the catalogue's footprint sets: those galaxies are loaded first. Memory is checked
// before the maps are allocated.
#pragma once

#include "distributed/communicator.hpp"
#include "pipeline/catalogue/catalogue_scan.hpp"
#include "pipeline/core/phase_timer.hpp"
#include "pipeline/flat/flat_binning.hpp"
#include "pipeline/flat/flat_patch_settings.hpp"
#include "pipeline/sphere/sphere_binning.hpp"

namespace lofimap::pipeline {

struct FlatCatalogueGrid {
  CatalogueSummary catalogue;
  double sigma_e = 0;  // weighted rms of the calibrated shapes per component
  FlatShearGrid grid;  // valid on rank 0
};

struct SphereCatalogueMaps {
  CatalogueSummary catalogue;
  double sigma_e = 0;
  SphereShearMaps maps;  // valid on rank 0
};

// Collective. Laps "ingest and binning" (or "ingest" and "binning") on `timer`.
FlatCatalogueGrid bin_catalogue_flat(const CatalogueOptions& catalogue, const FlatKsSettings& flat,
                                     const distributed::Communicator& comm, PhaseTimer& timer);
// Collective. `later_bytes`: what the caller will need beside the binned maps (transforms), for the memory
// check made before anything is read. Laps "ingest and binning".
SphereCatalogueMaps bin_catalogue_sphere(const CatalogueOptions& catalogue, long nside, double later_bytes,
                                         const distributed::Communicator& comm, PhaseTimer& timer);

}  // namespace lofimap::pipeline
