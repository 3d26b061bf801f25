#include "models/field_model.hpp"

#include <algorithm>

#include "models/lofi_network.hpp"

namespace lofimap::models {

namespace {

// LoFi behind the seam.
class LofiFieldModel final : public FieldModel {
 public:
  explicit LofiFieldModel(LofiNetwork net) : net_(std::move(net)) {}
  const LofiOptions& options() const override { return net_->options(); }
  torch::Tensor prefilter(const torch::Tensor& input, double pixel_arcmin) override {
    return net_->prefilter(input, pixel_arcmin);
  }
  torch::Tensor query(const torch::Tensor& prefiltered, double pixel_arcmin,
                      const torch::Tensor& queries) override {
    return net_->query(prefiltered, pixel_arcmin, queries);
  }
  torch::OrderedDict<std::string, torch::Tensor> named_parameters() override {
    return net_->named_parameters();
  }
  void to(torch::Device device) override { net_->to(device); }
  void set_training(bool training) override { net_->train(training); }
  std::string hash() override { return lofi_hash(net_); }
  void save(const std::string& path) override { save_lofi(net_, path); }

 private:
  LofiNetwork net_;
};

}  // namespace

std::unique_ptr<FieldModel> new_field_model(const LofiOptions& options, const PatchLayout& layout) {
  LofiNetwork net(options);
  if (layout.patch_radius > 0) net->lay_out_patch(layout.patch_radius, layout.geometric);
  return std::make_unique<LofiFieldModel>(std::move(net));
}

std::unique_ptr<FieldModel> open_field_model(const std::string& path, const LofiOptions* expected) {
  return std::make_unique<LofiFieldModel>(load_lofi(path, expected));
}

std::vector<float> evaluate_in_batches(FieldModel& model, const torch::Tensor& input, double pixel_arcmin,
                                       const torch::Tensor& queries, long batch,
                                       const std::function<void(long, long)>& progress) {
  torch::NoGradGuard no_grad;
  const long nq = queries.size(1);
  std::vector<float> out(static_cast<size_t>(nq));
  if (nq == 0) return out;
  const auto prefiltered = model.prefilter(input, pixel_arcmin);  // once per map, not per batch
  for (long s = 0; s < nq; s += batch) {
    const long e = std::min(nq, s + batch);
    const auto k = model.query(prefiltered, pixel_arcmin, queries.slice(1, s, e))
                       .to(torch::kCPU, torch::kFloat)
                       .contiguous();
    std::copy(k.data_ptr<float>(), k.data_ptr<float>() + (e - s), out.begin() + s);
    if (progress) progress(e, nq);
  }
  return out;
}

}  // namespace lofimap::models
