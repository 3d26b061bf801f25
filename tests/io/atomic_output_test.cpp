// Atomic outputs: written under a temporary name and renamed into place; without --overwrite the rename is
// exclusive (a file that appeared meanwhile is kept), long names work, and an output may not be an input.
#include "io/atomic_output.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "io/error.hpp"
#include "test_paths.hpp"

namespace lofimap::io {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(AtomicOutput, AFileThatAppearedMeanwhileIsNotReplaced) {
  const auto dir = lofimap::testing::scratch_dir();
  const auto target = (dir / "map.fits").string();
  {
    AtomicOutput out(target, /*overwrite*/ false);
    std::ofstream(out.temp_path()) << "new result";
    std::ofstream(target) << "another run's result";  // created after the pre-flight check
    EXPECT_THROW(out.commit(), Error);
  }
  EXPECT_EQ(slurp(target), "another run's result");
  for (const auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(e.path().filename(), "map.fits") << "left behind: " << e.path();
  {
    AtomicOutput out(target, /*overwrite*/ true);
    std::ofstream(out.temp_path()) << "new result";
    out.commit();
  }
  EXPECT_EQ(slurp(target), "new result");
}

TEST(AtomicOutput, NamesUpToTheFilesystemLimitWork) {
  const auto dir = lofimap::testing::scratch_dir();
  const std::string name = std::string(250, 'k') + ".fits";  // 255 bytes: no room for ".NAME.tmp.PID"
  AtomicOutput out((dir / name).string(), false);
  std::ofstream(out.temp_path()) << "x";
  out.commit();
  EXPECT_TRUE(std::filesystem::exists(dir / name));
}

TEST(AtomicOutput, AnOutputMayNotBeAnInput) {
  const auto dir = lofimap::testing::scratch_dir();
  std::ofstream(dir / "cat.fits") << "catalogue";
  std::filesystem::create_symlink(dir / "cat.fits", dir / "link.fits");
  EXPECT_THROW(check_not_an_input((dir / "cat.fits").string(),
                                  {(dir / "other.fits").string(), (dir / "cat.fits").string()}),
               Error);
  EXPECT_THROW(check_not_an_input((dir / "link.fits").string(), {(dir / "cat.fits").string()}), Error);
  EXPECT_NO_THROW(check_not_an_input((dir / "new.fits").string(), {(dir / "cat.fits").string()}));
}

}  // namespace
}  // namespace lofimap::io
