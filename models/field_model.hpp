// The network seam: what mapping and training need from a model that reconstructs a field at continuous sky
// coordinates from input channels on a grid. LoFi implements it (lofi_network.hpp); an ensemble of models, a
// network with a quantile or variance head, or another architecture plugs in here without edits to the
// mapping or training code (pipeline/lofi/). Includes torch headers: compiled into liblofimap_torch.so only.
//   input    [B, C, H, W]  channels on a grid of pixel scale p (arcmin), C = options().input_channels()
//   queries  [B, Q, 2]     tangent-plane coordinates (x = +RA, y = +Dec) in arcmin about the grid's centre
//   output   [B, Q]        the field at the queries
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/lofi_options.hpp"

namespace lofimap::models {

class FieldModel {
 public:
  virtual ~FieldModel() = default;
  virtual const LofiOptions& options() const = 0;
  // What the model computes once per input map (LoFi: the learned Fourier pre-filter), so that inference over
  // many batches of queries pays it once.
  virtual torch::Tensor prefilter(const torch::Tensor& input, double pixel_arcmin) = 0;
  virtual torch::Tensor query(const torch::Tensor& prefiltered, double pixel_arcmin,
                              const torch::Tensor& queries) = 0;
  torch::Tensor forward(const torch::Tensor& input, double pixel_arcmin, const torch::Tensor& queries) {
    return query(prefilter(input, pixel_arcmin), pixel_arcmin, queries);
  }
  // Training: the learned tensors by name (the optimiser, gradient reduction and checkpoints read them).
  virtual torch::OrderedDict<std::string, torch::Tensor> named_parameters() = 0;
  std::vector<torch::Tensor> parameters() { return named_parameters().values(); }
  virtual void to(torch::Device device) = 0;
  virtual void set_training(bool training) = 0;
  // A content hash of the options and every parameter (hex): identifies the model in product headers.
  virtual std::string hash() = 0;
  // The weights file (written to a temporary name and renamed into place).
  virtual void save(const std::string& path) = 0;
};

// How a new model's learned sampling patch starts (training): 0 keeps the published layout (ring n at n/4
// training pixels); else rings out to `patch_radius` training pixels, evenly or geometrically spaced.
struct PatchLayout {
  double patch_radius = 0;
  bool geometric = false;
};
// A new model of these options, its parameters initialised from torch's generator (on the CPU). Throws
// std::invalid_argument for options or a layout it cannot build.
std::unique_ptr<FieldModel> new_field_model(const LofiOptions& options, const PatchLayout& layout = {});
// The model in a weights file (on the CPU). Throws io::Error naming the file when it is missing or corrupt,
// std::invalid_argument naming the first differing option when `expected` is given and does not match.
std::unique_ptr<FieldModel> open_field_model(const std::string& path, const LofiOptions* expected = nullptr);

// The one batched inference loop: `input` [1, C, H, W] prefiltered once, queries [1, Q, 2] evaluated `batch`
// at a time without gradients, on the device they are on; the field at every query as float on the CPU.
// `progress` (optional) is told the queries done after each batch.
std::vector<float> evaluate_in_batches(FieldModel& model, const torch::Tensor& input, double pixel_arcmin,
                                       const torch::Tensor& queries, long batch,
                                       const std::function<void(long done, long total)>& progress = {});

}  // namespace lofimap::models
