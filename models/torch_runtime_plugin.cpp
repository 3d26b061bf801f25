#include "models/torch_runtime_plugin.hpp"

#include <malloc.h>
#include <torch/torch.h>

#include <string>

namespace {
// LoFi's activations are hundreds of MB per forward pass ([spokes, queries, hidden]); glibc serves blocks that
// large with mmap and returns them on free, so every pass paid ~10^5 page faults (a third of inference time at
// the published size). Keeping large blocks in the heap lets the next pass reuse them: set once when LibTorch
// work is loaded (the plugin is only loaded by the commands that run LoFi).
struct KeepLargeBlocks {
  KeepLargeBlocks() {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
} keep_large_blocks;
}  // namespace

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
