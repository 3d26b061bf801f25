// `lofimap eval`: a map against a truth map on the same flat grid (FITS images with TAN WCS): RMSE and
// Pearson r inside the mask, binned power-spectrum ratio, B-mode level; a text table, a JSON record and a
// side-by-side PNG.
#pragma once

#include <string>
#include <vector>

namespace lofimap::pipeline {

struct EvalRequest {
  std::string map, map_hdu = "KAPPA";      // reconstruction (KAPPA for lofimap map, KAPPA_E for ks)
  std::string truth, truth_hdu = "KAPPA";  // truth (KAPPA for lofimap simulate)
  std::string b_map, b_hdu = "KAPPA_B";    // optional B-mode map for the B level
  std::string mask, mask_hdu = "WEIGHT";   // optional: pixels > 0 are inside (default: the map's MASK HDU)
  std::string output_stem;                 // writes STEM.txt, STEM.json, STEM.png
  bool overwrite = false;
};

struct EvalReport {
  std::vector<std::string> written;
  std::string table;
};

EvalReport run_evaluation(const EvalRequest& request);

}  // namespace lofimap::pipeline
