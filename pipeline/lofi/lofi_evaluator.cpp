#include "pipeline/lofi/lofi_evaluator.hpp"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "models/field_model.hpp"
#include "models/lofi_network.hpp"
#include "pipeline/core/heap_policy.hpp"
#include "pipeline/lofi/lofi_channels.hpp"
#include "pipeline/lofi/torch_device.hpp"

namespace lofimap::pipeline {

namespace {

class TorchLofiEvaluator final : public LofiEvaluator {
 public:
  TorchLofiEvaluator(const std::string& path, ComputeDevice device, Precision precision, long batch,
                     const distributed::Communicator& comm)
      : device_(torch_device(device, comm)),
        precision_(precision),
        batch_(batch),
        model_(models::open_field_model(path)) {
    model_->to(device_);
    model_->set_training(false);
    hash_ = model_->hash();
    calibration_ = models::read_lofi_calibration(path);
  }
  const models::LofiOptions& options() const override { return model_->options(); }
  std::string model_hash() const override { return hash_; }
  std::string calibration_json() const override { return calibration_; }

  std::vector<float> evaluate(const FlatGrid& grid, const std::vector<double>& kappa_e,
                              const std::vector<double>& kappa_b, const std::vector<double>& g1,
                              const std::vector<double>& g2, const std::vector<double>& counts,
                              double sigma_e, const std::vector<float>& xy) override {
    const auto& mo = model_->options();
    auto channels = lofi_channels(mo, grid, kappa_e, kappa_b, g1, g2, counts, sigma_e);
    const long nq = static_cast<long>(xy.size() / 2);
    if (nq == 0) return {};
    const PrecisionScope arithmetic(precision_, device_);
    const auto input =
        torch::from_blob(channels.data(), {1, mo.input_channels(), grid.ny, grid.nx}).clone().to(device_);
    const auto queries = torch::from_blob(const_cast<float*>(xy.data()), {1, nq, 2}).clone().to(device_);
    // A long evaluation (a large output grid in one patch) says how far it got.
    const auto progress = [&](long done, long total) {
      if (total > 4 * batch_) spdlog::info("LoFi: {}/{} coordinates", done, total);
    };
    return models::evaluate_in_batches(*model_, input, grid.pixel_arcmin, queries, batch_, progress);
  }

 private:
  // Inference allocates and frees activations of hundreds of MB per forward pass: kept in the heap while the
  // model is open instead of faulted in anew (~10^5 page faults a pass).
  HeapReuse reuse_;
  torch::Device device_;
  Precision precision_;
  long batch_;
  std::unique_ptr<models::FieldModel> model_;
  std::string hash_;
  std::string calibration_;
};

}  // namespace

std::unique_ptr<LofiEvaluator> open_lofi_evaluator(const std::string& path, ComputeDevice device,
                                                   Precision precision, long batch,
                                                   const distributed::Communicator& comm) {
  return std::make_unique<TorchLofiEvaluator>(path, device, precision, batch, comm);
}

}  // namespace lofimap::pipeline
