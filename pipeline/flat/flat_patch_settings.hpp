// How a user describes a flat map's grid (centre, size, pixel scale, number of pixels, FFT padding) and the
// grid those settings resolve to: given explicitly, or the footprint of the catalogue.
#pragma once

#include <optional>

#include "distributed/communicator.hpp"
#include "pipeline/core/flat_grid.hpp"
#include "pipeline/core/shear_catalogue.hpp"

namespace lofimap::pipeline {

struct FlatKsSettings {
  std::optional<double> center_ra, center_dec;  // both or neither; default: the catalogue's footprint
  double pixel_arcmin = 0;                      // 0: from size/npix or the footprint
  long npix = 0;                                // pixels per side; 0: from the extent
  double size_deg = 0;                          // side of the square patch when the centre is given
  double pad = 2;                               // zero-padding factor of the FFT
  // A grid fixed beforehand (tomographic bins reuse the grid of all bins together); overrides the rest.
  std::optional<FlatGrid> grid;
};

// The patch when the settings give it without the catalogue (--center with --npix/--size and a pixel
// scale); validated. Nothing when it depends on the catalogue's footprint.
std::optional<FlatGrid> explicit_flat_patch(const FlatKsSettings& settings);
// The flat patch the settings describe (centre/size/pixel given, or the catalogue's footprint); validated.
FlatGrid resolve_flat_patch(const FlatKsSettings& settings, const ShearCatalogue& galaxies,
                            const distributed::Communicator& comm);
// Validates flat-patch settings before anything is read (throws std::invalid_argument naming the option).
void validate_flat_settings(const FlatKsSettings& settings);

}  // namespace lofimap::pipeline
