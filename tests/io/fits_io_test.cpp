// io/ on its own: flat FITS maps round-trip with the East-left flip undone, HEALPix maps carry the keys
// healpy needs, atomic outputs refuse to clobber and clean up, and `info` recognises formats.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "io/atomic_output.hpp"
#include "io/error.hpp"
#include "io/file_info.hpp"
#include "io/fits_maps.hpp"
#include "test_paths.hpp"

namespace lofimap::io {
namespace {

TEST(FitsIo, FlatMapRoundTripKeepsInternalOrientation) {
  const auto dir = lofimap::testing::scratch_dir();
  const TanGrid grid{150.0, 2.0, 0.5, 5, 3};
  std::vector<float> data(15);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i);
  const auto path = (dir / "m.fits").string();
  write_flat_fits(path, grid, {{"KAPPA_E", "", data.data()}}, {{"LMTEST", std::string("x"), ""}});
  const auto back = read_flat_fits(path, "KAPPA_E");
  EXPECT_EQ(back.grid.nx, 5);
  EXPECT_EQ(back.grid.ny, 3);
  EXPECT_DOUBLE_EQ(back.grid.pixel_arcmin, 0.5);
  EXPECT_EQ(back.data, data);
  const std::string info = describe_file(path);
  EXPECT_NE(info.find("KAPPA_E: image 5 x 3"), std::string::npos) << info;
  EXPECT_NE(info.find("CD1_1 = -"), std::string::npos) << info;  // East left
}

TEST(FitsIo, HealpixMapRoundTrip) {
  const auto dir = lofimap::testing::scratch_dir();
  std::vector<float> m(12 * 4 * 4);
  for (size_t i = 0; i < m.size(); ++i) m[i] = static_cast<float>(i) * 0.5f;
  const auto path = (dir / "h.fits").string();
  write_healpix_fits(path, 4, {{"KAPPA_E", "", m.data()}}, {});
  const auto back = read_healpix_fits(path, "kappa_e");
  EXPECT_EQ(back.nside, 4);
  EXPECT_EQ(back.data, m);
  const std::string info = describe_file(path);
  EXPECT_NE(info.find("ORDERING = RING"), std::string::npos) << info;
  EXPECT_NE(info.find("COORDSYS = C"), std::string::npos) << info;
}

TEST(FitsIo, AtomicOutputRefusesExistingAndLeavesNoTemporary) {
  const auto dir = lofimap::testing::scratch_dir();
  const auto target = (dir / "a.fits").string();
  std::ofstream(target) << "old";
  EXPECT_THROW(AtomicOutput(target, false), Error);
  {
    AtomicOutput out(target, true);
    std::ofstream(out.temp_path()) << "new";
    // not committed: destroyed here
  }
  std::ifstream in(target);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "old");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  EXPECT_THROW(check_writable((dir / "no_such_dir" / "x.fits").string(), false), Error);
  EXPECT_THROW(check_writable((dir / "a.fits" / "x.fits").string(), false), Error);  // parent is a file
}

TEST(FitsIo, InfoRejectsOtherFormats) {
  const auto dir = lofimap::testing::scratch_dir();
  std::ofstream(dir / "x.txt") << "hello";
  EXPECT_THROW(describe_file((dir / "x.txt").string()), Error);
  EXPECT_THROW(describe_file((dir / "missing").string()), Error);
}

}  // namespace
}  // namespace lofimap::io
