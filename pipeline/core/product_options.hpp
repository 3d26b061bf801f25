// Option groups every map product shares (`ks` and `map`, on one patch or in regions), each filled in once by
// the command line, and the report a product run returns.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lofimap::pipeline {

// Where a product goes: the FITS file (or text table) and the PNG quick-looks beside it, written to temporary
// names and renamed into place together.
struct OutputOptions {
  std::string path;
  bool overwrite = false;
  bool png = true;
  std::string command_line;  // recorded in the product's header
};

// Noise maps from K realisations of the catalogue with randomly rotated ellipticities (NOISE_STD, SNR).
struct NoiseOptions {
  long realisations = 0;  // 0: none; else at least 2
  std::uint64_t seed = 1;
};
// Throws std::invalid_argument naming --noise-realisations unless it is 0 or between 2 and 10,000.
void validate_noise_options(const NoiseOptions& noise);

// Throws std::invalid_argument naming --output when a product written only as FITS (`what`) is given an HDF5
// name (`ks -o map.h5` wrote FITS under that name).
void require_fits_name(const OutputOptions& output, const std::string& what);

// "<folder>/<stem>_<what>.png": the quick-look picture `what` of the product written to `output`.
std::string quicklook_path(const std::string& output, const std::string& what);

// Every file a product writes, checked before any work: each writable (io::check_writable), none an input of
// the run (a quick-look named like the catalogue would replace it) and no two the same. `companions` are the
// files beside the main output (quick-looks); io::Error naming the file otherwise.
void check_product_outputs(const OutputOptions& output, const std::vector<std::string>& companions,
                           const std::vector<std::string>& inputs);

// Throws std::invalid_argument naming --smooth when the Gaussian sigma is larger than half the field's side
// (`field` says which: "the patch of 64 x 64 pixels of 1 arcmin"): such a map is nearly zero everywhere
// (--smooth 1e6 gave an all-zero map). Warns above a tenth of the side (most of the field is then edge).
void check_smoothing(double smoothing_arcmin, double field_side_arcmin, const std::string& field);

struct ProductReport {
  // A region map stopped early (signal or --stop-after); its progress is kept for --resume.
  bool interrupted = false;
  std::vector<std::string> written;
  std::string summary;  // catalogue report, map statistics, timings
};

}  // namespace lofimap::pipeline
