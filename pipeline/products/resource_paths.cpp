#include "pipeline/products/resource_paths.hpp"

#include <cstdlib>
#include <filesystem>

namespace lofimap::pipeline {

std::string installation_root() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().parent_path().string();
}

std::string torch_plugin_path() {
  if (const char* env = std::getenv("LOFIMAP_TORCH_PLUGIN")) return env;
  const auto candidate = std::filesystem::path(installation_root()) / "lib" / "liblofimap_torch.so";
  std::error_code ec;
  return std::filesystem::exists(candidate, ec) ? candidate.string() : "liblofimap_torch.so";
}

std::string default_model_path() {
  const auto path =
      std::filesystem::path(installation_root()) / "share" / "lofimap" / "models" / "default.pt";
  std::error_code ec;
  return std::filesystem::exists(path, ec) ? path.string() : "";
}

}  // namespace lofimap::pipeline
