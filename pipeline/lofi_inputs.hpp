// LoFi input channels of a training-set map (torch; for the training loop and the quality benchmark):
// [kappa_E, kappa_B] of the KS estimate and, when the model has the extra channel, the per-pixel noise level.
#pragma once

#include <torch/torch.h>

#include "io/hdf5_training_set.hpp"
#include "pipeline/noise_channel.hpp"

namespace lofimap::pipeline {

inline torch::Tensor lofi_input(const io::TrainingMap& m, long n, bool with_noise) {
  auto ks = torch::from_blob(const_cast<float*>(m.ks.data()), {2, n, n}).clone();
  if (!with_noise) return ks;
  auto noise = noise_channel(m.counts.data(), m.counts.size(), m.sigma_e);
  return torch::cat({ks, torch::from_blob(noise.data(), {1, n, n}).clone()});
}

}  // namespace lofimap::pipeline
