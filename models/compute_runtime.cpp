#include "models/compute_runtime.hpp"

#include <link.h>
#include <omp.h>
#include <torch/torch.h>

#include <filesystem>

namespace lofimap::models {

void set_torch_threads(int n) {
  if (n < 1) n = 1;
  omp_set_num_threads(n);
  at::set_num_threads(n);
}

int torch_threads() { return at::get_num_threads(); }

std::string torch_version() {
#ifdef TORCH_VERSION
  return TORCH_VERSION;
#else
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
#endif
}

bool cuda_available() { return torch::cuda::is_available(); }
int cuda_device_count() { return static_cast<int>(torch::cuda::device_count()); }

namespace {
int find_blas(struct dl_phdr_info* info, size_t, void* data) {
  const std::string name = info->dlpi_name ? info->dlpi_name : "";
  if (name.find("libblas.so") != std::string::npos || name.find("libopenblas") != std::string::npos) {
    auto* out = static_cast<BlasInfo*>(data);
    std::error_code ec;
    const auto real = std::filesystem::canonical(name, ec);
    out->path = ec ? name : real.string();
    return 1;
  }
  return 0;
}
}  // namespace

BlasInfo loaded_blas() {
  BlasInfo info;
  dl_iterate_phdr(find_blas, &info);
  // Debian's reference BLAS lives in .../blas/libblas.so.3; OpenBLAS in .../openblas-*/.
  info.reference = !info.path.empty() && info.path.find("openblas") == std::string::npos &&
                   info.path.find("mkl") == std::string::npos && info.path.find("blis") == std::string::npos;
  return info;
}

}  // namespace lofimap::models
