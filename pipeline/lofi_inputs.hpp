// LoFi on training-set maps (torch; for the training loop and the quality benchmark): the input channels
// [kappa_E, kappa_B] of the KS estimate (plus the per-pixel noise level when the model has the extra channel),
// and predictions on a whole grid.
#pragma once

#include <torch/torch.h>

#include "io/hdf5_training_set.hpp"
#include "models/lofi_network.hpp"
#include "pipeline/noise_channel.hpp"

namespace lofimap::pipeline {

inline torch::Tensor lofi_input(const io::TrainingMap& m, long n, bool with_noise) {
  auto ks = torch::from_blob(const_cast<float*>(m.ks.data()), {2, n, n}).clone();
  if (!with_noise) return ks;
  auto noise = noise_channel(m.counts.data(), m.counts.size(), m.sigma_e);
  return torch::cat({ks, torch::from_blob(noise.data(), {1, n, n}).clone()});
}

// LoFi on a square output grid of n_out pixels of pixel_out arcmin centred on the input grid (pixel_in), in
// batches of 32768 queries: [n_out, n_out].
inline torch::Tensor predict_grid(models::LofiNetwork& net, const torch::Tensor& input, double pixel_in, long n_out,
                                  double pixel_out) {
  torch::NoGradGuard no_grad;
  auto iy = torch::arange(n_out).to(torch::kFloat).view({n_out, 1}).expand({n_out, n_out});
  auto ix = torch::arange(n_out).to(torch::kFloat).view({1, n_out}).expand({n_out, n_out});
  const double c = 0.5 * static_cast<double>(n_out - 1);
  auto q = torch::stack({(ix - c) * pixel_out, (iy - c) * pixel_out}, -1).reshape({1, n_out * n_out, 2});
  const auto channels = net->prefilter(input.unsqueeze(0), pixel_in);  // once per map, not per batch
  std::vector<torch::Tensor> parts;
  for (long s = 0; s < n_out * n_out; s += 32768)
    parts.push_back(net->query(channels, pixel_in, q.slice(1, s, std::min(n_out * n_out, s + 32768))));
  return torch::cat(parts, 1).view({n_out, n_out});
}

}  // namespace lofimap::pipeline
