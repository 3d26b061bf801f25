#include "pipeline/lofi/lofi_evaluator.hpp"

#include <torch/torch.h>

#include <stdexcept>

#include "models/lofi_network.hpp"
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
        net_(models::load_lofi(path)) {
    net_->to(device_);
    net_->eval();
    hash_ = models::lofi_hash(net_);
  }
  double train_pixel_arcmin() const override { return net_->options().train_pixel_arcmin; }
  std::string model_hash() const override { return hash_; }

  std::vector<float> evaluate(const FlatGrid& grid, const std::vector<double>& kappa_e,
                              const std::vector<double>& kappa_b, const std::vector<double>& g1,
                              const std::vector<double>& g2, const std::vector<double>& counts,
                              double sigma_e, const std::vector<float>& xy) override {
    const auto& mo = net_->options();
    auto channels = lofi_channels(mo, grid, kappa_e, kappa_b, g1, g2, counts, sigma_e);
    const long nq = static_cast<long>(xy.size() / 2);
    std::vector<float> out(static_cast<size_t>(nq));
    if (nq == 0) return out;
    torch::NoGradGuard no_grad;
    const PrecisionScope arithmetic(precision_, device_);
    const auto input =
        torch::from_blob(channels.data(), {1, mo.input_channels(), grid.ny, grid.nx}).clone().to(device_);
    const auto queries = torch::from_blob(const_cast<float*>(xy.data()), {1, nq, 2}).clone().to(device_);
    const auto filtered = net_->prefilter(input, grid.pixel_arcmin);  // once per region
    for (long s = 0; s < nq; s += batch_) {
      const long e = std::min(nq, s + batch_);
      const auto k = net_->query(filtered, grid.pixel_arcmin, queries.slice(1, s, e))
                         .to(torch::kCPU, torch::kFloat)
                         .contiguous();
      std::copy(k.data_ptr<float>(), k.data_ptr<float>() + (e - s), out.begin() + s);
    }
    return out;
  }

 private:
  torch::Device device_;
  Precision precision_;
  long batch_;
  models::LofiNetwork net_;
  std::string hash_;
};

}  // namespace

std::unique_ptr<LofiEvaluator> open_lofi_evaluator(const std::string& path, ComputeDevice device,
                                                   Precision precision, long batch,
                                                   const distributed::Communicator& comm) {
  return std::make_unique<TorchLofiEvaluator>(path, device, precision, batch, comm);
}

}  // namespace lofimap::pipeline
