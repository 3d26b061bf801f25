// The provenance record every product carries: software version and revision, the command line, inputs and
// the options that shaped the result, as FITS header cards (LM* keys).
#pragma once

#include <string>
#include <vector>

#include "io/fits_maps.hpp"
#include "pipeline/catalogue/catalogue_loader.hpp"

namespace lofimap::pipeline {

// Software version and revision, date and command line.
std::vector<io::HeaderCard> software_cards(const std::string& command_line);
// software_cards plus the catalogue inputs and the calibration applied.
std::vector<io::HeaderCard> provenance_cards(const std::string& command_line,
                                             const CatalogueSummary& catalogue);

// What pictures' titles name, the same way in every product: the catalogue ("cat.fits + 3 more [Z > 0.5]"),
// the smoothing (", smoothed σ = 2'" or ", unsmoothed") and the model ("default.pt, 0fa164b9").
std::string catalogue_label(const std::vector<std::string>& files, const std::string& select);
std::string smoothing_label(double sigma_arcmin);
std::string model_label(const std::string& path, const std::string& hash);

}  // namespace lofimap::pipeline
