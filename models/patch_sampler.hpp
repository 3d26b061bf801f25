// LoFi's round patch sampled for inference on the CPU, straight into the first spoke layer's layout.
// The general path (torch::grid_sampler, then a permute into [angles, queries, channels x rings]) serves
// training and GPUs; without gradients on the CPU it cost more than the spoke and mixer matmuls at the medium
// size: LibTorch's sampler recomputes the 4x4 cubic weights and the reflected tap coordinates for every
// channel, and the permute copies every sample once more.
#pragma once

#include <torch/torch.h>

namespace lofimap::models {

// One map's channels [C, H, W] laid out for the sampler: channels last, [H, W, S], S = 4 when C <= 4, 8 when
// C <= 8 (the channels past C zero, so a tap's channels are one or two fixed-width, vectorised loads), else
// S = C.
torch::Tensor channels_last_for_sampling(const torch::Tensor& chw);

// Samples of the first `channel_count` channels of `grid` (channels_last_for_sampling's layout; float32,
// CPU) at every query [Q, 2] (arcmin, as LofiNetwork::query) plus scale x offsets [A*R, 2] (arcmin; offset
// m*R + n is angle m, ring n), on a grid of pixel_arcmin: bicubic (Keys, a = -0.75) with reflection padding
// about the grid's edges, align_corners = false, as torch::grid_sampler computes them (to float rounding);
// a position that is not a number or lies 10^7 pixels or more off the grid gives NaN.
// Returns [A, C*R, Q] (feature-major, as LofiNetwork's inference multiplies it): element (m, c*R + n, q) is
// channel c at angle m, ring n about query q.
torch::Tensor sample_patch_spokes(const torch::Tensor& grid, long channel_count, const torch::Tensor& queries,
                                  const torch::Tensor& offsets, double scale, double pixel_arcmin, int angles,
                                  int rings);

}  // namespace lofimap::models
