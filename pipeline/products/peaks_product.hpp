// `lofimap peaks`: the peak catalogue of a convergence map (flat FITS images or a HEALPix table): local
// maxima of the map's signal-to-noise after optional Gaussian smoothing, above a threshold, as a FITS table
// with RA, Dec, kappa, S/N, the noise and the pixel.
#pragma once

#include <string>

#include "pipeline/core/product_options.hpp"

namespace lofimap::pipeline {

struct PeaksConfig {
  std::string map;              // a map product (ks, map, simulate field, or any TAN image / HEALPix table)
  std::string hdu;              // flat HDU or HEALPix column; "" = KAPPA_E, else KAPPA
  double smoothing_arcmin = 0;  // Gaussian sigma applied before the peaks are found
  double threshold = 3;         // in S/N
  // Peaks only where at least this fraction of the smoothing kernel falls inside the footprint: the edge of a
  // smoothed (or spherical-KS) map leaks and rings.
  double min_coverage = 0.9;
  // Noise of the (smoothed) map: "analytic" (shape noise from NGAL and LMSIGE through the smoothing: KS E or B
  // maps), "b-mode" (the rms of the product's B map, smoothed the same way), "none" (the map already is S/N),
  // an HDU/column holding the noise std per pixel, or "auto" (analytic for KS maps, else b-mode).
  std::string noise = "auto";
  OutputOptions output;   // FITS table
  void validate() const;  // std::invalid_argument naming the option
};

ProductReport run_peaks(const PeaksConfig& config);

}  // namespace lofimap::pipeline
