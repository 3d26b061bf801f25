// The flat patch that covers a catalogue's footprint when the user gives no centre or size. One broken but
// valid row (a galaxy at Dec -60 among galaxies at Dec 2) must not stretch the patch to cover it, nor turn it
// into "spans more than a hemisphere": such far outliers are left out of the patch and reported.
#pragma once

#include <string>

#include "distributed/communicator.hpp"
#include "pipeline/core/flat_grid.hpp"
#include "pipeline/core/shear_catalogue.hpp"

namespace lofimap::pipeline {

struct FootprintPatch {
  FlatGrid grid;
  long long left_out = 0;        // galaxies far outside the bulk of the footprint, not covered by the grid
  long long galaxies = 0;        // all galaxies of the (distributed) catalogue
  std::string left_out_example;  // "RA .., Dec .." of one of them, for the message
};

// The bulk of the footprint: the box between the 0.5% and 99.5% quantiles of the tangent-plane coordinates
// about the galaxies' mean direction, widened by half its width on every side. Galaxies beyond it (or on the
// far hemisphere) are outliers when they are at most 1% of the catalogue; more than that means the footprint
// really is that wide, and every galaxy is covered. The patch then covers the rest: centred on the middle of
// their projected extent (RA wrap-around handled), with the pixel scale given (grid size from the extent
// plus one pixel) or npix pixels per side (pixel scale chosen so the footprint just fits); the other is 0.
// Identical on every rank.
FootprintPatch patch_covering(const ShearCatalogue& local, double pixel_arcmin, long npix,
                              const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
