// Run at 1, 2 and 4 ranks: row splitting is a partition, reductions are exact, and the KS products made by
// several ranks (each reading its own rows) equal those of a single process.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "distributed/communicator.hpp"
#include "io/fits_maps.hpp"
#include "io/hdf5_training_set.hpp"
#include "lognormal_training_set.hpp"
#include "pipeline/products/ks_product.hpp"
#include "pipeline/simulate/synthetic_sky.hpp"
#include "pipeline/simulate/training_set.hpp"
#include "pipeline/sphere/sphere_binning.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/survey/healpix_patch_pixels.hpp"

namespace lofimap {
namespace {

TEST(Distributed, SplitRowsIsABalancedPartition) {
  for (long total : {0L, 1L, 7L, 1000L})
    for (int size : {1, 2, 3, 4}) {
      long expected_begin = 0;
      for (int r = 0; r < size; ++r) {
        const auto range = distributed::split_rows(total, r, size);
        EXPECT_EQ(range.begin, expected_begin);
        EXPECT_LE(range.end - range.begin, total / size + 1);
        expected_begin = range.end;
      }
      EXPECT_EQ(expected_begin, total);
    }
}

TEST(Distributed, ReductionsSumOverRanks) {
  const auto comm = distributed::Communicator::world();
  double v[2] = {1.0, static_cast<double>(comm.rank())};
  comm.allreduce_sum(v, 2);
  EXPECT_EQ(v[0], comm.size());
  EXPECT_EQ(v[1], comm.size() * (comm.size() - 1) / 2);
  EXPECT_EQ(comm.broadcast(comm.is_root() ? "root" : "other"), "root");
}

TEST(Distributed, KsMapsDoNotDependOnTheNumberOfRanks) {
  const auto comm = distributed::Communicator::world();
  // Shared scratch folder: rank 0 makes the input, everyone reads it.
  const auto dir = std::filesystem::temp_directory_path() / "lofimap-tests" / "distributed_ks";
  const std::string input = (dir / "cat.fits").string();
  const pipeline::FlatGrid patch{{200.0, -10.0}, 1.0, 48, 48};
  const auto sky = pipeline::make_synthetic_sky(patch, pipeline::random_haloes(patch, 5, 9));
  if (comm.is_root()) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    pipeline::CatalogueWriter writer(input, "kids");
    pipeline::sample_galaxies(sky, 20000, 0.2, 4, 3000,
                              [&](const pipeline::GalaxySample& s) { writer.append(s); });
    writer.close();
  }
  comm.barrier();
  // Three ways in: the patch from the footprint (galaxies loaded), the patch given (galaxies binned as they
  // are read) and HEALPix (binned as read).
  for (const std::string way : {"footprint", "centre", "sphere"}) {
    pipeline::KsConfig c;
    c.catalogue.inputs = {input};
    c.catalogue.preset = "kids";
    c.flat.pixel_arcmin = 1.0;
    if (way == "centre") c.flat.center_ra = 200.0, c.flat.center_dec = -10.0, c.flat.npix = 48;
    if (way == "sphere") c.sphere = true, c.nside = 512;
    c.output.png = false;
    c.output.path = (dir / ("ks_" + way + "_" + std::to_string(comm.size()) + ".fits")).string();
    c.output.overwrite = true;
    pipeline::run_kaiser_squires(c, comm);  // all ranks, each reading its own rows
    if (comm.is_root()) {
      // Reference: the same job by rank 0 alone (MPI_COMM_SELF), reading every row itself.
      pipeline::KsConfig single = c;
      single.output.path = (dir / ("ks_" + way + "_reference.fits")).string();
      pipeline::run_kaiser_squires(single, distributed::Communicator::self());
      const auto read = [&](const std::string& path) {
        return way == "sphere" ? io::read_healpix_fits(path, "KAPPA_E").data
                               : io::read_flat_fits(path, "KAPPA_E").data;
      };
      const auto mine = read(c.output.path), ref = read(single.output.path);
      ASSERT_EQ(ref.size(), mine.size());
      double max_ref = 0, max_diff = 0;
      for (size_t i = 0; i < ref.size(); ++i) {
        if (ref[i] < -1e30) continue;  // UNSEEN outside the footprint
        max_ref = std::max(max_ref, static_cast<double>(std::abs(ref[i])));
        max_diff = std::max(max_diff, static_cast<double>(std::abs(mine[i] - ref[i])));
      }
      EXPECT_GT(max_ref, 0.01) << way;
      EXPECT_LT(max_diff, 1e-5 * max_ref) << way << " on " << comm.size() << " ranks";
    }
    comm.barrier();
  }
}

// Two sets hold `maps` maps with the same truth, shear, KS estimate, counts and depth, bit for bit.
void expect_same_maps(const std::string& one, const std::string& other, long maps) {
  const io::TrainingSetReader a(one), b(other);
  ASSERT_EQ(a.maps(), maps);
  ASSERT_EQ(b.maps(), maps);
  for (long i = 0; i < maps; ++i) {
    const auto ma = a.read(i), mb = b.read(i);
    EXPECT_EQ(ma.kappa, mb.kappa) << "map " << i;
    EXPECT_EQ(ma.shear, mb.shear) << "map " << i;
    EXPECT_EQ(ma.ks, mb.ks) << "map " << i;
    EXPECT_EQ(ma.counts, mb.counts) << "map " << i;
    EXPECT_EQ(ma.n_gal, mb.n_gal) << "map " << i;
  }
}

// An empty directory under the temporary directory, made by rank 0 before any rank uses it.
std::filesystem::path empty_shared_dir(const distributed::Communicator& comm, const char* name) {
  const auto dir = std::filesystem::temp_directory_path() / "lofimap-tests" / name;
  if (comm.is_root()) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  comm.barrier();
  return dir;
}

TEST(Distributed, TrainingSetIsIndependentOfTheNumberOfRanks) {
  const auto comm = distributed::Communicator::world();
  const auto dir = empty_shared_dir(comm, "distributed_training");
  // 7 maps, not a multiple of 2 or 4: the last round has idle ranks writing empty selections.
  auto c = testing::lognormal_training_set({}, 7, pipeline::FlatGrid::square(32, 1.0));
  c.n_gal_min = 10, c.n_gal_max = 30;
  c.masked_fraction = 0.05;
  c.seed = 5;
  c.output = (dir / ("set_" + std::to_string(comm.size()) + ".h5")).string();
  const auto report = pipeline::write_training_set(c, comm);  // collective
  EXPECT_EQ(report.maps_written_here, (7 - comm.rank() + comm.size() - 1) / comm.size());
  if (comm.is_root()) {
    auto serial = c;
    serial.output = (dir / "serial.h5").string();
    pipeline::write_training_set(serial, distributed::Communicator::self());
    expect_same_maps(c.output, serial.output, 7);
    const io::TrainingSetReader a(c.output);
    for (long i = 1; i < 7; ++i)
      EXPECT_NE(a.read(i).kappa, a.read(i - 1).kappa) << "maps " << i - 1 << " and " << i << " coincide";
  }
  comm.barrier();
}

// A set mixing particle-mesh cones with two other families, 24 maps, 4 cones per box: the 8 particle-mesh
// maps (0, 3, ..., 21) take 2 boxes. Ranks take contiguous runs of them: 2 box simulations at 1 and 2 ranks,
// 4 at 4 (dealt in turn, 2 ranks would simulate 4 boxes and 4 ranks 8). The set equals the one-rank set.
TEST(Distributed, ParticleMeshTrainingSetSplitsBoxesInRuns) {
  const auto comm = distributed::Communicator::world();
  const auto dir = empty_shared_dir(comm, "distributed_pm_training");
  pipeline::TrainingSetConfig c;
  c.maps = 24;
  c.grid = pipeline::FlatGrid::square(32, 1.0);
  c.sky.families = {pipeline::SkyFamily::particle_mesh, pipeline::SkyFamily::lognormal,
                    pipeline::SkyFamily::gaussian};
  c.sky.cosmology = pipeline::planck2015_tng();
  c.sky.z_source = {0.5, 0.5};  // few lens planes, and one spectrum for the other families: quick
  c.sky.lambda = {0.02, 0.02};
  c.sky.cones_per_box = 4;
  c.sky.particle_mesh.box_mpc = 64, c.sky.particle_mesh.particles = c.sky.particle_mesh.mesh = 16;
  c.sky.particle_mesh.steps = 4;
  c.seed = 8;
  c.output = (dir / ("set_" + std::to_string(comm.size()) + ".h5")).string();
  const auto report = pipeline::write_training_set(c, comm);
  long long boxes = report.boxes_simulated_here, maps = report.maps_written_here;
  comm.allreduce_sum(&boxes, 1);
  comm.allreduce_sum(&maps, 1);
  EXPECT_EQ(boxes, comm.size() == 4 ? 4 : 2);  // the test binary runs at 1, 2 and 4 ranks
  EXPECT_EQ(maps, 24);
  if (comm.is_root()) {
    auto serial = c;
    serial.output = (dir / "serial.h5").string();
    EXPECT_EQ(pipeline::write_training_set(serial, distributed::Communicator::self()).boxes_simulated_here,
              2);
    expect_same_maps(c.output, serial.output, 24);
  }
  comm.barrier();
}

}  // namespace
}  // namespace lofimap
