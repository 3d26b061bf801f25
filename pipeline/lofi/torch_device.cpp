#include "pipeline/lofi/torch_device.hpp"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

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

namespace {
// LibTorch 2.4 keyed autocast by device type; 1.13 (Debian's) has one switch per device kind.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocast_enabled(bool cuda) {
  return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU);
}
void set_autocast(bool cuda, bool on) {
  at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, on);
}
at::ScalarType autocast_dtype(bool cuda) {
  return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU);
}
void set_autocast_dtype(bool cuda, at::ScalarType t) {
  at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, t);
}
#else
bool autocast_enabled(bool cuda) {
  return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
void set_autocast(bool cuda, bool on) {
  cuda ? at::autocast::set_enabled(on) : at::autocast::set_cpu_enabled(on);
}
at::ScalarType autocast_dtype(bool cuda) {
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void set_autocast_dtype(bool cuda, at::ScalarType t) {
  cuda ? at::autocast::set_autocast_gpu_dtype(t) : at::autocast::set_autocast_cpu_dtype(t);
}
#endif
}  // namespace

PrecisionScope::PrecisionScope(Precision precision, const torch::Device& device)
    : precision_(precision),
      cuda_(device.is_cuda()),
      tf32_cublas_(at::globalContext().allowTF32CuBLAS()),
      tf32_cudnn_(at::globalContext().allowTF32CuDNN()),
      autocast_(autocast_enabled(cuda_)),
      autocast_dtype_(autocast_dtype(cuda_)) {
  if (precision == Precision::Tf32 && !cuda_)
    throw std::invalid_argument(
        "--precision tf32: TensorFloat-32 exists on CUDA devices only (use --device cuda)");
  if (precision == Precision::Tf32) {
    at::globalContext().setAllowTF32CuBLAS(true);
    at::globalContext().setAllowTF32CuDNN(true);
  } else if (precision == Precision::Bf16) {
    set_autocast_dtype(cuda_, at::kBFloat16);
    set_autocast(cuda_, true);
  }
}

PrecisionScope::~PrecisionScope() {
  if (precision_ == Precision::Tf32) {
    at::globalContext().setAllowTF32CuBLAS(tf32_cublas_);
    at::globalContext().setAllowTF32CuDNN(tf32_cudnn_);
  } else if (precision_ == Precision::Bf16) {
    set_autocast(cuda_, autocast_);
    set_autocast_dtype(cuda_, autocast_dtype_);
    at::autocast::clear_cache();
  }
}

}  // namespace lofimap::pipeline
