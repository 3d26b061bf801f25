#include "pipeline/products/binned_catalogue.hpp"

#include <string>

#include "pipeline/catalogue/catalogue_loader.hpp"
#include "pipeline/core/machine_resources.hpp"
#include "pipeline/flat/flat_raw_binning.hpp"
#include "pipeline/sphere/sphere_raw_binning.hpp"

namespace lofimap::pipeline {

namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

// Each reading thread sums into maps of its own: beyond 1 GiB of those, one thread reads.
int parts_for(const CatalogueScan& scan, double part_bytes) {
  const int parts = scan.default_parts();
  return parts * part_bytes > kGiB ? 1 : parts;
}

// One catalogue pass into a raw binner (FlatRawBinner, SphereRawBinner), then its calibrated maps: the
// summary, the calibrated shape noise over all ranks and the maps go into `out`. Collective.
template <typename Binner, typename Result, typename Maps>
void scan_into(CatalogueScan& scan, int parts, Binner& binner, const distributed::Communicator& comm,
               Result& out, Maps& maps) {
  scan.run(parts, [&](int part, const RawShearRows& rows) { binner.add(part, rows); });
  ShapeCalibration calibration;
  out.catalogue = scan.finish(calibration);
  ShapeMoments moments = binner.moments();
  comm.allreduce_sum(moments.v, ShapeMoments::kCount);
  out.sigma_e = moments.shape_noise(calibration);
  maps = binner.finish(calibration, comm);
}

// A flat patch's memory before anything is allocated for it: per pixel 32 bytes of sums for each binning
// part, the binned grid (32), and the padded transforms (three complex buffers of pad^2 x 16 bytes, as a
// spectrum kept for several filters needs; Kaiser-Squires alone needs pad x 16). `ks` at 1024^2 with two
// parts and pad 2 peaks at 119 MiB for the whole process, against 310 MB estimated.
void require_flat_memory(const FlatGrid& patch, double pad, int parts) {
  const double pixels = static_cast<double>(patch.nx) * static_cast<double>(patch.ny);
  require_memory(pixels * (32.0 * (parts + 1) + 32 + 48 * pad * pad),
                 "flat patch of " + std::to_string(patch.nx) + " x " + std::to_string(patch.ny) +
                     " pixels (--npix, --size, --pixel)");
}

}  // namespace

FlatCatalogueGrid bin_catalogue_flat(const CatalogueOptions& catalogue, const FlatKsSettings& flat,
                                     const distributed::Communicator& comm, PhaseTimer& timer) {
  if (const auto patch = explicit_flat_patch(flat)) {
    CatalogueScan scan(catalogue, comm);
    const int parts = parts_for(scan, 32.0 * static_cast<double>(patch->pixels()));
    require_flat_memory(*patch, flat.pad, parts);
    FlatRawBinner binner(*patch, parts, scan.per_galaxy_c());
    FlatCatalogueGrid in;
    scan_into(scan, parts, binner, comm, in, in.grid);
    timer.lap("ingest and binning");
    return in;
  }
  FlatCatalogueGrid in;
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

SphereCatalogueMaps bin_catalogue_sphere(const CatalogueOptions& catalogue, long nside, double later_bytes,
                                         const distributed::Communicator& comm, PhaseTimer& timer) {
  CatalogueScan scan(catalogue, comm);
  const double part_bytes = SphereRawBinner::part_bytes(nside, scan.per_galaxy_c());
  const int parts = parts_for(scan, part_bytes);
  // Besides the sums: the binned maps (32 bytes a pixel) and what the caller needs later.
  require_memory(
      parts * part_bytes + 32 * 12.0 * static_cast<double>(nside) * static_cast<double>(nside) + later_bytes,
      "ks --sphere --nside " + std::to_string(nside));
  SphereRawBinner binner(nside, parts, scan.per_galaxy_c());
  SphereCatalogueMaps in;
  scan_into(scan, parts, binner, comm, in, in.maps);
  timer.lap("ingest and binning");
  return in;
}

}  // namespace lofimap::pipeline
