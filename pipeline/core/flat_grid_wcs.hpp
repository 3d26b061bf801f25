// The flat grid as the FITS writer describes it (a TAN WCS centred on the tangent point) and back.
#pragma once

#include "io/fits_maps.hpp"
#include "pipeline/core/flat_grid.hpp"

namespace lofimap::pipeline {

inline io::TanGrid tan_grid(const FlatGrid& g) {
  return {g.centre.ra_deg, g.centre.dec_deg, g.pixel_arcmin, g.nx, g.ny};
}
inline FlatGrid flat_grid(const io::TanGrid& t) {
  return {{t.ra0_deg, t.dec0_deg}, t.pixel_arcmin, t.nx, t.ny};
}

}  // namespace lofimap::pipeline
