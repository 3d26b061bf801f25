// Atomic outputs: written under a temporary name and renamed into place; without --overwrite the rename is
// exclusive (a file that appeared meanwhile is kept), long names work, and an output may not be an input.
#include "io/atomic_output.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "io/error.hpp"
#include "io/file_identity.hpp"
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

// A run killed by SIGKILL leaves ".NAME.tmp.HOST.PID" behind. The next run writing NAME removes the files of
// this host's dead processes and keeps those of live processes and of other hosts (a shared filesystem).
TEST(AtomicOutput, TemporariesOfKilledRunsAreRemovedByTheNextRun) {
  const auto dir = lofimap::testing::scratch_dir();
  char host[256] = {0};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // now a dead process (its pid is not reused this quickly)
  const std::string stem = ".map.fits.tmp." + std::string(host) + ".";
  const auto dead = dir / (stem + std::to_string(child));
  const auto live = dir / (stem + std::to_string(::getppid()));
  const auto other_host = dir / (".map.fits.tmp.another-node." + std::to_string(child));
  const auto other_output = dir / (".other.fits.tmp." + std::string(host) + "." + std::to_string(child));
  for (const auto& p : {dead, live, other_host, other_output}) std::ofstream(p) << "partial";
  {
    AtomicOutput out((dir / "map.fits").string(), false);
    std::ofstream(out.temp_path()) << "x";
    out.commit();
  }
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(live));
  EXPECT_TRUE(std::filesystem::exists(other_host));
  EXPECT_TRUE(std::filesystem::exists(other_output));
}

// The temporary file lives in a folder made for it (mkdtemp: exclusive, mode 0700), so nobody else can plant
// a link at its name for CFITSIO, HDF5 or a stream to follow; the folder goes with the commit or the object.
TEST(AtomicOutput, TheTemporaryLivesInAPrivateFolder) {
  namespace fs = std::filesystem;
  const auto dir = lofimap::testing::scratch_dir();
  std::string folder;
  {
    AtomicOutput out((dir / "map.fits").string(), false);
    const fs::path temp(out.temp_path());
    folder = temp.parent_path().string();
    EXPECT_EQ(temp.filename(), "map.fits");
    EXPECT_EQ(temp.parent_path().parent_path(), dir);
    EXPECT_EQ(fs::status(folder).permissions() & fs::perms::all, fs::perms::owner_all);
    EXPECT_FALSE(fs::exists(temp));  // the writer creates it, inside the private folder
    std::ofstream(out.temp_path()) << "x";
    out.commit();
  }
  EXPECT_FALSE(fs::exists(folder));
  {
    AtomicOutput unfinished((dir / "other.fits").string(), false);
    folder = fs::path(unfinished.temp_path()).parent_path();
  }
  EXPECT_FALSE(fs::exists(folder));
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename(), "map.fits") << e.path();
}

// A product's files are committed together: when one cannot be moved into place, the ones already moved are
// put back as they were (an earlier file restored, a new one removed).
TEST(AtomicOutput, AProductsFilesAreCommittedTogetherOrNotAtAll) {
  const auto dir = lofimap::testing::scratch_dir();
  std::ofstream(dir / "map.fits") << "earlier map";
  {
    AtomicOutput map((dir / "map.fits").string(), true), picture((dir / "map.png").string(), false),
        table((dir / "map.txt").string(), true);
    std::ofstream(map.temp_path()) << "new map";
    std::ofstream(picture.temp_path()) << "new picture";
    std::ofstream(table.temp_path()) << "new table";
    std::ofstream(dir / "map.png") << "another run's picture";  // appears meanwhile: the picture cannot move
    EXPECT_THROW(commit_together({&map, &table, &picture}), Error);
  }
  EXPECT_EQ(slurp(dir / "map.fits"), "earlier map");
  EXPECT_EQ(slurp(dir / "map.png"), "another run's picture");
  EXPECT_FALSE(std::filesystem::exists(dir / "map.txt"));
  for (const auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_TRUE(e.path().filename() == "map.fits" || e.path().filename() == "map.png")
        << "left: " << e.path();
}

TEST(FileIdentity, ARewrittenFileOfTheSameSizeIsNotTheSame) {
  const auto dir = lofimap::testing::scratch_dir();
  const auto path = (dir / "cat.fits").string();
  std::ofstream(path) << std::string(3000000, 'a');
  const std::string before = file_identity(path);
  EXPECT_EQ(file_identity(path), before);
  EXPECT_NO_THROW(check_file_identity(path, before, "testing"));
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f << 'b';  // one byte of the first MiB; size unchanged
  }
  try {
    check_file_identity(path, before, "testing");
    FAIL() << "a changed file passed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("content"), std::string::npos) << e.what();
  }
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
