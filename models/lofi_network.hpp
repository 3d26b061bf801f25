// LoFi as a LibTorch module (includes torch headers: compiled into liblofimap_torch.so only).
//   input  [B, 2 + extra, H, W]  kappa_E, kappa_B (and extra channels) on a grid of pixel scale p (arcmin)
//   query  [B, Q, 2]             tangent-plane coordinates (x = +RA, y = +Dec) in arcmin; pixel (ix, iy) of
//   the
//                                grid has its centre at ((ix - (W-1)/2) p, (iy - (H-1)/2) p)
//   output [B, Q]                kappa at the queries
// Steps: a learned Fourier filter on kappa_E + i kappa_B defined over physical wavenumber (the same filter
// for any tile size and pixel scale), a learnable round patch (rings x angles offsets in arcmin and a scale)
// sampled bicubically with reflection padding, the spoke MLPs as one batched matmul, and the mixer MLP.
#pragma once

#include <torch/torch.h>

#include <string>

#include "models/lofi_options.hpp"

namespace lofimap::models {

class LofiNetworkImpl : public torch::nn::Module {
 public:
  explicit LofiNetworkImpl(const LofiOptions& options);

  torch::Tensor forward(const torch::Tensor& input, double pixel_arcmin, const torch::Tensor& queries);
  // The filtered and stacked channels [B, 4 + extra, H, W] (exposed for tests and diagnostics).
  torch::Tensor prefilter(const torch::Tensor& input, double pixel_arcmin);
  // LoFi at the queries from prefiltered channels: forward = query(prefilter(input)). Inference over many
  // batches of queries on one map filters the map once and calls this per batch.
  torch::Tensor query(const torch::Tensor& channels, double pixel_arcmin, const torch::Tensor& queries);

  const LofiOptions& options() const { return options_; }
  // Re-lays the round patch before training (the offsets are learned from there): rings from the centre out
  // to `outer_radius` training pixels, evenly spaced or, with `geometric`, growing by a constant factor from
  // a quarter pixel (the innermost published ring) so that the patch covers several arcminutes around the
  // query while keeping its sub-pixel inner rings. The constructor's layout is the published one: ring n at
  // n/4 training pixels. Throws std::invalid_argument for a radius that is not > 0, or geometric rings whose
  // outer radius is not beyond the quarter pixel or that are fewer than 3.
  void lay_out_patch(double outer_radius, bool geometric);
  // Queries per chunk when query() runs without gradients (cache-sized spoke activations).
  int64_t inference_chunk() const;
  long long parameter_count();
  // FLOPs of the MLPs per query (multiply-adds counted as 2), for speed benchmarks.
  double flops_per_query() const;

  torch::Tensor filter, offsets, scale;  // [2, F, F]; [angles * rings, 2] arcmin; [1]

 private:
  // std::invalid_argument unless channels are [B, sampled channels, H, W] and queries [B, Q > 0, 2].
  void check_query(const torch::Tensor& channels, const torch::Tensor& queries) const;
  torch::Tensor query_block(const torch::Tensor& channels, double pixel_arcmin, const torch::Tensor& queries);
  // The spoke layers and the mixer on spokes [A, B*Q, C*R]: kappa [B, Q].
  torch::Tensor mlp(torch::Tensor spokes, int64_t b, int64_t q);
  // The same without gradients on one map's spokes laid out feature-major, [A, C*R, Q]: kappa [1, Q].
  torch::Tensor mlp_feature_major(torch::Tensor spokes);
  LofiOptions options_;
  // The inference sampler's channels-last layout of the channels last queried (held with them, and their
  // version, so that a reused or modified tensor is laid out anew).
  torch::Tensor sampling_grid_, sampling_source_;
  int64_t sampling_version_ = 0;
  std::vector<torch::Tensor> spoke_weight, spoke_bias;  // [A, in, out], [A, 1, out]
  torch::nn::Sequential mixer{nullptr};
};
TORCH_MODULE(LofiNetwork);

// Weights file: options (JSON), a content hash, every parameter and, when given, the interval calibration
// (JSON of pipeline/core/interval_calibration.hpp, outside the hash: calibrating keeps the model's identity);
// written to a temporary name and renamed.
void save_lofi(LofiNetwork& net, const std::string& path, const std::string& calibration = "");
// `model` again as `output` with this calibration record (replacing any).
void write_calibrated_lofi(const std::string& model, const std::string& output,
                           const std::string& calibration);
// The calibration record of a weights file ("" when it has none). io::Error when unreadable.
std::string read_lofi_calibration(const std::string& path);
// Throws io::Error naming the file when it is missing or corrupt (exit code 3 in the command line), and
// std::invalid_argument naming the first differing option when `expected` is given and does not match.
LofiNetwork load_lofi(const std::string& path, const LofiOptions* expected = nullptr);
// FNV-1a 64-bit hash of the options and all parameter values (hex): identifies a model in product headers.
std::string lofi_hash(LofiNetwork& net);

}  // namespace lofimap::models
