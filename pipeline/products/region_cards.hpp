// The header cards of every map in regions: provenance (software, catalogue, command line) and the region
// settings (input pixel, region nside, margin, large scales, padding).
#pragma once

#include <vector>

#include "io/header_card.hpp"
#include "pipeline/catalogue/catalogue_scan.hpp"
#include "pipeline/survey/region_driver.hpp"

namespace lofimap::pipeline {

std::vector<io::HeaderCard> region_cards(const RegionSettings& settings, const CatalogueSummary& summary);

}  // namespace lofimap::pipeline
