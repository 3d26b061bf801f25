// Simulated catalogues: Poisson density, shape noise, masks, and the round trip through every preset's
// columns back into lofimap's reader and Kaiser-Squires.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numbers>
#include <random>

#include "io/catalogue_files.hpp"
#include "pipeline/catalogue/catalogue_loader.hpp"
#include "pipeline/core/map_statistics.hpp"
#include "pipeline/flat/flat_binning.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/products/simulate_product.hpp"
#include "pipeline/simulate/flat_random_fields.hpp"
#include "pipeline/simulate/galaxy_sampling.hpp"
#include "pipeline/simulate/sky_mask.hpp"
#include "pipeline/simulate/sphere_random_fields.hpp"
#include "test_paths.hpp"

namespace lofimap::pipeline {
namespace {

const distributed::Communicator& world() {
  static const auto comm = distributed::Communicator::world();
  return comm;
}

// A Gaussian field with the z_s = 1 spectrum up to lmax (zero beyond).
FlatSky grf_sky(long n, double pixel, double lmax = 1e5) {
  SourceDistribution s;
  s.z_single = 1.0;
  const auto cl = convergence_cl_limber(Cosmology(planck2015_tng()), s, log_ell_grid(10, lmax, 200));
  FlatSky sky;
  sky.patch = FlatGrid{{40.0, -20.0}, pixel, n, n};
  sky.kappa = gaussian_field(cl, pipeline::FlatGrid::square(n, pixel), 21, 0);
  const auto shear = flat_shear_from_convergence({n, n, sky.kappa, {}}, 1.0);
  sky.gamma1 = shear.a;
  sky.gamma2 = shear.b;
  return sky;
}

TEST(SimulatedCatalogue, PoissonDensityAndShapeNoise) {
  const auto sky = grf_sky(128, 1.0);
  const double density = 20, area = 128.0 * 128.0;  // arcmin^2
  long long n = 0;
  double s1 = 0, s2 = 0;
  sample_flat_galaxies(sky, -1, density, {0.26, false}, nullptr, 5, 100000, [&](const GalaxySample& s) {
    for (size_t i = 0; i < s.galaxies.size(); ++i) {
      const double d1 = s.galaxies.g1[i] - s.true_g1[i], d2 = s.galaxies.g2[i] - s.true_g2[i];
      s1 += d1 * d1, s2 += d2 * d2;
    }
    n += static_cast<long long>(s.galaxies.size());
  });
  const double expected = density * area;
  std::printf("flat: %lld galaxies, expected %.0f +- %.0f; std(e - gamma) = %.4f, %.4f (sigma_e 0.26)\n", n,
              expected, std::sqrt(expected), std::sqrt(s1 / n), std::sqrt(s2 / n));
  EXPECT_LT(std::abs(static_cast<double>(n) - expected), 3 * std::sqrt(expected));
  EXPECT_NEAR(std::sqrt(s1 / static_cast<double>(n)), 0.26, 0.02 * 0.26);
  EXPECT_NEAR(std::sqrt(s2 / static_cast<double>(n)), 0.26, 0.02 * 0.26);
}

// A Gaussian sphere at nside 64 (its shear is not looked at): positions and counts are what is tested.
SphereSimulation small_sphere_sky() {
  SourceDistribution s;
  s.z_single = 1.0;
  const auto cl = convergence_cl_limber(Cosmology(planck2015_tng()), s, log_ell_grid(2, 1e4, 100));
  return simulate_sphere(cl, 64, 0, 0.0, 4, 0, true);
}

TEST(SimulatedCatalogue, SphereDensityInsideADecBand) {
  const auto sim = small_sphere_sky();
  SkyMaskSpec spec;
  spec.dec_range = std::make_pair(-30.0, 10.0);
  const SkyMask mask(spec);
  const double density = 0.02;  // per arcmin^2 -> ~1.0e5 galaxies in the band
  long long n = 0;
  bool inside = true;
  sample_sphere_galaxies(sim, density, {0.3, false}, &mask, 12, 50000, [&](const GalaxySample& g) {
    n += static_cast<long long>(g.galaxies.size());
    for (double d : g.galaxies.dec_deg) inside = inside && d >= -30 && d <= 10;
  });
  const double band_sr =
      2 * std::numbers::pi * (std::sin(10 * std::numbers::pi / 180) - std::sin(-30 * std::numbers::pi / 180));
  const double expected = density * band_sr * std::pow(180 * 60 / std::numbers::pi, 2);
  std::printf("sphere band: %lld galaxies, expected %.0f +- %.0f\n", n, expected, std::sqrt(expected));
  EXPECT_TRUE(inside);
  EXPECT_LT(std::abs(static_cast<double>(n) - expected), 3 * std::sqrt(expected));
}

TEST(SimulatedCatalogue, SphereDensityInsideADiscIsUniform) {
  // Positions are drawn inside the disc (not over the whole sky and rejected): the count is Poisson over the
  // disc's area, every galaxy lies inside, and half of them lie inside the circle of half the area.
  const auto sim = small_sphere_sky();
  SkyMaskSpec spec;
  const double ra0 = 355, dec0 = -70, radius = 3;  // across RA 0, near a pole
  spec.disc = std::vector<double>{ra0, dec0, radius};
  const SkyMask mask(spec);
  constexpr double d2r = std::numbers::pi / 180;
  const double cos_r = std::cos(radius * d2r), cos_half = (1 + cos_r) / 2;
  const double density = 2.0;  // per arcmin^2 -> ~2.0e5 galaxies
  long long n = 0, inner = 0;
  bool inside = true;
  sample_sphere_galaxies(sim, density, {0.3, false}, &mask, 12, 50000, [&](const GalaxySample& g) {
    for (size_t i = 0; i < g.galaxies.size(); ++i) {
      const double ra = g.galaxies.ra_deg[i], dec = g.galaxies.dec_deg[i];
      const double c = std::sin(dec * d2r) * std::sin(dec0 * d2r) +
                       std::cos(dec * d2r) * std::cos(dec0 * d2r) * std::cos((ra - ra0) * d2r);
      inside = inside && c >= cos_r - 1e-12 && ra >= 0 && ra < 360;
      inner += c >= cos_half ? 1 : 0;
      ++n;
    }
  });
  const double expected =
      density * 2 * std::numbers::pi * (1 - cos_r) * std::pow(180 * 60 / std::numbers::pi, 2);
  std::printf("sphere disc: %lld galaxies, expected %.0f +- %.0f; %lld in the inner half\n", n, expected,
              std::sqrt(expected), inner);
  EXPECT_TRUE(inside);
  EXPECT_LT(std::abs(static_cast<double>(n) - expected), 3 * std::sqrt(expected));
  EXPECT_LT(std::abs(static_cast<double>(inner) - 0.5 * static_cast<double>(n)), 3 * 0.5 * std::sqrt(n));
}

class SimulatedPresetRoundTrip : public ::testing::TestWithParam<std::string> {};

// The area bound of the geometric cuts (used to size a catalogue on disk) against the fraction of uniform
// points on the sphere the mask keeps.
TEST(SimulatedCatalogue, GeometricAreaBoundMatchesTheCutsArea) {
  std::vector<SkyMaskSpec> specs(4);
  specs[0].ra_range = {{200.0, 160.0}}, specs[0].dec_range = {{-60.0, -40.0}};  // wraps through RA 0
  specs[1].disc = std::vector<double>{30.0, 50.0, 10.0};
  specs[2].dec_range = {{-90.0, 90.0}};
  specs[3].ra_range = {{10.0, 40.0}}, specs[3].disc = std::vector<double>{25.0, 0.0, 5.0};  // disc inside
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double sky = 4 * std::numbers::pi * std::pow(180 / std::numbers::pi, 2);
  for (const auto& spec : specs) {
    const SkyMask mask(spec);
    const long n = 2'000'000;
    long inside = 0;
    for (long i = 0; i < n; ++i) {
      const double ra = 360 * u(rng), dec = std::asin(2 * u(rng) - 1) * 180 / std::numbers::pi;
      inside += mask.contains(ra, dec) ? 1 : 0;
    }
    const double measured = sky * static_cast<double>(inside) / n;
    const double sigma = sky * std::sqrt(static_cast<double>(std::max(inside, 1L))) / n;
    EXPECT_NEAR(spec.geometric_area_bound_deg2(), measured, 5 * sigma + 1e-9);
  }
}

TEST_P(SimulatedPresetRoundTrip, BinnedShearEqualsTruthToNoiseLevel) {
  const auto dir = testing::scratch_dir();
  const auto sky = grf_sky(64, 1.0);
  const std::string path = (dir / "cat.fits").string();
  // HSC shapes are distortions (e = 2 g here, |e| < 1 enforced by the reader): keep |g| < 0.5 in practice.
  const double density = 50, sigma_e = GetParam() == "hsc" ? 0.1 : 0.2;
  {
    CatalogueWriter writer(path, GetParam());
    sample_flat_galaxies(sky, -1, density, {sigma_e, false}, nullptr, 8, 1 << 18,
                         [&](const GalaxySample& s) { writer.append(s); });
    writer.close();
  }
  CatalogueOptions opt;
  opt.inputs = {path};
  opt.preset = GetParam();
  const auto cat = load_catalogue(opt, world());
  const auto grid = bin_flat(cat.galaxies, sky.patch, world());
  // Reduced chi^2 of the binned shear against the truth with per-pixel noise sigma_e^2 / N. (The presets
  // that subtract the mean shape shift the shear by ~1e-3, far below the per-pixel noise of ~0.03.)
  double chi2 = 0;
  long cells = 0;
  for (size_t i = 0; i < grid.g1.size(); ++i) {
    if (grid.count[i] < 5) continue;
    const double var = sigma_e * sigma_e / grid.count[i];
    chi2 += (std::pow(grid.g1[i] - sky.gamma1[i], 2) + std::pow(grid.g2[i] - sky.gamma2[i], 2)) / var;
    cells += 2;
  }
  std::printf("%s: reduced chi^2 of binned shear vs truth = %.3f over %ld values\n", GetParam().c_str(),
              chi2 / cells, cells);
  EXPECT_NEAR(chi2 / static_cast<double>(cells), 1.0, 0.1);
}

INSTANTIATE_TEST_SUITE_P(AllPresets, SimulatedPresetRoundTrip,
                         ::testing::Values("des", "kids", "hsc", "cosmos", "healpix-sim", "generic"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

TEST(SimulatedCatalogue, NoiselessDenseCatalogueKsRecoversTruth) {
  // Truth on a 0.5' grid, galaxies binned onto 1' pixels; the reference is the truth kappa of the same
  // galaxies binned the same way (as for the real simulated catalogue), so both sides see the same pixel
  // averaging. The field is band-limited below the 1' Nyquist (ell < 5000): power above it would alias
  // differently into the spin-2 shear than into kappa, which no estimator can undo.
  const auto dir = testing::scratch_dir();
  auto sky = grf_sky(128, 0.5, 5000);
  const FlatGrid coarse{sky.patch.centre, 1.0, 64, 64};
  const std::string path = (dir / "dense.fits").string();
  std::vector<double> truth(64 * 64, 0.0), count(64 * 64, 0.0);
  {
    CatalogueWriter writer(path, "des");
    sample_flat_galaxies(sky, -1, 100, {0.0, false}, nullptr, 2, 1 << 18, [&](const GalaxySample& s) {
      writer.append(s);
      for (size_t i = 0; i < s.galaxies.size(); ++i) {
        const auto p = gnomonic_project(coarse.centre, s.galaxies.ra_deg[i], s.galaxies.dec_deg[i]);
        long ix = 0, iy = 0;
        if (!coarse.pixel_of(p.x_deg, p.y_deg, ix, iy)) continue;
        truth[static_cast<size_t>(iy * 64 + ix)] += s.true_kappa[i];
        count[static_cast<size_t>(iy * 64 + ix)] += 1;
      }
    });
    writer.close();
  }
  for (size_t i = 0; i < truth.size(); ++i) truth[i] /= std::max(1.0, count[i]);
  CatalogueOptions opt;
  opt.inputs = {path};
  opt.preset = "des";
  const auto cat = load_catalogue(opt, world());
  const auto grid = bin_flat(cat.galaxies, coarse, world());
  const auto kappa = flat_kaiser_squires({64, 64, grid.g1, grid.g2}, 1.0, 0.0);  // periodic field: no padding
  const double r = pearson(kappa.a, truth);
  std::printf("noiseless dense catalogue (%zu galaxies): r(KS, binned truth kappa) = %.4f\n",
              cat.galaxies.size(), r);
  EXPECT_GT(r, 0.99);
}

TEST(SimulatedCatalogue, SameSeedSameCatalogueAndMasksApply) {
  const auto dir = testing::scratch_dir();
  SimulateRequest req;
  req.field.grid = pipeline::FlatGrid::square(64, 1.0);
  req.field.grid.centre = {10, 0};
  req.field.seed = 77;
  req.png = false;
  CatalogueSimOptions cat;
  cat.density = 5;
  cat.preset = "kids";
  cat.mask.disc = std::vector<double>{10.0, 0.0, 0.4};
  req.catalogue = cat;
  req.catalogue_output = (dir / "a.fits").string();
  run_simulate(req);
  req.catalogue_output = (dir / "b.fits").string();
  run_simulate(req);
  io::CatalogueFiles a({(dir / "a.fits").string()}, ""), b({(dir / "b.fits").string()}, "");
  ASSERT_EQ(a.total_rows(), b.total_rows());
  std::vector<double> ea, eb;
  bool in_disc = true;
  a.read({"e1", "ALPHA_J2000", "DELTA_J2000"}, 0, a.total_rows(), [&](const io::CatalogueChunk& c) {
    ea.insert(ea.end(), c.columns[0].begin(), c.columns[0].end());
    for (long i = 0; i < c.rows; ++i) {
      const double dx = (c.columns[1][static_cast<size_t>(i)] - 10),
                   dy = c.columns[2][static_cast<size_t>(i)];
      in_disc = in_disc && std::hypot(dx, dy) <= 0.4 + 1e-6;
    }
  });
  b.read({"e1"}, 0, b.total_rows(),
         [&](const io::CatalogueChunk& c) { eb.insert(eb.end(), c.columns[0].begin(), c.columns[0].end()); });
  EXPECT_EQ(ea, eb);
  EXPECT_TRUE(in_disc);
  // Expected count: density x disc area (pi 24'^2), within 3 sigma.
  const double expected = 5 * std::numbers::pi * 24 * 24;
  EXPECT_LT(std::abs(static_cast<double>(a.total_rows()) - expected), 3 * std::sqrt(expected));
}

TEST(SimulatedCatalogue, ObservedReducedShearInAndBeyondCriticalRegions) {
  // Seitz & Schneider (1997): g = gamma / (1 - kappa) while |g| <= 1, its inverse conjugate 1 / g* beyond; on
  // the critical curve (kappa = 1) nothing finite is observed on average: 0, never inf or NaN.
  double g1 = 0, g2 = 0;
  observed_reduced_shear(0.5, 0.1, -0.05, g1, g2);
  EXPECT_NEAR(g1, 0.2, 1e-12);
  EXPECT_NEAR(g2, -0.1, 1e-12);
  observed_reduced_shear(1.5, 0.1, 0.0, g1, g2);  // inside the Einstein radius: g = -0.2
  EXPECT_NEAR(g1, -0.2, 1e-12);
  observed_reduced_shear(0.95, 0.2, 0.0, g1, g2);  // g = 4: observed 1 / g* = 0.25
  EXPECT_NEAR(g1, 0.25, 1e-12);
  EXPECT_NEAR(g2, 0.0, 1e-12);
  observed_reduced_shear(0.9, 0.0, 0.3, g1, g2);  // g = 3i: 1 / g* = 1 / (-3i) = i / 3
  EXPECT_NEAR(g1, 0.0, 1e-12);
  EXPECT_NEAR(g2, 1.0 / 3.0, 1e-12);
  observed_reduced_shear(1.0, 0.3, 0.1, g1, g2);
  EXPECT_EQ(g1, 0.0);
  EXPECT_EQ(g2, 0.0);
}

TEST(SimulatedCatalogue, CriticalRegionsOfMassiveHaloesStayPhysical) {
  // kappa > 1 near the centre of a massive cluster: the exact reduced-shear transformation keeps |e| < 1 and
  // never stalls; the weak-lensing approximation refuses |gamma| >= 1 with a clear message.
  FlatSky sky;
  sky.patch = FlatGrid{{0.0, 0.0}, 0.1, 64, 64};
  sky.kappa.assign(64 * 64, 0.0);
  const Cosmology cosmo(planck2015_tng());
  add_nfw(sky.kappa, FlatGrid::square(64, 0.1), nfw_profile(cosmo, {2e15, 6, 0.3, 0.0, 0.0}, 1.0), 0.0, 0.0);
  const auto shear = flat_shear_from_convergence({64, 64, sky.kappa, {}}, 2.0);
  sky.gamma1 = shear.a;
  sky.gamma2 = shear.b;
  ASSERT_GT(*std::max_element(sky.kappa.begin(), sky.kappa.end()), 1.0);
  long long n = 0;
  bool bounded = true;
  sample_flat_galaxies(sky, 20000, 0, {0.26, true}, nullptr, 3, 5000, [&](const GalaxySample& s) {
    for (size_t i = 0; i < s.galaxies.size(); ++i)
      bounded = bounded && s.galaxies.g1[i] * s.galaxies.g1[i] + s.galaxies.g2[i] * s.galaxies.g2[i] < 1;
    n += static_cast<long long>(s.galaxies.size());
  });
  EXPECT_EQ(n, 20000);
  EXPECT_TRUE(bounded);
  FlatSky strong = sky;
  strong.gamma1.assign(64 * 64, 1.2);  // beyond what e = n + gamma can represent
  EXPECT_THROW(
      sample_flat_galaxies(strong, 100, 0, {0.26, false}, nullptr, 3, 50, [](const GalaxySample&) {}),
      std::invalid_argument);
}

TEST(SimulatedCatalogue, BadInputsAreClearErrors) {
  const auto sky = grf_sky(32, 1.0);
  auto sink = [](const GalaxySample&) {};
  EXPECT_THROW(sample_flat_galaxies(sky, -1, -1.0, {0.26, false}, nullptr, 1, 100, sink),
               std::invalid_argument);
  EXPECT_THROW(sample_flat_galaxies(sky, -1, 10.0, {-0.1, false}, nullptr, 1, 100, sink),
               std::invalid_argument);
  const auto dir = testing::scratch_dir();
  EXPECT_THROW(CatalogueWriter((dir / "x.fits").string(), "nope"), std::invalid_argument);
  SpectrumOptions s;
  std::string d;
  const auto table = dir / "cl.txt";
  std::ofstream(table) << "100 1e-9\n200 5e-10\n";
  s.cl_file = table.string();
  EXPECT_THROW(make_spectrum(s, 50, 5000, d),
               std::invalid_argument);  // table does not cover the grid's ell range
}

}  // namespace
}  // namespace lofimap::pipeline
