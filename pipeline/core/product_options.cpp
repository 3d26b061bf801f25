#include "pipeline/core/product_options.hpp"

#include <stdexcept>

namespace lofimap::pipeline {

void validate_noise_options(const NoiseOptions& noise) {
  if (noise.realisations == 1 || noise.realisations < 0 || noise.realisations > 10000)
    throw std::invalid_argument("--noise-realisations: between 2 and 10,000 (a standard deviation needs two)");
}

}  // namespace lofimap::pipeline
