#include "pipeline/products/flat_catalogue_grid.hpp"

#include <string>

#include "pipeline/catalogue/catalogue_loader.hpp"
#include "pipeline/core/machine_resources.hpp"
#include "pipeline/flat/flat_raw_binning.hpp"

namespace lofimap::pipeline {

namespace {

// A flat patch's memory before anything is allocated for it: per pixel 32 bytes of sums for each binning
// part, the binned grid (32), and the padded transforms (three complex buffers of pad^2 x 16 bytes); 140 MB
// measured above the process at 1024^2 with two parts and pad 2, against 310 MB estimated.
void require_flat_memory(const FlatGrid& patch, double pad, int parts) {
  const double pixels = static_cast<double>(patch.nx) * static_cast<double>(patch.ny);
  require_memory(pixels * (32.0 * (parts + 1) + 32 + 48 * pad * pad),
                 "flat patch of " + std::to_string(patch.nx) + " x " + std::to_string(patch.ny) +
                     " pixels (--npix, --size, --pixel)");
}

}  // namespace

FlatCatalogueGrid bin_catalogue_flat(const CatalogueOptions& catalogue, const FlatKsSettings& flat,
                                     const distributed::Communicator& comm, PhaseTimer& timer) {
  FlatCatalogueGrid in;
  if (const auto patch = explicit_flat_patch(flat)) {
    CatalogueScan scan(catalogue, comm);
    int parts = scan.default_parts();
    // Each reading thread sums into a patch of its own: beyond 1 GiB of those, one thread reads.
    if (parts * 32.0 * static_cast<double>(patch->pixels()) > 1024.0 * 1024 * 1024) parts = 1;
    require_flat_memory(*patch, flat.pad, parts);
    FlatRawBinner binner(*patch, parts, scan.per_galaxy_c());
    scan.run(parts, [&](int part, const RawShearRows& rows) { binner.add(part, rows); });
    ShapeCalibration calibration;
    in.catalogue = scan.finish(calibration);
    ShapeMoments moments = binner.moments();
    comm.allreduce_sum(moments.v, ShapeMoments::kCount);
    in.sigma_e = moments.shape_noise(calibration);
    in.grid = binner.finish(calibration, comm);
    timer.lap("ingest and binning");
    return in;
  }
  const LoadedCatalogue cat = load_catalogue(catalogue, comm);
  timer.lap("ingest");
  in.catalogue = cat.summary;
  in.sigma_e = measured_shape_noise(cat.galaxies, comm);
  const FlatGrid patch = resolve_flat_patch(flat, cat.galaxies, comm);
  require_flat_memory(patch, flat.pad, 1);
  in.grid = bin_flat(cat.galaxies, patch, comm);
  timer.lap("binning");
  return in;
}

}  // namespace lofimap::pipeline
