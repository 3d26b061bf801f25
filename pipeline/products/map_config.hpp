// Options of `lofimap map` (torch-free), by group: the catalogue (or a KS map), the input grid (a flat patch,
// or sky regions), noise realisations, the model and where it runs, the output grid (a flat grid of any
// pixel, the HEALPix pixels of the patch, a coordinate list, or with --regions a partial HEALPix map or a
// flat mosaic) and the output file. The command line fills them in; the map product validates them before any
// model is loaded.
#pragma once

#include <string>

#include "pipeline/catalogue/catalogue_scan.hpp"
#include "pipeline/catalogue/tomographic_bins.hpp"
#include "pipeline/core/compute_device.hpp"
#include "pipeline/core/product_options.hpp"
#include "pipeline/flat/flat_patch_settings.hpp"
#include "pipeline/survey/region_driver.hpp"
#include "pipeline/survey/region_options.hpp"

namespace lofimap::pipeline {

// Which model, and how it is evaluated.
struct ModelChoice {
  std::string path;    // LoFi weights ("" = the shipped default model)
  long batch = 32768;  // queries per forward pass (bounds memory)
  ComputeDevice device = ComputeDevice::Cpu;
  Precision precision = Precision::Fp32;  // arithmetic of the forward passes
};

struct MapConfig {
  CatalogueOptions catalogue;
  std::string
      ks_map;  // a flat product of `lofimap ks` (unsmoothed) instead of catalogues: its grid is the input
  FlatKsSettings flat;    // input (KS) grid; with --regions the pixel and padding of every region
  RegionOptions regions;  // regions.nside > 0: a survey map in sky regions
  NoiseOptions noise;     // with --regions: NOISE_STD and SNR columns
  ModelChoice model;
  double sigma_e = 0;  // shape noise per component for the noise channel (0: measured, or LMSIGE of ks_map)
  double out_pixel_arcmin = 0;  // output grid pixel (0: the input grid's); with --regions a flat mosaic
  long out_npix = 0;            // output pixels per side (0: the input grid's extent)
  std::string coords_file;      // a list of RA Dec (text, CSV or FITS table) to evaluate instead of a grid
  long nside =
      0;  // > 0: output at the centres of the HEALPix pixels inside the patch; with --regions the map's
  TomographicBins bins;       // one map per bin beside that of all bins together (catalogues, one patch)
  bool b_mode = false;        // also the network applied to the 45-degree-rotated shear (KAPPA_B)
  bool keep_outside = false;  // keep values outside the footprint (default NaN, UNSEEN on HEALPix)
  bool intervals = false;     // KAPPA_STD and the 68% / 95% intervals from the model's calibration
  OutputOptions output;

  // Every option, its consistency with the chosen mode and every path, before anything heavy is loaded;
  // throws std::invalid_argument naming the option, io::Error for an unwritable output or a missing model
  // file. A grid given by none of --pixel, --npix and --size takes the model's training pixel (once the model
  // is read).
  void validate() const;
  // The model file to read: model.path, or the shipped default (throws std::invalid_argument when none).
  std::string model_path() const;
  // With --regions: a coordinate list or a flat mosaic instead of a HEALPix map.
  bool region_list_output() const { return !coords_file.empty() || out_pixel_arcmin > 0; }
  // With --regions; `pixel_arcmin`: the regions' input pixel (--pixel or the model's).
  RegionSettings region_settings(double pixel_arcmin) const;
};

}  // namespace lofimap::pipeline
