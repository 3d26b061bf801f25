// Paths the tests need: a scratch folder per test, and the reference data beside the project when present.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace lofimap::testing {

inline std::filesystem::path scratch_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::temp_directory_path() / "lofimap-tests" /
             (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// ../shared/data relative to the project root; empty when absent (a user's fresh clone).
inline std::filesystem::path shared_data_dir() {
  const std::filesystem::path dir = std::filesystem::path(LOFIMAP_SOURCE_DIR) / ".." / "shared" / "data";
  return std::filesystem::exists(dir) ? std::filesystem::canonical(dir) : std::filesystem::path();
}

}  // namespace lofimap::testing
