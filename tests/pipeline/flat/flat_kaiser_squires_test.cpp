// Flat Kaiser-Squires against analytic references: exact round trip, a point mass's tangential shear, pure
// B modes, smoothing of a delta function.
#include "pipeline/flat/flat_kaiser_squires.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <stdexcept>
#include <tuple>

#include "pipeline/core/map_statistics.hpp"

namespace lofimap::pipeline {
namespace {

std::vector<double> random_field(long nx, long ny, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0, 1);
  std::vector<double> f(static_cast<size_t>(nx * ny));
  double mean = 0;
  for (auto& v : f) mean += (v = n(rng));
  mean /= static_cast<double>(f.size());
  for (auto& v : f) v -= mean;
  return f;
}

TEST(FlatKaiserSquires, RoundTripKappaToShearToKappaIsExactWithoutPadding) {
  // Periodic grid (pad = 1): D* D = 1 for every k != 0 (odd sizes have no Nyquist row to lose).
  const long nx = 63, ny = 45;
  const auto kappa = random_field(nx, ny, 7);
  const auto shear = flat_shear_from_convergence({nx, ny, kappa, {}}, 1.0);
  const auto back = flat_kaiser_squires(shear, 1.0, 0.0);
  double max_err = 0, max_b = 0;
  for (size_t i = 0; i < kappa.size(); ++i) {
    max_err = std::max(max_err, std::abs(back.a[i] - kappa[i]));
    max_b = std::max(max_b, std::abs(back.b[i]));
  }
  EXPECT_LT(max_err, 1e-12);
  EXPECT_LT(max_b, 1e-12);
}

TEST(FlatKaiserSquires, ShearOfKappaIsSpinTwoNotScalar) {
  // Guard against an identity forward model: shear of a non-trivial kappa differs from kappa itself.
  const long n = 32;
  const auto kappa = random_field(n, n, 3);
  const auto shear = flat_shear_from_convergence({n, n, kappa, {}}, 1.0);
  EXPECT_LT(std::abs(pearson(shear.a, kappa)), 0.9);
}

// Analytic tangential shear of a point mass at the grid centre: gamma_t = A / r^2, and in the internal frame
// gamma1 + i gamma2 = -gamma_t exp(2 i phi) (tangential = elongated perpendicular to the radius).
FlatFieldPair point_mass_shear(long n, double cx, double cy, bool b_mode) {
  FlatFieldPair s{n, n, std::vector<double>(static_cast<size_t>(n * n)),
                  std::vector<double>(static_cast<size_t>(n * n))};
  for (long iy = 0; iy < n; ++iy)
    for (long ix = 0; ix < n; ++ix) {
      const double dx = static_cast<double>(ix) - cx, dy = static_cast<double>(iy) - cy;
      const double r2 = dx * dx + dy * dy;
      if (r2 < 1) continue;
      const double phi = std::atan2(dy, dx), gt = 1.0 / r2;
      double g1 = -gt * std::cos(2 * phi), g2 = -gt * std::sin(2 * phi);
      if (b_mode) {  // rotate every shear by 45 degrees: gamma -> i gamma turns E into B
        const double t = g1;
        g1 = -g2;
        g2 = t;
      }
      s.a[static_cast<size_t>(iy * n + ix)] = g1;
      s.b[static_cast<size_t>(iy * n + ix)] = g2;
    }
  return s;
}

TEST(FlatKaiserSquires, PointMassGivesPositiveKappaPeakAtItsPixel) {
  const long n = 96;
  const long px = 40, py = 57;  // off-centre, different x and y, to catch axis swaps
  const auto kappa = flat_kaiser_squires(point_mass_shear(n, px, py, false), 2.0, 0.0);
  const size_t peak = static_cast<size_t>(std::max_element(kappa.a.begin(), kappa.a.end()) - kappa.a.begin());
  EXPECT_EQ(static_cast<long>(peak) % n, px);
  EXPECT_EQ(static_cast<long>(peak) / n, py);
  EXPECT_GT(kappa.a[peak], 0);
  EXPECT_GT(kappa.a[peak], 20 * rms(kappa.b));  // E dominates
}

TEST(FlatKaiserSquires, PureBModeGivesNoKappaE) {
  // The point mass's shear rotated by 45 degrees is a pure B pattern: the peak moves to kappa_B.
  // (Edge truncation leaks a little into both modes, hence the peak-based criteria.)
  const long n = 96;
  const auto kappa = flat_kaiser_squires(point_mass_shear(n, 48, 48, true), 2.0, 0.0);
  const size_t peak = static_cast<size_t>(std::max_element(kappa.b.begin(), kappa.b.end()) - kappa.b.begin());
  EXPECT_EQ(peak, static_cast<size_t>(48 * n + 48));
  EXPECT_LT(std::abs(kappa.a[peak]), 0.05 * kappa.b[peak]);
}

// Analytic plane waves on a periodic grid: for wave vector k at angle alpha, D = exp(2 i alpha), so
// kappa_E = cos(k.x) has gamma = exp(2 i alpha) cos(k.x) and kappa_B = cos(k.x) has gamma = i exp(2 i alpha)
// cos(k.x).
TEST(FlatKaiserSquires, AnalyticPlaneWavesSeparateIntoEAndB) {
  const long n = 64;
  FlatFieldPair shear{n, n, std::vector<double>(n * n, 0.0), std::vector<double>(n * n, 0.0)};
  std::vector<double> want_e(n * n, 0.0), want_b(n * n, 0.0);
  struct Wave {
    int m1, m2;
    bool b;
    double amp;
  };
  for (const Wave w :
       {Wave{3, 1, false, 1.0}, Wave{-2, 5, true, 0.7}, Wave{4, -4, false, 0.3}, Wave{0, 6, true, 0.5}}) {
    const double k1 = 2 * std::numbers::pi * w.m1 / n, k2 = 2 * std::numbers::pi * w.m2 / n;
    const double alpha = std::atan2(k2, k1);
    for (long iy = 0; iy < n; ++iy)
      for (long ix = 0; ix < n; ++ix) {
        const size_t i = static_cast<size_t>(iy * n + ix);
        const double c = w.amp * std::cos(k1 * ix + k2 * iy);
        if (w.b) {
          shear.a[i] += -std::sin(2 * alpha) * c, shear.b[i] += std::cos(2 * alpha) * c, want_b[i] += c;
        } else {
          shear.a[i] += std::cos(2 * alpha) * c, shear.b[i] += std::sin(2 * alpha) * c, want_e[i] += c;
        }
      }
  }
  const auto kappa = flat_kaiser_squires(shear, 1.0, 0.0);
  for (size_t i = 0; i < want_e.size(); ++i) {
    ASSERT_NEAR(kappa.a[i], want_e[i], 1e-12);
    ASSERT_NEAR(kappa.b[i], want_b[i], 1e-12);
  }
}

TEST(FlatKaiserSquires, RemovedLargeScalesFollowTheAnalyticHighPass) {
  // A plane E wave and a plane B wave of wavenumbers k come out scaled by 1 - exp(-k^2 sigma^2 / 2): the
  // scales a region leaves to the spherical large-scale map (sigma in pixels).
  const long n = 64;
  const double sigma = 4.0;
  FlatFieldPair shear{n, n, std::vector<double>(n * n, 0.0), std::vector<double>(n * n, 0.0)};
  std::vector<double> want_e(n * n, 0.0), want_b(n * n, 0.0);
  for (const auto& [m1, m2, is_b] :
       {std::tuple{1, 1, false}, std::tuple{5, -3, false}, std::tuple{0, 2, true}}) {
    const double k1 = 2 * std::numbers::pi * m1 / n, k2 = 2 * std::numbers::pi * m2 / n;
    const double alpha = std::atan2(k2, k1);
    const double pass = 1 - std::exp(-0.5 * (k1 * k1 + k2 * k2) * sigma * sigma);
    for (long iy = 0; iy < n; ++iy)
      for (long ix = 0; ix < n; ++ix) {
        const size_t i = static_cast<size_t>(iy * n + ix);
        const double c = std::cos(k1 * ix + k2 * iy);
        if (is_b)
          shear.a[i] += -std::sin(2 * alpha) * c, shear.b[i] += std::cos(2 * alpha) * c,
              want_b[i] += pass * c;
        else
          shear.a[i] += std::cos(2 * alpha) * c, shear.b[i] += std::sin(2 * alpha) * c, want_e[i] += pass * c;
      }
  }
  const auto kappa = flat_kaiser_squires(shear, 1.0, 0.0, sigma);
  for (size_t i = 0; i < want_e.size(); ++i) {
    ASSERT_NEAR(kappa.a[i], want_e[i], 1e-12);
    ASSERT_NEAR(kappa.b[i], want_b[i], 1e-12);
  }
  EXPECT_THROW(flat_kaiser_squires(shear, 1.0, 0.0, -1.0), std::invalid_argument);
}

TEST(FlatKaiserSquires, GaussianSmoothingOfDeltaMatchesAnalyticKernel) {
  const long n = 64;
  const double sigma = 3.0;
  std::vector<double> delta(static_cast<size_t>(n * n), 0.0);
  delta[static_cast<size_t>(32 * n + 32)] = 1;
  const auto s = flat_gaussian_smooth(delta, n, n, sigma, 2.0);
  // Continuous Gaussian sampled at pixel offsets (accurate to <1% for sigma = 3 px).
  for (long d : {0L, 2L, 5L}) {
    const double expect = std::exp(-0.5 * d * d / (sigma * sigma)) / (2 * std::numbers::pi * sigma * sigma);
    EXPECT_NEAR(s[static_cast<size_t>(32 * n + 32 + d)], expect, 0.01 * expect) << "offset " << d;
  }
}

// Zero-padded, smoothed Kaiser-Squires by explicit Fourier sums (no FFTW): a check on the blocked column pass
// of the FFT path, including a last block narrower than the others and a rectangular grid. Both padded sides
// are odd (75, 45), so no Nyquist index needs the odd-term rule.
TEST(FlatKaiserSquires, PaddedSmoothedMapEqualsDirectFourierSums) {
  using cplx = std::complex<double>;
  const long nx = 50, ny = 30;
  const double pad = 1.5, sigma = 1.3;
  const long px = padded_fft_size(nx, pad), py = padded_fft_size(ny, pad);
  ASSERT_EQ(px, 75);
  ASSERT_EQ(py, 45);
  const auto g1 = random_field(nx, ny, 3), g2 = random_field(nx, ny, 4);
  const auto kappa = flat_kaiser_squires({nx, ny, g1, g2}, pad, sigma);
  auto wave = [](long i, long n) {
    return 2 * std::numbers::pi * static_cast<double>(i <= n / 2 ? i : i - n) / n;
  };
  // One axis at a time: out[k] = sum_j in[j] exp(sign 2 pi i j k / n).
  auto dft = [](const std::vector<cplx>& in, long n, double sign) {
    std::vector<cplx> out(static_cast<size_t>(n));
    for (long k = 0; k < n; ++k)
      for (long j = 0; j < n; ++j)
        out[static_cast<size_t>(k)] +=
            in[static_cast<size_t>(j)] *
            std::polar(1.0, sign * 2 * std::numbers::pi * static_cast<double>(j * k % n) / n);
    return out;
  };
  std::vector<cplx> grid(static_cast<size_t>(px * py));  // [iy][ix], zero beyond the data
  for (long iy = 0; iy < ny; ++iy)
    for (long ix = 0; ix < nx; ++ix)
      grid[static_cast<size_t>(iy * px + ix)] =
          cplx(g1[static_cast<size_t>(iy * nx + ix)], g2[static_cast<size_t>(iy * nx + ix)]);
  auto transform = [&](double sign) {
    for (long iy = 0; iy < py; ++iy) {
      std::vector<cplx> row(grid.begin() + iy * px, grid.begin() + (iy + 1) * px);
      std::copy_n(dft(row, px, sign).begin(), px, grid.begin() + iy * px);
    }
    for (long ix = 0; ix < px; ++ix) {
      std::vector<cplx> column(static_cast<size_t>(py));
      for (long iy = 0; iy < py; ++iy)
        column[static_cast<size_t>(iy)] = grid[static_cast<size_t>(iy * px + ix)];
      const auto t = dft(column, py, sign);
      for (long iy = 0; iy < py; ++iy) grid[static_cast<size_t>(iy * px + ix)] = t[static_cast<size_t>(iy)];
    }
  };
  transform(-1);
  for (long iy = 0; iy < py; ++iy)
    for (long ix = 0; ix < px; ++ix) {
      const double k1 = wave(ix, px), k2 = wave(iy, py), k_sq = k1 * k1 + k2 * k2;
      const cplx d_star = k_sq > 0 ? cplx(k1 * k1 - k2 * k2, -2 * k1 * k2) / k_sq : cplx(0, 0);
      grid[static_cast<size_t>(iy * px + ix)] *=
          d_star * std::exp(-0.5 * k_sq * sigma * sigma) / static_cast<double>(px * py);
    }
  transform(+1);
  double worst = 0, scale = 0;
  for (long iy = 0; iy < ny; ++iy)
    for (long ix = 0; ix < nx; ++ix) {
      const cplx want = grid[static_cast<size_t>(iy * px + ix)];
      const size_t k = static_cast<size_t>(iy * nx + ix);
      worst = std::max({worst, std::abs(kappa.a[k] - want.real()), std::abs(kappa.b[k] - want.imag())});
      scale = std::max(scale, std::abs(want));
    }
  EXPECT_GT(scale, 0.1);
  EXPECT_LT(worst, 1e-12 * scale * px * py);
}

TEST(FlatKaiserSquires, PaddedSizesAreFftFriendlyAndLargeEnough) {
  EXPECT_EQ(padded_fft_size(64, 2.0), 128);
  EXPECT_EQ(padded_fft_size(61, 2.0), 125);  // 122 = 2 * 61 is not 7-smooth; 125 = 5^3 is
  EXPECT_GE(padded_fft_size(1000, 1.5), 1500);
  EXPECT_THROW(padded_fft_size(10, 0.5), std::invalid_argument);
}

}  // namespace
}  // namespace lofimap::pipeline
