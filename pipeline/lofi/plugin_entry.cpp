// The factory liblofimap_torch.so exports: the LibTorch side of the interface in
// pipeline/products/lofi_plugin.hpp.
#include <torch/torch.h>

#include <stdexcept>
#include <string>

#include "distributed/torch/reduction_backend.hpp"
#include "models/lofi_network.hpp"
#include "pipeline/lofi/lofi_evaluator.hpp"
#include "pipeline/lofi/lofi_trainer.hpp"
#include "pipeline/products/lofi_plugin.hpp"

namespace lofimap::pipeline {
namespace {

// LibTorch's errors (c10::Error) carry a C++ backtrace in what(): users get the message alone.
template <typename F>
auto without_backtrace(F&& f) {
  try {
    return f();
  } catch (const c10::Error& e) {
    throw std::runtime_error(std::string("LibTorch: ") + e.what_without_backtrace());
  }
}

// LibTorch errors raised while evaluating, without their backtraces.
class BacktraceFreeEvaluator final : public LofiEvaluator {
 public:
  explicit BacktraceFreeEvaluator(std::unique_ptr<LofiEvaluator> inner) : inner_(std::move(inner)) {}
  const models::LofiOptions& options() const override { return inner_->options(); }
  std::string model_hash() const override { return inner_->model_hash(); }
  std::string calibration_json() const override { return inner_->calibration_json(); }
  std::vector<float> evaluate(const FlatGrid& grid, const std::vector<double>& e,
                              const std::vector<double>& b, const std::vector<double>& g1,
                              const std::vector<double>& g2, const std::vector<double>& counts,
                              double sigma_e, const std::vector<float>& xy) override {
    return without_backtrace([&] { return inner_->evaluate(grid, e, b, g1, g2, counts, sigma_e, xy); });
  }

 private:
  std::unique_ptr<LofiEvaluator> inner_;
};

class TorchLofiPlugin final : public LofiPlugin {
 public:
  void set_threads(int threads) override { at::set_num_threads(threads < 1 ? 1 : threads); }

  TorchRuntimeInfo runtime() const override {
    TorchRuntimeInfo info;
    info.torch_version = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
                         "." + std::to_string(TORCH_VERSION_PATCH);
    info.threads = at::get_num_threads();
    info.cuda_devices = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
    info.nccl_reducer = distributed::nccl_backend_built();
    return info;
  }

  TrainSummary train(const TrainConfig& config, const distributed::Communicator& comm) override {
    install_stop_signals();
    return without_backtrace([&] { return train_lofi(config, comm); });
  }

  void write_calibrated_model(const std::string& model, const std::string& output,
                              const std::string& calibration_json) override {
    without_backtrace([&] { models::write_calibrated_lofi(model, output, calibration_json); });
  }

  std::unique_ptr<LofiEvaluator> open_model(const std::string& path, ComputeDevice device,
                                            Precision precision, long batch,
                                            const distributed::Communicator& comm) override {
    auto evaluator =
        without_backtrace([&] { return open_lofi_evaluator(path, device, precision, batch, comm); });
    return std::make_unique<BacktraceFreeEvaluator>(std::move(evaluator));
  }
};

}  // namespace
}  // namespace lofimap::pipeline

extern "C" lofimap::pipeline::LofiPlugin* lofimap_lofi_plugin() {
  static lofimap::pipeline::TorchLofiPlugin plugin;
  return &plugin;
}
