// The per-pixel noise level fed to LoFi as an extra input channel: sigma_e / sqrt(N_gal) where galaxies fell,
// and 1 (far above any real pixel noise) where none did. One definition for training, mapping and benchmarks.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace lofimap::pipeline {

template <typename Count>
std::vector<float> noise_channel(const Count* counts, std::size_t n, double sigma_e) {
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = counts[i] > 0 ? static_cast<float>(sigma_e / std::sqrt(static_cast<double>(counts[i]))) : 1.0f;
  return out;
}

}  // namespace lofimap::pipeline
