// lofimap-bench-halo-sky: how halo-model skies compare with Limber/halofit and with lognormal skies of the
// same C_ell. For MAPS periodic maps of NPIX^2 at PIXEL arcmin (Planck 2015 / TNG, sigma8 0.8159, z_s = 1):
// (1) the measured C_ell of halo-model skies over halofit's, in log bins; (2) one-point PDF moments and the
// upper tail, and peak counts at S/N > 3 and > 5 after a 1' Gaussian smoothing (noise of n_gal 30 per
// arcmin^2, sigma_e 0.26), for halo-model and lognormal (lambda 0.02) skies of the same spectrum; (3) the
// drawn haloes' mass and redshift histograms against the Tinker et al. (2008) expectation.
// Usage: lofimap-bench-halo-sky [MAPS] [NPIX] [PIXEL]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <vector>

#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/flat/flat_power_spectrum.hpp"
#include "pipeline/simulate/flat_random_fields.hpp"
#include "pipeline/simulate/halo_model_sky.hpp"

using namespace lofimap::pipeline;

namespace {
struct OnePoint {
  double n = 0, sum = 0, sum2 = 0, sum3 = 0, above[3] = {0, 0, 0};
  long peaks3 = 0, peaks5 = 0;
};

void add_statistics(OnePoint& s, const std::vector<double>& kappa, long n, double pixel_arcmin,
                    double noise_sigma) {
  const double sigma_pix = 1.0 / pixel_arcmin;                        // 1' Gaussian
  const auto sm = flat_gaussian_smooth(kappa, n, n, sigma_pix, 1.0);  // pad 1: periodic, like the map
  double mean = 0;
  for (double v : sm) mean += v / static_cast<double>(sm.size());
  for (double v : sm) {
    const double d = v - mean;
    s.n += 1, s.sum += d, s.sum2 += d * d, s.sum3 += d * d * d;
    for (int k = 0; k < 3; ++k) s.above[k] += d > (k + 3) * noise_sigma;
  }
  // Peaks: pixels above their 8 neighbours (periodic), counted by S/N = kappa_smoothed / noise sigma.
  for (long y = 0; y < n; ++y)
    for (long x = 0; x < n; ++x) {
      const double v = sm[static_cast<size_t>(y * n + x)] - mean;
      bool peak = true;
      for (long dy = -1; dy <= 1 && peak; ++dy)
        for (long dx = -1; dx <= 1; ++dx)
          if ((dx || dy) && sm[static_cast<size_t>(((y + dy + n) % n) * n + (x + dx + n) % n)] - mean >= v) {
            peak = false;
            break;
          }
      if (peak && v > 3 * noise_sigma) ++s.peaks3;
      if (peak && v > 5 * noise_sigma) ++s.peaks5;
    }
}
}  // namespace

int main(int argc, char** argv) {
  const int maps = argc > 1 ? std::atoi(argv[1]) : 20;
  const long npix = argc > 2 ? std::atol(argv[2]) : 512;
  const double pixel = argc > 3 ? std::atof(argv[3]) : 0.29;
  auto p = planck2015_tng();
  p.sigma8 = 0.8159;
  const Cosmology cosmo(p);
  SourceDistribution src;
  src.z_single = 1.0;
  const HaloModel model(cosmo, src);
  const auto grid = FlatGrid::square(npix, pixel);
  const auto cl =
      convergence_cl_limber(cosmo, src, log_ell_grid(0.9 * grid.ell_min(), 1.5 * grid.ell_max(), 300));
  // Noise of a 1' Gaussian-smoothed KS map: sigma_e^2 / (4 pi theta^2 n_gal) per pixel of the smoothed map.
  const double noise_sigma = 0.26 / std::sqrt(4 * std::numbers::pi * 1.0 * 30.0);
  const double field_deg2 = std::pow(static_cast<double>(npix) * pixel / 60, 2);
  std::printf(
      "%d maps of %ld^2 at %.2f' (%.2f deg^2 each); haloes M200m >= 3e12 Msun: %.0f per deg^2 expected\n",
      maps, npix, pixel, field_deg2, model.haloes_per_sr() * std::pow(std::numbers::pi / 180, 2));
  const int bins = 14;
  std::vector<double> ratio(bins, 0.0), ratio2(bins, 0.0), ell(bins, 0.0);
  OnePoint halo_stats, logn_stats;
  std::vector<double> masses, redshifts;
  for (int m = 0; m < maps; ++m) {
    const auto sky = halo_model_sky(model, cl, grid, BackgroundField::gaussian, 0, 3, 2 * m, 2 * m + 1);
    for (const auto& h : sky.haloes) masses.push_back(h.m200m_msun), redshifts.push_back(h.z);
    const auto power = measure_flat_power(sky.kappa, grid, bins, cl);
    for (int b = 0; b < bins; ++b) {
      const double r = power.power[b] / power.expected[b];
      ell[b] = power.ell[b], ratio[b] += r / maps, ratio2[b] += r * r / maps;
    }
    add_statistics(halo_stats, sky.kappa, npix, pixel, noise_sigma);
    add_statistics(logn_stats, lognormal_field(cl, grid, 0.02, 3, 1000 + m), npix, pixel, noise_sigma);
  }
  std::printf("\nC_ell of halo-model skies / Limber-halofit (mean +- error over maps)\n");
  for (int b = 0; b < bins; ++b)
    std::printf("  ell %7.0f  %.3f +- %.3f\n", ell[b], ratio[b],
                std::sqrt(std::max(0.0, ratio2[b] - ratio[b] * ratio[b]) / std::max(1, maps - 1)));
  std::printf("\n1' smoothed kappa (noise sigma %.4f at n_gal 30, sigma_e 0.26): per map\n", noise_sigma);
  std::printf("  %-10s %9s %9s %11s %11s %11s %10s %10s\n", "sky", "rms", "skewness", "P(>3 sigma)",
              "P(>4 sigma)", "P(>5 sigma)", "peaks>3", "peaks>5");
  for (const auto* s : {&halo_stats, &logn_stats}) {
    const double var = s->sum2 / s->n, skew = (s->sum3 / s->n) / std::pow(var, 1.5);
    std::printf("  %-10s %9.5f %9.3f %11.2e %11.2e %11.2e %10.1f %10.1f\n",
                s == &halo_stats ? "halo-model" : "lognormal", std::sqrt(var), skew, s->above[0] / s->n,
                s->above[1] / s->n, s->above[2] / s->n, static_cast<double>(s->peaks3) / maps,
                static_cast<double>(s->peaks5) / maps);
  }
  const double area =
      static_cast<double>(maps) * static_cast<double>(npix * npix) * grid.pixel_rad() * grid.pixel_rad();
  std::printf("\nhaloes drawn vs expected (Tinker et al. 2008 mass function, %d maps)\n", maps);
  // Drawn against expected counts in groups of `group` bins of the model's histogram.
  const auto compare = [](const std::vector<HaloModel::Bin>& bins, const std::vector<double>& drawn,
                          size_t group, const char* format) {
    for (size_t g = 0; g < bins.size(); g += group) {
      const size_t end = std::min(bins.size(), g + group);
      const double lo = bins[g].low, hi = bins[end - 1].high;
      double expected = 0;
      for (size_t k = g; k < end; ++k) expected += bins[k].expected;
      const auto seen =
          std::count_if(drawn.begin(), drawn.end(), [&](double v) { return v >= lo && v < hi; });
      std::printf(format, lo, hi, static_cast<long>(seen), expected);
    }
  };
  compare(model.expected_mass_histogram(area), masses, 10,
          "  M200m [%8.2e, %8.2e) Msun: %8ld drawn, %10.1f expected\n");
  compare(model.expected_redshift_histogram(area), redshifts, 5,
          "  z [%.3f, %.3f): %8ld drawn, %10.1f expected\n");
}
