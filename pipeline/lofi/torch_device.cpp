#include "pipeline/lofi/torch_device.hpp"

#include <stdexcept>

namespace lofimap::pipeline {

torch::Device torch_device(ComputeDevice device, const distributed::Communicator& comm) {
  if (device == ComputeDevice::Cpu) return torch::kCPU;
  if (!torch::cuda::is_available())
    throw std::invalid_argument("--device cuda: no CUDA device is available to this LibTorch build");
  const int local_rank = comm.node_local().rank();
  const auto count = static_cast<int>(torch::cuda::device_count());
  return {torch::kCUDA, static_cast<torch::DeviceIndex>(local_rank % count)};
}

}  // namespace lofimap::pipeline
