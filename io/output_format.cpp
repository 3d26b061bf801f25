#include "io/output_format.hpp"

#include <cctype>
#include <filesystem>

namespace lofimap::io {

namespace {
std::string lower_extension(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  for (auto& ch : e) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return e;
}
}  // namespace

bool names_hdf5(const std::string& path) {
  const auto e = lower_extension(path);
  return e == ".h5" || e == ".hdf5";
}

bool names_fits(const std::string& path) {
  const auto e = lower_extension(path);
  return e == ".fits" || e == ".fit" || e == ".fts";
}

}  // namespace lofimap::io
