// LoFi on training-set maps (torch; for the training loop and the quality benchmark): the input channels
// [kappa_E, kappa_B] of the KS estimate (plus the per-pixel noise level when the model has the extra
// channel), and predictions on a whole grid.
#pragma once

#include <torch/torch.h>

#include "io/hdf5_training_set.hpp"
#include "models/lofi_network.hpp"
#include "pipeline/core/flat_grid.hpp"
#include "pipeline/core/noise_channel.hpp"

namespace lofimap::pipeline {

// [2 (+1), n, n] on `device`.
inline torch::Tensor lofi_input(const io::TrainingMap& m, long n, bool with_noise, torch::Device device) {
  auto ks = torch::from_blob(const_cast<float*>(m.ks.data()), {2, n, n}).clone();
  if (with_noise) {
    auto noise = noise_channel(m.counts.data(), m.counts.size(), m.sigma_e);
    ks = torch::cat({ks, torch::from_blob(noise.data(), {1, n, n}).clone()});
  }
  return ks.to(device);
}

// The pixel centres of a flat grid as LoFi queries [1, nx * ny, 2] in arcmin (x fastest), on `device`.
inline torch::Tensor grid_queries(const FlatGrid& grid, torch::Device device) {
  std::vector<float> xy(static_cast<size_t>(grid.pixels() * 2));
  size_t k = 0;
  for (long iy = 0; iy < grid.ny; ++iy)
    for (long ix = 0; ix < grid.nx; ++ix) {
      xy[k++] = static_cast<float>(grid.x_arcmin(static_cast<double>(ix)));
      xy[k++] = static_cast<float>(grid.y_arcmin(static_cast<double>(iy)));
    }
  return torch::from_blob(xy.data(), {1, grid.pixels(), 2}).clone().to(device);
}

// LoFi on a square output grid of n_out pixels of pixel_out arcmin centred on the input grid (pixel_in), in
// batches of 32768 queries, on the input's device: [n_out, n_out].
inline torch::Tensor predict_grid(models::LofiNetwork& net, const torch::Tensor& input, double pixel_in,
                                  long n_out, double pixel_out) {
  torch::NoGradGuard no_grad;
  const auto q = grid_queries(FlatGrid::square(n_out, pixel_out), input.device());
  const auto channels = net->prefilter(input.unsqueeze(0), pixel_in);  // once per map, not per batch
  std::vector<torch::Tensor> parts;
  for (long s = 0; s < n_out * n_out; s += 32768)
    parts.push_back(net->query(channels, pixel_in, q.slice(1, s, std::min(n_out * n_out, s + 32768))));
  return torch::cat(parts, 1).view({n_out, n_out});
}

}  // namespace lofimap::pipeline
