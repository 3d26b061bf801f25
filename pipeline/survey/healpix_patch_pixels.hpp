// HEALPix pixels of a sky region: the RING pixels of a given nside whose centres fall inside a flat grid (the
// output pixels of a region mapped on its tangent plane).
#pragma once

#include <vector>

#include "pipeline/core/flat_grid.hpp"

namespace lofimap::pipeline {

// Ascending RING pixel indices.
std::vector<long long> sphere_pixels_in_patch(long nside, const FlatGrid& patch);

}  // namespace lofimap::pipeline
