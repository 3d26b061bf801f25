// Turning maps into display rasters for PNG quick-looks (io/ draws them): flat maps East left, North up;
// HEALPix maps as a gnomonic view of a partial footprint or a Mollweide view of the whole sky.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "io/png_quicklook.hpp"
#include "pipeline/flat/flat_geometry.hpp"

namespace lofimap::pipeline {

struct QuicklookView {
  io::Raster raster;
  io::QuicklookStyle style;  // axes filled in; title/colour map left to the caller
};

QuicklookView flat_view(const std::vector<double>& map, const FlatGrid& patch);
// Pixels with weight == 0 are drawn as background (empty weight: all observed). Footprints under 10% of the
// sky get a gnomonic view, larger ones a Mollweide view.
QuicklookView sphere_view(const std::vector<double>& map, const std::vector<double>& weight, long nside);
// The same from the observed pixels of a partial map (pixel index, value; NESTED or RING), without a full-sky
// array: a region map at nside 4096 has 2e8 pixels, of which a survey observes a few percent.
QuicklookView sphere_partial_view(std::vector<std::pair<long long, float>> pixel_values, long nside,
                                  bool nested);

}  // namespace lofimap::pipeline
