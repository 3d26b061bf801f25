// One region of a survey map: its galaxies projected on the region's tangent plane with their shear rotated
// into the plane's frame, binned, inverted by flat Kaiser-Squires with zero padding (optionally joined to the
// large-scale maps of the whole catalogue; the input of KS maps and of LoFi), and read at the centres of the
// region's own output HEALPix pixels (NESTED). A pixel is observed when it holds a galaxy or its coverage
// cell (about one output pixel, at least ~8 galaxies' worth at the region's density) does; the others are
// left out (UNSEEN in the map).
#pragma once

#include <vector>

#include "pipeline/core/shear_catalogue.hpp"
#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/survey/large_scale_kappa.hpp"
#include "pipeline/survey/sky_regions.hpp"

namespace lofimap::pipeline {

// A region's input: its grid, the binned shear (rotated into the plane) and the KS E/B maps on it.
struct RegionInput {
  FlatGrid grid;
  std::vector<double> kappa_e, kappa_b, count;  // [iy * nx + ix]
  std::vector<double> g1, g2;                   // the binned shear (LoFi's Wiener channel reads it)
};
// `large`: when given, the flat KS keeps only the scales below its sigma and the large-scale maps supply the
// rest (seam-free regions); null: the region's own KS at every scale.
RegionInput region_input(const ShearCatalogue& galaxies, const SkyRegions& regions, long long region,
                         double pad, double smoothing_arcmin, const LargeScaleKappa* large);
// The same from galaxies already rotated into the plane of `grid` (rotate_into_plane): noise realisations
// reuse one rotation.
RegionInput region_input_in_plane(const ShearCatalogue& plane_galaxies, const FlatGrid& grid, double pad,
                                  double smoothing_arcmin, const LargeScaleKappa* large);

// The region's observed output pixels: NESTED indices, their centres on the region's plane [arcmin], and the
// galaxies in each.
struct RegionPixels {
  std::vector<long long> pixels;
  std::vector<float> xy_arcmin;  // x0, y0, x1, y1, ...
  std::vector<float> n_gal;
};
RegionPixels region_output_pixels(const ShearCatalogue& galaxies, const SkyRegions& regions, long long region,
                                  long out_nside, const RegionInput& input);

// Positions inside the region's footprint (their coverage cell, about one input pixel, holds a galaxy), as
// RegionPixels whose `pixels` are the positions' indices in the given lists (n_gal 0): a coordinate list's
// share of the region.
RegionPixels region_points(const RegionInput& input, const std::vector<double>& ra_deg,
                           const std::vector<double>& dec_deg);

// Bicubic (Keys) interpolation of a map on the region's grid at the pixels' centres.
std::vector<float> sample_on_pixels(const RegionInput& input, const std::vector<double>& map,
                                    const RegionPixels& pixels);

// The galaxies' shear rotated into the frame of the tangent plane about `centre` (positions unchanged), by
// gnomonic_frame_angle.
ShearCatalogue rotate_into_plane(const ShearCatalogue& galaxies, const TangentPoint& centre);

}  // namespace lofimap::pipeline
