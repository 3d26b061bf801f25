// `lofimap ks` as a pipeline: catalogue -> calibrated galaxies -> binned shear -> Kaiser-Squires E/B maps ->
// FITS (flat with TAN WCS, or HEALPix) + PNG quick-looks, all written atomically by rank 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/catalogue/catalogue_loader.hpp"
#include "pipeline/flat/flat_patch_settings.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"

namespace lofimap::pipeline {

struct KsConfig {
  CatalogueOptions catalogue;
  bool sphere = false;
  FlatKsSettings flat;
  long nside = 0;
  SphereKsOptions sphere_options;  // smoothing_arcmin is shared with flat
  bool partial = false;            // HEALPix output: only observed pixels (explicit indexing)
  // Survey maps in regions (> 0: HEALPix regions of this nside, NESTED; output at `nside`):
  long regions = 0;
  double margin_deg = 1.0;        // galaxies this far beyond a region's edge feed its inversion
  bool box_large_scales = false;  // true: each region's own KS at every scale (no spherical large scales)
  double region_memory_gib = 0.25;  // galaxies of the regions a rank maps at once (the exchange's waves)
  bool reread_catalogue = false;    // read the rows again for every pass instead of holding them
  bool resume = false;            // reuse the finished regions of an interrupted run (<output>.parts/)
  long stop_after = 0;            // stop after mapping this many regions on a rank (0: run to the end)
  int task = 0, tasks = 1;        // map only share `task` of `tasks` (a job array); the merge resumes
  long noise_realisations = 0;    // maps of randomly rotated ellipticities -> NOISE_STD and SNR columns
  std::uint64_t noise_seed = 1;   // of the rotations
  double smoothing_arcmin = 0;
  std::string wiener_cl;  // a C_ell table (ell, C_ell): also write the Wiener-filtered map (flat patch)
  std::string output;     // .fits
  bool overwrite = false;
  bool png = true;
  std::string command_line;
};

struct KsReport {
  // A region map stopped early (signal or --stop-after); its progress is kept for --resume.
  bool interrupted = false;
  std::vector<std::string> written;
  std::string summary;  // catalogue report + map statistics
};

// Validates every option and output path before reading anything; throws std::invalid_argument (bad option)
// or io::Error (bad file). Products are written by rank 0 only.
KsReport run_kaiser_squires(const KsConfig& config, const distributed::Communicator& comm);

// Paths of the PNG quick-looks next to `output` (stem_kappa_e.png, ...).
std::vector<std::string> quicklook_paths(const std::string& output);

}  // namespace lofimap::pipeline
