// The numerical runtime LoFi runs on: LibTorch's thread count, its version and devices, and the BLAS that
// Debian's LibTorch multiplies through.
//
// LibTorch is loaded on first use, not at program start: its static initialisers alone cost ~0.4 s here, which
// would tax every `lofimap ks` run on a small catalogue. The torch code lives in liblofimap_torch.so (built from
// models/torch_runtime_plugin.cpp) next to the executable's lib/ folder and is dlopen'ed by these functions.
#pragma once

#include <string>

namespace lofimap::models {

// Threads for OpenMP now and for torch's intra-op pool whenever torch is (or has been) loaded.
void configure_threads(int n);
int configured_threads();

// These load LibTorch if needed (throws std::runtime_error naming the library when it cannot be loaded).
int torch_threads();
std::string torch_version();
bool cuda_available();
int cuda_device_count();

struct BlasInfo {
  std::string path;        // resolved libblas.so.3 loaded into this process ("" if none)
  bool reference = false;  // the slow reference BLAS (netlib)
};
BlasInfo loaded_blas();  // loads LibTorch first (it is what pulls libblas.so.3 in)

// A C entry point of liblofimap_torch.so (loading it if needed); throws std::runtime_error when absent.
void* torch_plugin_symbol(const char* name);

}  // namespace lofimap::models
