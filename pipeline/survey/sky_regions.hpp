// Sky regions of a survey map: the pixels of a coarse HEALPix grid in NESTED order (a contiguous range of
// regions is compact on the sky, so a rank's share is one area). Each region is mapped on its own tangent
// plane, about the region's centre, on a square grid that covers the region plus a margin (galaxies beyond
// the region's edge feed its Kaiser-Squires inversion, so neighbouring regions agree at their seams). Output
// pixels of a region at a finer NESTED nside form one index range: [r 4^k, (r + 1) 4^k).
#pragma once

#include <vector>

#include "pipeline/core/flat_grid.hpp"

namespace lofimap::pipeline {

class SkyRegions {
 public:
  // region_nside: power of two, at least 1; margin_deg >= 0; pixel_arcmin: the regions' input grid pixel.
  SkyRegions(long region_nside, double margin_deg, double pixel_arcmin);
  long nside() const { return nside_; }
  long long count() const { return 12LL * nside_ * nside_; }
  double margin_deg() const { return margin_deg_; }

  long long region_of(double ra_deg, double dec_deg) const;
  // The point's region and the regions within the margin (plus extra_deg) of it, ascending (to within a
  // sixteenth of a region's size).
  void regions_near(double ra_deg, double dec_deg, std::vector<long long>& out, double extra_deg = 0) const;
  double pixel_radius_deg() const { return radius_deg_; }  // the largest centre-to-corner distance
  TangentPoint centre(long long region) const;
  // The region's input grid: square, about its centre, covering its pixel's largest radius plus the margin.
  FlatGrid grid(long long region) const;
  // The farthest a point of a region's grid can lie from a galaxy the region is given (its own or one within
  // the margin), in degrees: the distance to the region centre plus the centre to a grid corner.
  double grid_reach_deg() const;
  // The side of every region's grid in pixels (grid(r).nx), without making one; 0 when it would pass 2^24.
  long grid_side() const;
  // The region's output pixels at NESTED nside out_nside (a multiple of the region nside): [first, last).
  void output_range(long long region, long out_nside, long long& first, long long& last) const;

 private:
  long nside_;
  double margin_deg_, pixel_arcmin_, radius_deg_;  // radius: the largest centre-to-corner distance
};

}  // namespace lofimap::pipeline
