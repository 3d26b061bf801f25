// The options of a survey map in sky regions (`ks --regions`, `map --regions`): how the sky is cut, how the
// galaxies move between ranks, and how a long run is split, stopped and resumed.
#pragma once

#include <string>

namespace lofimap::pipeline {

class SkyRegions;

struct RegionOptions {
  long nside = 0;                 // > 0: HEALPix regions of this nside (NESTED); 0: a single patch
  double margin_deg = 1.0;        // galaxies this far beyond a region's edge feed its inversion
  bool box_large_scales = false;  // true: each region's own KS at every scale (no spherical large scales)
  double memory_gib = 0.25;       // galaxies of the regions a rank maps at once (the exchange's waves)
  bool reread_catalogue = false;  // read the rows again for every pass instead of holding them
  bool resume = false;            // reuse the finished regions of an interrupted run (<output>.parts/)
  long stop_after = 0;            // stop after mapping this many regions on a rank (0: run to the end)
  int task = 0, tasks = 1;        // map only share `task` of `tasks` (a job array); the merge resumes
  bool enabled() const { return nside > 0; }
};

// Throws std::invalid_argument naming the option. `out_nside`: the output HEALPix nside (or the region nside
// where the output is not a HEALPix map); `pixel_arcmin`: the regions' input pixel, 0 while it is still to
// come from a model; `pad`: the FFT zero padding.
void validate_region_options(const RegionOptions& regions, long out_nside, double pixel_arcmin, double pad);

// Throws std::invalid_argument naming `option` (the pixel's source) when a region would be narrower than 4
// pixels, or its grid would need more memory than the machine has.
void validate_region_grid(const SkyRegions& regions, double pixel_arcmin, double pad,
                          const std::string& option);

}  // namespace lofimap::pipeline
