// Options of `lofimap map`, free of torch headers: the command line fills them in and they cross into the
// LibTorch plugin as JSON.
#pragma once

#include <string>

#include "pipeline/kaiser_squires_products.hpp"

namespace lofimap::pipeline {

struct MapConfig {
  KsConfig ks;               // catalogue, input grid (flat), output path, overwrite, png, command line
  std::string ks_map;        // a flat product of `lofimap ks` (unsmoothed) instead of catalogues: its grid is the input
  std::string model;         // LoFi weights ("" = the shipped default model)
  double sigma_e = 0;        // shape noise per component for the noise channel (0: measured, or LMSIGE of ks_map)
  double out_pixel_arcmin = 0;  // output grid pixel (0: the input grid's)
  long out_npix = 0;            // output pixels per side (0: the input grid's extent)
  std::string coords_file;      // a list of RA Dec (text, CSV or FITS table) to evaluate instead of a grid
  long nside = 0;               // > 0: output at the centres of the HEALPix pixels inside the patch (partial map)
  long batch = 32768;           // queries per forward pass (bounds memory)

  std::string to_json() const;
  static MapConfig from_json(const std::string& json);
  void validate() const;
};

// The default model shipped with the source tree (models/weights/default.pt), or "" when absent.
std::string default_model_path();

}  // namespace lofimap::pipeline
