// Which pixels of a flat grid lie inside the survey's footprint. A pixel without galaxies is not outside:
// at 0.29' pixels and 30 galaxies per arcmin^2 a third of the pixels inside are empty. The footprint is the
// morphological closing of the pixels that hold galaxies (dilated by a disc of radius r, then eroded by the
// same disc), which fills gaps narrower than 2r and does not grow the outer edge.
#pragma once

#include <vector>

#include "pipeline/core/flat_grid.hpp"

namespace lofimap::pipeline {

// The closing radius in pixels: at least 1.5 pixels, and the radius of a disc that holds 5 galaxies on
// average at the catalogue's density, estimated from the occupied pixels (a mean count m per occupied pixel
// is a Poisson mean lambda with lambda / (1 - exp(-lambda)) = m). Capped at 5 arcmin.
double footprint_closing_radius(const std::vector<double>& counts, const FlatGrid& grid);

// 1 inside the footprint, 0 outside, on `grid` (counts: galaxies per pixel, row-major). Beyond the grid's
// border is taken as inside, so that a footprint reaching the border is not eroded there.
std::vector<double> footprint_mask(const std::vector<double>& counts, const FlatGrid& grid);

// The mask read at another grid's pixel centres (same tangent point): 1 where the nearest pixel of the mask's
// grid is inside, 0 where it is outside or off that grid.
std::vector<double> resample_mask(const std::vector<double>& mask, const FlatGrid& from, const FlatGrid& to);

}  // namespace lofimap::pipeline
