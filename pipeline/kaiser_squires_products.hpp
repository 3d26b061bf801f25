// `lofimap ks` as a pipeline: catalogue -> calibrated galaxies -> binned shear -> Kaiser-Squires E/B maps ->
// FITS (flat with TAN WCS, or HEALPix) + PNG quick-looks, all written atomically by rank 0.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/catalogue_loader.hpp"
#include "pipeline/flat_geometry.hpp"
#include "pipeline/sphere_kaiser_squires.hpp"

namespace lofimap::pipeline {

struct FlatKsSettings {
  std::optional<double> center_ra, center_dec;  // both or neither; default: the catalogue's footprint
  double pixel_arcmin = 0;                      // 0: from size/npix or the footprint
  long npix = 0;                                // pixels per side; 0: from the extent
  double size_deg = 0;                          // side of the square patch when the centre is given
  double pad = 2;                               // zero-padding factor of the FFT
};

struct KsConfig {
  CatalogueOptions catalogue;
  bool sphere = false;
  FlatKsSettings flat;
  long nside = 0;
  SphereKsOptions sphere_options;  // smoothing_arcmin is shared with flat
  bool partial = false;            // HEALPix output: only observed pixels (explicit indexing)
  double smoothing_arcmin = 0;
  std::string wiener_cl;  // a C_ell table (ell, C_ell): also write the Wiener-filtered map (flat, square patch)
  std::string output;  // .fits
  bool overwrite = false;
  bool png = true;
  std::string command_line;
};

struct KsReport {
  std::vector<std::string> written;
  std::string summary;  // catalogue report + map statistics
};

// Validates every option and output path before reading anything; throws std::invalid_argument (bad option)
// or io::Error (bad file). Products are written by rank 0 only.
KsReport run_kaiser_squires(const KsConfig& config, const distributed::Communicator& comm);

// The flat patch the settings describe (centre/size/pixel given, or the catalogue's footprint); validated.
FlatPatch resolve_flat_patch(const FlatKsSettings& settings, const ShearCatalogue& galaxies,
                             const distributed::Communicator& comm);
// Validates flat-patch settings before anything is read (throws std::invalid_argument naming the option).
void validate_flat_settings(const FlatKsSettings& settings);

// Paths of the PNG quick-looks next to `output` (stem_kappa_e.png, ...).
std::vector<std::string> quicklook_paths(const std::string& output);

}  // namespace lofimap::pipeline
