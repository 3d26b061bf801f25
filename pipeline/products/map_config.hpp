// Options of `lofimap map` (torch-free): the command line fills them in and validates them before the
// LibTorch plugin is loaded; they cross into the plugin as this struct (pipeline/products/lofi_plugin.hpp).
#pragma once

#include <string>
#include <vector>

#include "pipeline/core/compute_device.hpp"
#include "pipeline/products/ks_product.hpp"

namespace lofimap::pipeline {

struct MapConfig {
  KsConfig ks;  // catalogue, input grid (flat), output path, overwrite, png, command line
  std::string
      ks_map;  // a flat product of `lofimap ks` (unsmoothed) instead of catalogues: its grid is the input
  std::string model;   // LoFi weights ("" = the shipped default model)
  double sigma_e = 0;  // shape noise per component for the noise channel (0: measured, or LMSIGE of ks_map)
  double out_pixel_arcmin = 0;  // output grid pixel (0: the input grid's)
  long out_npix = 0;            // output pixels per side (0: the input grid's extent)
  std::string coords_file;      // a list of RA Dec (text, CSV or FITS table) to evaluate instead of a grid
  long nside = 0;      // > 0: output at the centres of the HEALPix pixels inside the patch (partial map)
  long batch = 32768;  // queries per forward pass (bounds memory)
  ComputeDevice device = ComputeDevice::Cpu;
  Precision precision = Precision::Fp32;  // arithmetic of LoFi's forward passes

  // Every option and the output path, before anything heavy is loaded; throws std::invalid_argument naming
  // the option, io::Error for an unwritable output or a missing model file. A grid given by none of --pixel,
  // --npix and --size takes the model's training pixel (filled in once the model is read).
  void validate() const;
  // The model file to read: `model`, or the shipped default (throws std::invalid_argument when there is
  // none).
  std::string model_path() const;
};

struct MapReport {
  // A region map stopped early (signal or --stop-after); its progress is kept for --resume.
  bool interrupted = false;
  std::vector<std::string> written;
  std::string summary;
};

}  // namespace lofimap::pipeline
