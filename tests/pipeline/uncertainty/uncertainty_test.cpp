// Error bars checked against what they claim: the KS noise map against Monte Carlo noise through the same
// estimator; the Wiener posterior samples against the analytic posterior of a uniform survey (diagonal in
// Fourier space) and by the coverage of their intervals on truths drawn from the prior (a toy problem whose
// posterior is known exactly); the conformal quantile and the calibration record; the Student-t factor
// against scipy's quantiles.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "pipeline/core/interval_calibration.hpp"
#include "pipeline/core/random_stream.hpp"
#include "pipeline/flat/flat_fourier.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/flat/ks_noise_map.hpp"
#include "pipeline/flat/posterior_width.hpp"
#include "pipeline/flat/wiener_filter.hpp"

namespace lofimap::pipeline {
namespace {

AngularSpectrum power_law_spectrum() {  // C_ell ~ ell^-1.2 with a turnover, of weak-lensing amplitude
  AngularSpectrum cl;
  for (double l = 10; l < 1e6; l *= 1.05) {
    cl.ell.push_back(l);
    cl.cl.push_back(2e-9 * std::pow(l / 1000, -1.2) / (1 + std::pow(100 / l, 2)));
  }
  return cl;
}

TEST(KsNoiseMap, MatchesMonteCarloNoiseThroughTheEstimator) {
  // Uneven counts with a hole and an empty strip; smoothing and zero padding as `ks --smooth` uses them.
  const long nx = 48, ny = 40;
  const double sigma_e = 0.3, smoothing = 1.5, pad = 2;
  std::vector<double> counts(static_cast<size_t>(nx * ny));
  std::mt19937_64 rng(5);
  std::poisson_distribution<int> poisson(6.0);
  for (long iy = 0; iy < ny; ++iy)
    for (long ix = 0; ix < nx; ++ix) {
      const bool hole = std::hypot(ix - 30.0, iy - 12.0) < 5 || ix < 4;
      counts[static_cast<size_t>(iy * nx + ix)] = hole ? 0 : poisson(rng);
    }
  const auto analytic = flat_ks_noise_std(counts, nx, ny, sigma_e, pad, smoothing);
  const int draws = 600;
  std::vector<double> sum2(counts.size(), 0.0);
  std::normal_distribution<double> normal;
  for (int d = 0; d < draws; ++d) {
    std::vector<double> g1(counts.size(), 0.0), g2(counts.size(), 0.0);
    for (size_t i = 0; i < counts.size(); ++i)
      if (counts[i] > 0) {
        const double s = sigma_e / std::sqrt(counts[i]);
        g1[i] = s * normal(rng), g2[i] = s * normal(rng);
      }
    const auto ks = flat_kaiser_squires({nx, ny, g1, g2}, pad, smoothing);
    for (size_t i = 0; i < counts.size(); ++i) sum2[i] += ks.a[i] * ks.a[i] / draws;
  }
  // Each pixel's Monte Carlo std has a relative error of 1 / sqrt(2 draws) = 2.9%.
  double mean_ratio = 0, worst = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double ratio = std::sqrt(sum2[i]) / analytic[i];
    mean_ratio += ratio / static_cast<double>(counts.size());
    worst = std::max(worst, std::abs(ratio - 1));
  }
  EXPECT_NEAR(mean_ratio, 1.0, 0.005);
  EXPECT_LT(worst, 6 * 0.029);
  // Inside the hole the noise comes from the neighbours only, and is smaller than beside it.
  EXPECT_LT(analytic[static_cast<size_t>(12 * nx + 30)], analytic[static_cast<size_t>(12 * nx + 40)]);
}

TEST(WienerPosterior, SampleVarianceEqualsTheAnalyticPosteriorOfAUniformSurvey) {
  // With the same counts in every pixel the posterior is diagonal in Fourier space: per mode S N / (S + N),
  // N = sigma_e^2 / n per pixel, so every pixel has the variance (1 / npix) sum_k S_k N / (S_k + N).
  const long n = 32;
  const FlatGrid grid = FlatGrid::square(n, 1.0);
  const double sigma_e = 0.26, per_pixel = 20;
  const std::vector<double> counts(static_cast<size_t>(n * n), per_pixel), zero(counts.size(), 0.0);
  const auto cl = power_law_spectrum();
  const double noise = sigma_e * sigma_e / per_pixel, inv_pix = 1 / grid.pixel_rad();
  double expected = 0;
  for (long i1 = 0; i1 < n; ++i1)
    for (long i2 = 0; i2 < n; ++i2) {
      const double k1 = detail::wavenumber(i1, n), k2 = detail::wavenumber(i2, n);
      const double ell = std::hypot(k1, k2) * inv_pix;
      const double s = ell > 0 ? cl.at(ell) * inv_pix * inv_pix : 0.0;
      expected += s * noise / (s + noise) / static_cast<double>(n * n);
    }
  const int draws = 400;
  const auto post = wiener_posterior_samples(counts, sigma_e, cl, grid, zero, draws, 11);
  double variance = 0;
  for (const auto& d : post.samples)
    for (double v : d) variance += v * v / static_cast<double>(draws * n * n);
  // 400 draws x 1,024 correlated pixels: the estimate is good to ~1%.
  EXPECT_NEAR(variance / expected, 1.0, 0.03);
  // The cheap reference width is this variance exactly for a uniform survey (away from the edges, where the
  // smoothing of the counts sees the zero padding).
  const auto width = local_wiener_width(counts, sigma_e, cl, grid);
  EXPECT_NEAR(width[static_cast<size_t>(16 * n + 16)] / std::sqrt(expected), 1.0, 0.01);
}

TEST(WienerPosterior, IntervalsFromSamplesCoverTruthsDrawnFromThePrior) {
  // Truths from the prior (posterior draws with no data), shear by the same forward model, noise, a hole:
  // mean +- t_N s from N = 16 samples covers the truth at the nominal rate, pixel by pixel.
  const long n = 48;
  const FlatGrid grid = FlatGrid::square(n, 1.0);
  const double sigma_e = 0.26;
  const auto cl = power_law_spectrum();
  std::vector<double> counts(static_cast<size_t>(n * n), 8.0), no_data(counts.size(), 0.0);
  for (long iy = 0; iy < n; ++iy)
    for (long ix = 0; ix < n; ++ix)
      if (std::hypot(ix - 20.0, iy - 30.0) < 6) counts[static_cast<size_t>(iy * n + ix)] = 0;
  const int samples = 16;
  double in68 = 0, in95 = 0, total = 0;
  for (int map = 0; map < 12; ++map) {
    const auto truth = wiener_posterior_samples(no_data, sigma_e, cl, grid, no_data, 1, 500 + map).samples[0];
    auto shear = flat_shear_from_convergence({n, n, truth, {}}, 1.0);
    RandomStream rng(77, static_cast<std::uint64_t>(map));
    for (size_t i = 0; i < counts.size(); ++i) {
      const double s = counts[i] > 0 ? sigma_e / std::sqrt(counts[i]) : 0.0;
      shear.a[i] += s * rng.normal(), shear.b[i] += s * rng.normal();
      if (counts[i] == 0) shear.a[i] = shear.b[i] = 0;
    }
    const auto mean = wiener_filter(shear.a, shear.b, counts, sigma_e, cl, grid).kappa;
    const auto post = wiener_posterior_samples(counts, sigma_e, cl, grid, mean, samples, 900 + map);
    const auto iv = sample_intervals(mean, post.samples);
    for (size_t i = 0; i < counts.size(); ++i) {
      in68 += truth[i] >= iv.lo68[i] && truth[i] <= iv.hi68[i];
      in95 += truth[i] >= iv.lo95[i] && truth[i] <= iv.hi95[i];
      total += 1;
    }
  }
  // 12 maps of 2,304 correlated pixels: the coverage is measured to about +-1 point.
  EXPECT_NEAR(in68 / total, 0.68, 0.025);
  EXPECT_NEAR(in95 / total, 0.95, 0.012);
}

TEST(IntervalCalibration, ConformalQuantileCoversFreshScoresAtTheLevel) {
  std::mt19937_64 rng(3);
  std::exponential_distribution<float> e(1.0f);
  std::vector<float> calibration(5000), fresh(200000);
  for (auto& v : calibration) v = e(rng);
  for (auto& v : fresh) v = e(rng);
  for (double level : {kLevel68, kLevel95}) {
    auto scores = calibration;
    const double q = conformal_quantile(scores, level);
    double covered = 0;
    for (float v : fresh) covered += v <= q;
    EXPECT_NEAR(covered / static_cast<double>(fresh.size()), level, 0.012);
    // The exponential's own quantile, within 3 standard errors of a quantile of 5,000 draws.
    EXPECT_NEAR(q, -std::log(1 - level), 3 * std::sqrt(level * (1 - level) / 5000) / (1 - level));
  }
  std::vector<float> one{2.0f};
  EXPECT_EQ(conformal_quantile(one, kLevel95), 2.0f);  // fewer scores than the level needs: the largest
}

TEST(IntervalCalibration, CellsInterpolateAndSurviveTheirRecord) {
  IntervalCalibrator calibrator;
  // Two pixel scales; scores |N(0, a)| with a growing with density, so that q does too.
  std::mt19937_64 rng(9);
  for (double pixel : {0.5, 1.0})
    for (double density : {10.0, 20.0, 40.0, 80.0}) {
      std::normal_distribution<float> normal(0.0f, static_cast<float>(std::log(density) * pixel));
      std::vector<float> s(20000);
      for (auto& v : s) v = std::abs(normal(rng));
      calibrator.add_map(pixel, density, s);
    }
  const auto cal = calibrator.fit(4, kLocalWienerWidth, "test set");
  ASSERT_EQ(cal.cells.size(), 8u);
  // At a cell: its own quantile (|N(0, a)| has q68 = 0.9945 a); between cells, log-linear interpolation.
  EXPECT_NEAR(cal.quantile(kLevel68, 1.0, 20.0), 0.9945 * std::log(20.0), 0.03);
  const double mid = cal.quantile(kLevel68, 1.0, std::sqrt(20.0 * 40.0));
  EXPECT_NEAR(mid, 0.5 * (cal.quantile(kLevel68, 1.0, 20.0) + cal.quantile(kLevel68, 1.0, 40.0)), 1e-9);
  EXPECT_DOUBLE_EQ(cal.quantile(kLevel95, 1.0, 1000.0), cal.quantile(kLevel95, 1.0, 80.0));  // clamped
  EXPECT_NEAR(cal.quantile(kLevel68, 0.5, 40.0), 0.5 * 0.9945 * std::log(40.0), 0.02);
  const auto back = IntervalCalibration::from_json(cal.to_json());
  EXPECT_EQ(back.description, "test set");
  EXPECT_EQ(back.width, kLocalWienerWidth);
  EXPECT_DOUBLE_EQ(back.quantile(kLevel95, 0.7, 33.0), cal.quantile(kLevel95, 0.7, 33.0));
  EXPECT_THROW(IntervalCalibration::from_json("{\"width\": 3}"), std::invalid_argument);
  EXPECT_THROW(IntervalCalibration::from_json("not json"), std::invalid_argument);
  EXPECT_THROW(cal.quantile(0.9, 1.0, 10.0), std::invalid_argument);
}

TEST(IntervalCalibration, StudentFactorMatchesTheTQuantiles) {
  // scipy.stats.t.ppf(0.84 / 0.975, N)
  EXPECT_NEAR(gaussian_sample_interval_factor(kLevel68, 8), 1.06022, 2e-4);
  EXPECT_NEAR(gaussian_sample_interval_factor(kLevel95, 8), 2.30600, 2e-3);
  EXPECT_NEAR(gaussian_sample_interval_factor(kLevel68, 10), 1.04642, 1e-4);
  EXPECT_NEAR(gaussian_sample_interval_factor(kLevel95, 10), 2.22814, 1e-3);
  EXPECT_NEAR(gaussian_sample_interval_factor(kLevel95, 32), 2.03693, 1e-4);
  EXPECT_THROW(gaussian_sample_interval_factor(kLevel68, 1), std::invalid_argument);
}

}  // namespace
}  // namespace lofimap::pipeline
