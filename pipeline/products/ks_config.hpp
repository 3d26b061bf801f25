// Options of `lofimap ks` (Kaiser-Squires E/B maps, optionally the Wiener filter), by group: the catalogue,
// the grid (a flat patch, a HEALPix map with --sphere, or sky regions), noise realisations and the output.
#pragma once

#include <string>
#include <vector>

#include "pipeline/catalogue/catalogue_scan.hpp"
#include "pipeline/catalogue/tomographic_bins.hpp"
#include "pipeline/core/product_options.hpp"
#include "pipeline/flat/flat_patch_settings.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"
#include "pipeline/survey/region_driver.hpp"
#include "pipeline/survey/region_options.hpp"

namespace lofimap::pipeline {

struct KsConfig {
  CatalogueOptions catalogue;
  FlatKsSettings flat;             // a flat patch; with --regions the pixel and padding of every region
  bool sphere = false;             // one HEALPix map (spherical KS) of the whole catalogue
  long nside = 0;                  // HEALPix nside with --sphere or --regions
  SphereKsOptions sphere_options;  // lmax, iterations (smoothing_arcmin below applies to both geometries)
  bool partial = false;            // HEALPix output: only observed pixels (explicit indexing)
  RegionOptions regions;           // regions.nside > 0: a survey map in sky regions
  NoiseOptions noise;              // with --regions: NOISE_STD and SNR columns
  double smoothing_arcmin = 0;
  std::string wiener_cl;  // a C_ell table (ell, C_ell): also write the Wiener-filtered map (flat or sphere)
  TomographicBins bins;   // one set of maps per bin beside those of all bins together
  std::string redshift_column;  // --wiener limber: the n(z) column (the bins' column, else the preset's z)
  bool keep_outside = false;    // keep the maps' values outside the footprint (default NaN / UNSEEN there)
  double aperture_mass_arcmin = 0;  // > 0: also the aperture-mass maps with this filter radius (flat patch)
  bool intervals = false;  // flat --wiener: posterior std and 68% / 95% intervals from Wiener samples
  int samples = 0;         // flat --wiener: posterior samples (written as HDUs; 0 = 32 for --intervals)
  OutputOptions output;    // .fits (or .h5 for a region map)

  // Every option, its consistency with the chosen mode and the output path, before anything is read; throws
  // std::invalid_argument naming the option, io::Error for an input or output that cannot be used.
  void validate() const;
  RegionSettings region_settings() const;  // with --regions
};

// Paths of the PNG quick-looks of a flat or HEALPix KS map next to `output` (stem_kappa_e.png,
// stem_kappa_b.png, stem_ngal.png, and stem_kappa_wiener.png with the Wiener filter), in the order they are
// drawn.
std::vector<std::string> quicklook_paths(const std::string& output, bool wiener);

}  // namespace lofimap::pipeline
