#include "models/torch_runtime_plugin.hpp"

#include <torch/torch.h>

#include <string>


extern "C" {

void lofimap_torch_set_threads(int n) { at::set_num_threads(n < 1 ? 1 : n); }

int lofimap_torch_get_threads() { return at::get_num_threads(); }

const char* lofimap_torch_version() {
  static const std::string version = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
                                     "." + std::to_string(TORCH_VERSION_PATCH);
  return version.c_str();
}

int lofimap_torch_cuda_device_count() {
  return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
}
}
