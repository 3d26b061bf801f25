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

}  // namespace lofimap::pipeline
