// `lofimap ks` end to end in-process: a point mass in a DES-convention catalogue written by hand from the
// published convention table lands as a positive peak at the right sky position in the written FITS (flat)
// and HEALPix map; the sign guards (one flipped component mixes E and B, both flipped turn clusters into
// holes); outputs are atomic and never clobbered.
#include "pipeline/products/ks_product.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "io/error.hpp"
#include "io/fits_maps.hpp"
#include "io/fits_table_writer.hpp"
#include "pipeline/core/map_statistics.hpp"
#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/simulate/synthetic_sky.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "test_paths.hpp"

namespace lofimap::pipeline {
namespace {

const distributed::Communicator& world() {
  static const auto comm = distributed::Communicator::world();
  return comm;
}

// Galaxies on a regular tangent-plane grid around a point mass at (ra0, dec0), shapes written in the DES
// convention: internal flat (g1, g2) = (e1, -e2), so e_1 = g1, e_2 = -g2 (the DES/KiDS/COSMOS convention).
std::string point_mass_des_catalogue(const std::filesystem::path& dir, double ra0, double dec0,
                                     double half_deg) {
  std::vector<double> ra, dec, e1, e2, w, r;
  const TangentPoint c{ra0, dec0};
  const int n = 160;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const double x = half_deg * (2.0 * (i + 0.5) / n - 1), y = half_deg * (2.0 * (j + 0.5) / n - 1);
      const double r2 = (x * x + y * y) * 3600;  // arcmin^2
      if (r2 < 1) continue;
      const double phi = std::atan2(y, x), gt = 0.5 / r2;
      const double g1 = -gt * std::cos(2 * phi), g2 = -gt * std::sin(2 * phi);
      double a = 0, d = 0;
      gnomonic_deproject(c, x, y, a, d);
      ra.push_back(a), dec.push_back(d), e1.push_back(g1), e2.push_back(-g2), w.push_back(1), r.push_back(1);
    }
  const std::string path = (dir / "point_mass_des.fits").string();
  io::FitsTableWriter writer(path, "SHEAR", {"ra", "dec", "e_1", "e_2", "weight", "R11", "R22"});
  writer.append({ra.data(), dec.data(), e1.data(), e2.data(), w.data(), r.data(), r.data()},
                static_cast<long>(ra.size()));
  writer.close();
  return path;
}

KsConfig base_config(const std::string& input, const std::string& output) {
  KsConfig c;
  c.catalogue.inputs = {input};
  c.catalogue.preset = "des";
  c.output.path = output;
  c.output.png = false;
  return c;
}

TEST(KaiserSquiresProducts, FlatPointMassPeaksAtItsSkyPosition) {
  const auto dir = testing::scratch_dir();
  const double ra0 = 52.3, dec0 = -27.9;
  auto c = base_config(point_mass_des_catalogue(dir, ra0, dec0, 0.5), (dir / "pm.fits").string());
  c.flat.pixel_arcmin = 1.0;
  c.flat.npix = 50;
  c.flat.center_ra = ra0 + 0.1;  // mass off the grid centre on both axes
  c.flat.center_dec = dec0 - 0.07;
  c.output.png = true;
  const auto report = run_kaiser_squires(c, world());
  ASSERT_EQ(report.written.size(), 4u);
  for (const auto& f : report.written) EXPECT_TRUE(std::filesystem::exists(f)) << f;
  const auto ke = io::read_flat_fits(c.output.path, "KAPPA_E");
  const auto& g = ke.grid;
  const size_t peak = static_cast<size_t>(std::max_element(ke.data.begin(), ke.data.end()) - ke.data.begin());
  const FlatGrid patch{{g.ra0_deg, g.dec0_deg}, g.pixel_arcmin, g.nx, g.ny};
  const auto xy = gnomonic_project(patch.centre, ra0, dec0);
  long ix = 0, iy = 0;
  ASSERT_TRUE(patch.pixel_of(xy.x_deg, xy.y_deg, ix, iy));
  EXPECT_EQ(static_cast<long>(peak), iy * g.nx + ix) << "peak at " << peak % g.nx << "," << peak / g.nx;
  EXPECT_GT(ke.data[peak], 0);
}

TEST(KaiserSquiresProducts, SpherePointMassPeaksAtItsPixel) {
  const auto dir = testing::scratch_dir();
  const double ra0 = 52.3, dec0 = -27.9;
  auto c = base_config(point_mass_des_catalogue(dir, ra0, dec0, 4.0), (dir / "pm_sphere.fits").string());
  c.sphere = true;
  c.nside = 128;
  run_kaiser_squires(c, world());
  const auto ke = io::read_healpix_fits(c.output.path, "KAPPA_E");
  const auto w = io::read_healpix_fits(c.output.path, "WEIGHT");
  ASSERT_EQ(ke.nside, 128);
  const size_t peak = static_cast<size_t>(std::max_element(ke.data.begin(), ke.data.end()) - ke.data.begin());
  EXPECT_EQ(static_cast<long long>(peak), sphere_ang2pix(128, ra0, dec0));
  EXPECT_GT(ke.data[peak], 0);
  // Unobserved pixels are flagged by zero weight, and their kappa is UNSEEN (not the transform's ringing).
  EXPECT_EQ(w.data[static_cast<size_t>(sphere_ang2pix(128, 200, 40))], 0.0f);
  EXPECT_EQ(ke.data[static_cast<size_t>(sphere_ang2pix(128, 200, 40))], -1.6375e30f);

  // Partial (explicit-index) output holds exactly the observed pixels with the same values.
  c.partial = true;
  c.output.path = (dir / "pm_partial.fits").string();
  run_kaiser_squires(c, world());
  const auto part = io::read_healpix_fits(c.output.path, "KAPPA_E", -1e30f);
  size_t observed = 0;
  for (size_t p = 0; p < part.data.size(); ++p) {
    if (w.data[p] > 0) {
      ++observed;
      EXPECT_EQ(part.data[p], ke.data[p]);
    } else {
      EXPECT_EQ(part.data[p], -1e30f);
    }
  }
  EXPECT_GT(observed, 100u);
  EXPECT_LT(std::filesystem::file_size(c.output.path), std::filesystem::file_size(dir / "pm_sphere.fits") / 10);
}

// The sign guards on a noise-free halo field in the DES convention.
struct GuardResult {
  double r, e_over_b;
};

GuardResult run_with_flips(const std::filesystem::path& dir, const std::string& input, const FlatSky& sky,
                           bool f1, bool f2) {
  auto c = base_config(input, (dir / ("flip" + std::to_string(f1) + std::to_string(f2) + ".fits")).string());
  c.catalogue.flip_e1 = f1, c.catalogue.flip_e2 = f2;
  c.flat.center_ra = sky.patch.centre.ra_deg, c.flat.center_dec = sky.patch.centre.dec_deg;
  c.flat.pixel_arcmin = sky.patch.pixel_arcmin, c.flat.npix = sky.patch.nx;
  run_kaiser_squires(c, world());
  const auto ke = io::read_flat_fits(c.output.path, "KAPPA_E"), kb = io::read_flat_fits(c.output.path, "KAPPA_B");
  const std::vector<double> e(ke.data.begin(), ke.data.end()), b(kb.data.begin(), kb.data.end());
  return {pearson(e, sky.kappa), rms(e) / rms(b)};
}

TEST(KaiserSquiresProducts, FlippedComponentsBreakTheMapsAsExpected) {
  const auto dir = testing::scratch_dir();
  const FlatGrid patch{{120.0, 30.0}, 1.0, 64, 64};
  const auto sky = make_synthetic_sky(patch, random_haloes(patch, 8, 5));
  const std::string input = (dir / "des.fits").string();
  {
    CatalogueWriter writer(input, "des");
    sample_galaxies(sky, 64 * 64 * 30, 0.05, 3, 1 << 16, [&](const GalaxySample& s) { writer.append(s); });
    writer.close();
  }
  const auto right = run_with_flips(dir, input, sky, false, false);
  const auto one = run_with_flips(dir, input, sky, true, false);
  const auto both = run_with_flips(dir, input, sky, true, true);
  EXPECT_GT(right.r, 0.9);
  EXPECT_GT(right.e_over_b, 2.0);
  EXPECT_LT(std::abs(one.r), 0.3);  // one flip kills the correlation with truth
  EXPECT_LT(one.e_over_b, 1.5);     // and makes E and B comparable
  EXPECT_GT(one.e_over_b, 1.0 / 1.5);
  EXPECT_LT(both.r, -0.9);  // both flipped: clusters become holes
}

TEST(KaiserSquiresProducts, ExistingOutputIsKeptWithoutOverwriteAndNoTemporariesRemain) {
  const auto dir = testing::scratch_dir();
  auto c = base_config(point_mass_des_catalogue(dir, 10, 10, 0.3), (dir / "out.fits").string());
  c.flat.pixel_arcmin = 1;
  run_kaiser_squires(c, world());
  const auto before = std::filesystem::last_write_time(c.output.path);
  EXPECT_THROW(run_kaiser_squires(c, world()), io::Error);
  EXPECT_EQ(std::filesystem::last_write_time(c.output.path), before);
  c.output.overwrite = true;
  EXPECT_NO_THROW(run_kaiser_squires(c, world()));
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
}

TEST(KaiserSquiresProducts, BadOptionsFailBeforeAnythingIsRead) {
  const auto dir = testing::scratch_dir();
  auto c = base_config((dir / "does_not_matter.fits").string(), (dir / "out.fits").string());
  c.flat.pixel_arcmin = 0;
  EXPECT_THROW(run_kaiser_squires(c, world()), std::invalid_argument);
  c.flat.pixel_arcmin = -2;
  EXPECT_THROW(run_kaiser_squires(c, world()), std::invalid_argument);
  c.flat.pixel_arcmin = 1;
  c.sphere = true;
  c.nside = 100;
  EXPECT_THROW(run_kaiser_squires(c, world()), std::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(c.output.path));
}

}  // namespace
}  // namespace lofimap::pipeline
