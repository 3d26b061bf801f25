// The numerical runtime LoFi runs on: LibTorch's thread count, its version and devices, and the BLAS that
// Debian's LibTorch multiplies through. Torch headers stay in the .cpp so that callers compile fast.
#pragma once

#include <string>

namespace lofimap::models {

// Sets torch's intra-op threads (and OpenMP's) to n; torch picks 1 on these VMs otherwise.
void set_torch_threads(int n);
int torch_threads();

std::string torch_version();
bool cuda_available();
int cuda_device_count();

struct BlasInfo {
  std::string path;       // resolved libblas.so.3 loaded into this process ("" if none)
  bool reference = false; // the slow reference BLAS (netlib)
};
BlasInfo loaded_blas();

}  // namespace lofimap::models
