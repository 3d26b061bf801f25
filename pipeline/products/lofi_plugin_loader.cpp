#include <dlfcn.h>
#include <link.h>
#include <omp.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/products/lofi_plugin.hpp"
#include "pipeline/products/resource_paths.hpp"

namespace lofimap::pipeline {

namespace {

int g_threads = 1;
std::atomic<LofiPlugin*> g_plugin{nullptr};

LofiPlugin& load() {
  static std::once_flag once;
  std::call_once(once, [] {
    const std::string path = torch_plugin_path();
    // RTLD_GLOBAL: LibTorch's own libraries and the plugin share one set of symbols with later loads.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!handle) throw std::runtime_error("cannot load the LibTorch runtime " + path + ": " + dlerror());
    void* factory = dlsym(handle, "lofimap_lofi_plugin");
    if (!factory) throw std::runtime_error(path + ": not a lofimap plugin (no lofimap_lofi_plugin)");
    LofiPlugin* plugin = reinterpret_cast<decltype(&lofimap_lofi_plugin)>(factory)();
    plugin->set_threads(g_threads);
    g_plugin.store(plugin);
  });
  return *g_plugin.load();
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

LofiPlugin& lofi_plugin() {
  return load();
}

void configure_threads(int n) {
  g_threads = n < 1 ? 1 : n;
  omp_set_num_threads(g_threads);
  set_fftw_threads(g_threads);
  if (LofiPlugin* plugin = g_plugin.load()) plugin->set_threads(g_threads);
}

int configured_threads() {
  return g_threads;
}

BlasInfo loaded_blas() {
  load();
  BlasInfo info;
  dl_iterate_phdr(find_blas, &info);
  // Debian's reference BLAS lives in .../blas/libblas.so.3; OpenBLAS in .../openblas-*/.
  info.reference = !info.path.empty() && info.path.find("openblas") == std::string::npos &&
                   info.path.find("mkl") == std::string::npos && info.path.find("blis") == std::string::npos;
  return info;
}

}  // namespace lofimap::pipeline
