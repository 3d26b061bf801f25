// LoFi on training-set maps (torch; for the training loop and the quality benchmark): the input channels the
// model reads (lofi_channels.hpp: KS E/B, noise level, Wiener estimate), and predictions on a whole grid.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <vector>

#include "io/hdf5_training_set.hpp"
#include "models/field_model.hpp"
#include "pipeline/core/flat_grid.hpp"
#include "pipeline/lofi/lofi_channels.hpp"

namespace lofimap::pipeline {

// The Wiener channel of a training map of n^2 pixels of `pixel` arcmin under the model's prior.
inline std::vector<float> training_map_wiener(const io::TrainingMap& m, long n, double pixel,
                                              const models::LofiOptions& options) {
  const auto nn = static_cast<long>(n * n);
  const std::vector<double> g1(m.shear.begin(), m.shear.begin() + nn),
      g2(m.shear.begin() + nn, m.shear.end()), counts(m.counts.begin(), m.counts.end());
  const auto w = wiener_channel(g1, g2, counts, m.sigma_e, wiener_prior(options), FlatGrid::square(n, pixel));
  return {w.begin(), w.end()};
}

// [C, n, n] on `device` for a map of n^2 pixels of `pixel` arcmin. `wiener`, when given, is the map's Wiener
// channel computed before (a cache); else it is computed here when the model reads it.
inline torch::Tensor lofi_input(const io::TrainingMap& m, long n, double pixel,
                                const models::LofiOptions& options, torch::Device device,
                                const std::vector<float>* wiener = nullptr) {
  const auto nn = static_cast<long>(n * n);
  const std::vector<double> e(m.ks.begin(), m.ks.begin() + nn), b(m.ks.begin() + nn, m.ks.end()),
      counts(m.counts.begin(), m.counts.end());
  auto without_wiener = options;  // KS E/B and the noise level; the Wiener channel is appended below
  without_wiener.wiener_channel = false, without_wiener.extra_channels = std::min(options.extra_channels, 1);
  auto channels = lofi_channels(without_wiener, FlatGrid::square(n, pixel), e, b, {}, {}, counts, m.sigma_e);
  if (options.wiener_channel) {
    const auto own = wiener ? std::vector<float>() : training_map_wiener(m, n, pixel, options);
    const auto& w = wiener ? *wiener : own;
    channels.insert(channels.end(), w.begin(), w.end());
  }
  return torch::from_blob(channels.data(), {options.input_channels(), n, n}).clone().to(device);
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

// The model on a square output grid of n_out pixels of pixel_out arcmin centred on the input grid [C, n, n]
// (pixel_in), in batches of kQueriesPerPass queries on the input's device: n_out^2 values, row-major, on the CPU.
constexpr long kQueriesPerPass = 32768;
inline std::vector<float> predict_grid(models::FieldModel& model, const torch::Tensor& input, double pixel_in,
                                       long n_out, double pixel_out) {
  const auto q = grid_queries(FlatGrid::square(n_out, pixel_out), input.device());
  return models::evaluate_in_batches(model, input.unsqueeze(0), pixel_in, q, kQueriesPerPass);
}

}  // namespace lofimap::pipeline
