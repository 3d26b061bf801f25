// The picture of a survey map in regions: its first column (KAPPA_E or KAPPA) as gnomonic view of the
// footprint (Mollweide beyond a tenth of the sky), from the averaged pixels rank 0 kept while writing the
// map.
#pragma once

#include <string>

#include "pipeline/core/product_options.hpp"
#include "pipeline/survey/region_driver.hpp"

namespace lofimap::pipeline {

// Writes `path` (temporary name, renamed into place) on rank 0 when the run wrote a HEALPix map; returns the
// path written or "" when there is no picture to draw.
std::string write_region_picture(const RegionRun& run, const OutputOptions& output, const std::string& path,
                                 const std::string& title);

}  // namespace lofimap::pipeline
