#include "models/compute_runtime.hpp"

#include <dlfcn.h>
#include <link.h>
#include <omp.h>

#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "models/torch_runtime_plugin.hpp"

namespace lofimap::models {

namespace {

int g_threads = 1;

struct TorchPlugin {
  void* handle = nullptr;
  decltype(&lofimap_torch_set_threads) set_threads = nullptr;
  decltype(&lofimap_torch_get_threads) get_threads = nullptr;
  decltype(&lofimap_torch_version) version = nullptr;
  decltype(&lofimap_torch_cuda_device_count) cuda_device_count = nullptr;
};

// liblofimap_torch.so sits in ../lib relative to the executable (build tree and install tree alike);
// LOFIMAP_TORCH_PLUGIN overrides the path.
std::string plugin_path() {
  if (const char* env = std::getenv("LOFIMAP_TORCH_PLUGIN")) return env;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto candidate = exe.parent_path().parent_path() / "lib" / "liblofimap_torch.so";
    if (std::filesystem::exists(candidate)) return candidate.string();
  }
  return "liblofimap_torch.so";  // the dynamic loader's search path
}

const TorchPlugin& plugin() {
  static std::once_flag once;
  static TorchPlugin p;
  std::call_once(once, [] {
    const std::string path = plugin_path();
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!handle) throw std::runtime_error("cannot load the LibTorch runtime " + path + ": " + dlerror());
    p.handle = handle;
    auto sym = [&](const char* name) {
      void* f = dlsym(handle, name);
      if (!f) throw std::runtime_error(path + ": missing symbol " + name);
      return f;
    };
    p.set_threads = reinterpret_cast<decltype(p.set_threads)>(sym("lofimap_torch_set_threads"));
    p.get_threads = reinterpret_cast<decltype(p.get_threads)>(sym("lofimap_torch_get_threads"));
    p.version = reinterpret_cast<decltype(p.version)>(sym("lofimap_torch_version"));
    p.cuda_device_count = reinterpret_cast<decltype(p.cuda_device_count)>(sym("lofimap_torch_cuda_device_count"));
    p.set_threads(g_threads);
  });
  return p;
}

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

void configure_threads(int n) {
  g_threads = n < 1 ? 1 : n;
  omp_set_num_threads(g_threads);
}

int configured_threads() { return g_threads; }
int torch_threads() { return plugin().get_threads(); }
std::string torch_version() { return plugin().version(); }
bool cuda_available() { return plugin().cuda_device_count() > 0; }
int cuda_device_count() { return plugin().cuda_device_count(); }

void* torch_plugin_symbol(const char* name) {
  void* f = dlsym(plugin().handle, name);
  if (!f) throw std::runtime_error(std::string("LibTorch runtime lacks ") + name);
  return f;
}

BlasInfo loaded_blas() {
  plugin();
  BlasInfo info;
  dl_iterate_phdr(find_blas, &info);
  // Debian's reference BLAS lives in .../blas/libblas.so.3; OpenBLAS in .../openblas-*/.
  info.reference = !info.path.empty() && info.path.find("openblas") == std::string::npos &&
                   info.path.find("mkl") == std::string::npos && info.path.find("blis") == std::string::npos;
  return info;
}

}  // namespace lofimap::models
