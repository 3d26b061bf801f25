// Training sets: reproducible bit for bit, maps are distinct realisations, the stored fields are consistent
// (KS of the stored shear, noise level from counts), and bad options fail before anything is written.
#include "pipeline/simulate/training_set.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "io/hdf5_training_set.hpp"
#include "lognormal_training_set.hpp"
#include "pipeline/core/map_statistics.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "test_paths.hpp"

namespace lofimap::pipeline {
namespace {

TrainingSetConfig small_config(const std::filesystem::path& out) {
  auto c = testing::lognormal_training_set(out, 6, pipeline::FlatGrid::square(64, 1.0));
  c.n_gal_min = 10, c.n_gal_max = 40;
  c.sigma_e_min = 0.25, c.sigma_e_max = 0.3;
  c.masked_fraction = 0.1;
  c.seed = 99;
  return c;
}

std::string bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(TrainingSet, SameSeedSameBytesAndMapsAreDistinct) {
  const auto dir = testing::scratch_dir();
  const auto comm = distributed::Communicator::self();
  auto c = small_config(dir / "a.h5");
  write_training_set(c, comm);
  c.output = (dir / "b.h5").string();
  write_training_set(c, comm);
  EXPECT_EQ(bytes(dir / "a.h5"), bytes(dir / "b.h5"));
  const io::TrainingSetReader r((dir / "a.h5").string());
  ASSERT_EQ(r.maps(), 6);
  ASSERT_EQ(r.n(), 64);
  const auto m0 = r.read(0), m1 = r.read(1);
  const std::vector<double> k0(m0.kappa.begin(), m0.kappa.end()), k1(m1.kappa.begin(), m1.kappa.end());
  EXPECT_LT(std::abs(pearson(k0, k1)), 0.3);
  EXPECT_NE(m0.n_gal, m1.n_gal);
  EXPECT_EQ(r.text_attribute("field"), "lognormal");
  EXPECT_DOUBLE_EQ(r.number_attribute("pixel_arcmin"), 1.0);
  c.seed = 100;
  c.output = (dir / "c.h5").string();
  write_training_set(c, comm);
  const auto other = io::TrainingSetReader(c.output).read(0);
  EXPECT_NE(other.kappa, m0.kappa);
}

TEST(TrainingSet, MixedFamiliesCycleAndDrawTheirParameters) {
  // Four families with sigma8, Omega_m, z_s and lambda drawn per map: map i is of family i mod 4, each
  // parameter lies in its range and varies between maps, halo-model maps hold haloes, and a map depends on
  // (seed, index) alone (the sampler's caches change nothing).
  TrainingSetConfig c;
  c.grid = FlatGrid::square(128, 1.0);
  c.sky.families = {SkyFamily::gaussian, SkyFamily::lognormal, SkyFamily::halo_model,
                    SkyFamily::lognormal_clusters};
  c.sky.cosmology = planck2015_tng();
  c.sky.sigma8 = {0.7, 0.9};
  c.sky.omega_m = {0.25, 0.35};
  c.sky.z_source = {0.8, 1.4};
  c.sky.lambda = {0.01, 0.04};
  c.seed = 5;
  SkyFamilySampler sampler(c.sky);
  std::vector<TrainingMapData> maps;
  for (long i = 0; i < 8; ++i) maps.push_back(simulate_training_map(sampler, c, i));
  for (long i = 0; i < 8; ++i) {
    const auto& p = maps[static_cast<size_t>(i)].sky;
    EXPECT_EQ(p.family, c.sky.families[static_cast<size_t>(i % 4)]);
    EXPECT_TRUE(p.sigma8 >= 0.7 && p.sigma8 <= 0.9 && p.omega_m >= 0.25 && p.omega_m <= 0.35);
    EXPECT_TRUE(p.z_source >= 0.8 && p.z_source <= 1.4);
    if (p.family == SkyFamily::lognormal || p.family == SkyFamily::lognormal_clusters) {
      EXPECT_TRUE(p.lambda >= 0.01 && p.lambda <= 0.04);
    }
    if (p.family == SkyFamily::halo_model) {
      EXPECT_GT(p.haloes, 100);
    }
  }
  EXPECT_NE(maps[0].sky.sigma8, maps[1].sky.sigma8);
  EXPECT_EQ(simulate_training_map(c, 6).kappa, maps[6].kappa);  // a fresh sampler, the same map
  // Written to a set, each map records what it drew.
  const auto dir = testing::scratch_dir();
  c.maps = 5;
  c.output = (dir / "mixed.h5").string();
  write_training_set(c, distributed::Communicator::self());
  const io::TrainingSetReader r(c.output);
  EXPECT_EQ(r.text_attribute("field"), "gaussian,lognormal,halo-model,lognormal-clusters");
  for (long i = 0; i < 5; ++i) {
    const auto m = r.read(i);
    ASSERT_TRUE(m.has_sky);
    EXPECT_EQ(m.sky_family, i % 4);
    EXPECT_FLOAT_EQ(m.sky_sigma8, static_cast<float>(maps[static_cast<size_t>(i)].sky.sigma8));
    EXPECT_FLOAT_EQ(m.sky_z_source, static_cast<float>(maps[static_cast<size_t>(i)].sky.z_source));
    EXPECT_EQ(m.sky_haloes, static_cast<float>(maps[static_cast<size_t>(i)].sky.haloes));
    EXPECT_EQ(m.kappa, maps[static_cast<size_t>(i)].kappa);
  }
  EXPECT_EQ(simulate_training_map(c, 3).kappa, maps[3].kappa);
  // A spectrum table cannot make halo-model skies (they need a cosmology): refused by name.
  c.sky.fixed_cl = AngularSpectrum{{1, 1e6}, {1e-9, 1e-15}};
  c.sky.sigma8 = c.sky.omega_m = c.sky.z_source = {1, 1};
  try {
    SkyFamilySampler refused(c.sky);
    FAIL() << "halo-model skies from a C_ell table were accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--family"), std::string::npos) << e.what();
  }
}

TEST(TrainingSet, StoredMapsAreConsistent) {
  const auto dir = testing::scratch_dir();
  auto c = small_config(dir / "t.h5");
  write_training_set(c, distributed::Communicator::self());
  const auto m = io::TrainingSetReader(c.output).read(2);
  const size_t nn = 64 * 64;
  // The KS planes are the KS of the stored shear.
  std::vector<double> g1(m.shear.begin(), m.shear.begin() + nn), g2(m.shear.begin() + nn, m.shear.end());
  const auto ks = flat_kaiser_squires({64, 64, g1, g2}, c.pad, 0.0);
  double worst = 0;
  for (size_t i = 0; i < nn; ++i) worst = std::max(worst, std::abs(ks.a[i] - m.ks[i]));
  EXPECT_LT(worst, 1e-5);
  // Mask: holes cover about the requested fraction; unobserved pixels carry no counts and no shear.
  double masked = 0;
  for (size_t i = 0; i < nn; ++i) {
    masked += m.mask[i] == 0;
    if (!m.mask[i]) {
      EXPECT_EQ(m.counts[i], 0.0f);
      EXPECT_EQ(m.shear[i], 0.0f);
    }
  }
  EXPECT_GT(masked / nn, 0.08);
  EXPECT_LT(masked / nn, 0.25);
  // Counts: Poisson with mean n_gal x pixel area.
  double mean = 0, observed = 0;
  for (size_t i = 0; i < nn; ++i)
    if (m.mask[i]) mean += m.counts[i], observed += 1;
  EXPECT_NEAR(mean / observed, m.n_gal, 0.1 * m.n_gal);
  // Truth vs noisy KS, both smoothed by 2': clearly correlated at this depth (noise dominates single pixels).
  const std::vector<double> truth(m.kappa.begin(), m.kappa.end());
  const double r =
      pearson(flat_gaussian_smooth(ks.a, 64, 64, 2.0, 2.0), flat_gaussian_smooth(truth, 64, 64, 2.0, 2.0));
  std::printf("training map 2: r(KS, truth) after 2' smoothing = %.3f (n_gal %.1f, sigma_e %.3f)\n", r,
              m.n_gal, m.sigma_e);
  EXPECT_GT(r, 0.5);
}

TEST(TrainingSet, BadOptionsFailBeforeWriting) {
  const auto dir = testing::scratch_dir();
  auto c = small_config(dir / "bad.h5");
  c.n_gal_min = -1;
  EXPECT_THROW(write_training_set(c, distributed::Communicator::self()), std::invalid_argument);
  c = small_config(dir / "bad.h5");
  c.sigma_e_min = -0.1;
  EXPECT_THROW(write_training_set(c, distributed::Communicator::self()), std::invalid_argument);
  c = small_config(dir / "bad.h5");
  c.grid = pipeline::FlatGrid::square(64, 0.01);  // Nyquist ell beyond the C_ell table
  EXPECT_THROW(write_training_set(c, distributed::Communicator::self()), std::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.h5"));
}

}  // namespace
}  // namespace lofimap::pipeline
