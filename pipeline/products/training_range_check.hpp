// Whether a map's data lie inside what its model was trained on (LofiOptions' training ranges): the network
// extrapolates outside them, and nothing in the map would show it.
#pragma once

#include <string>

#include "models/lofi_options.hpp"

namespace lofimap::pipeline {

// "" when every known quantity lies inside the model's ranges (or the model records none), else a sentence
// naming each quantity outside, its value and the range. `what` names the data ("the catalogue", "bin 2").
// A quantity < 0 is unknown and not checked.
std::string training_range_warning(const models::LofiOptions& model, const std::string& what,
                                   double ngal_per_arcmin2, double sigma_e, double pixel_arcmin);

}  // namespace lofimap::pipeline
