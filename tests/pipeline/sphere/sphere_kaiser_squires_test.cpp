// Spherical Kaiser-Squires against analytic references: a point mass's tangential shear (HEALPix (Q, U)
// convention built by hand from the local e_theta / e_phi basis), pure B modes, the forward-model round trip,
// and option validation.
#include "pipeline/sphere/sphere_kaiser_squires.hpp"
#include "pipeline/sphere/sphere_binning.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/survey/healpix_patch_pixels.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "pipeline/core/map_statistics.hpp"
#include "pipeline/flat/flat_geometry.hpp"

namespace lofimap::pipeline {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

// Tangential shear gamma_t = A / theta^2 around (ra0, dec0) inside a 15 degree cap. The orientation is taken
// in the tangent plane about the mass (x East, y North): internal g1 + i g2 = -gamma_t exp(2 i phi), and
// HEALPix Q + iU = -(g1 + i g2) because e_theta points South and e_phi East.
SphereFieldPair point_mass_qu(long nside, double ra0, double dec0, bool b_mode) {
  const long long npix = 12LL * nside * nside;
  SphereFieldPair s{nside, std::vector<double>(static_cast<size_t>(npix)),
                    std::vector<double>(static_cast<size_t>(npix))};
  const TangentPoint centre{ra0, dec0};
  for (long long p = 0; p < npix; ++p) {
    double ra = 0, dec = 0;
    sphere_pix2ang(nside, p, ra, dec);
    const auto xy = gnomonic_project(centre, ra, dec);
    const double r = std::hypot(xy.x_deg, xy.y_deg);
    if (!xy.valid || r < 0.5 || r > 15) continue;
    const double phi = std::atan2(xy.y_deg, xy.x_deg), gt = 1.0 / (r * r);
    double g1 = -gt * std::cos(2 * phi), g2 = -gt * std::sin(2 * phi);
    if (b_mode) {
      const double t = g1;
      g1 = -g2, g2 = t;
    }
    s.a[static_cast<size_t>(p)] = -g1;
    s.b[static_cast<size_t>(p)] = -g2;
  }
  return s;
}

TEST(SphereKaiserSquires, PointMassGivesPositiveKappaPeakAtItsPixel) {
  const long nside = 64;
  const double ra0 = 60, dec0 = 30;
  const auto qu = point_mass_qu(nside, ra0, dec0, false);
  const auto k = sphere_kaiser_squires(qu.a, qu.b, nside, {});
  const size_t peak = static_cast<size_t>(std::max_element(k.a.begin(), k.a.end()) - k.a.begin());
  EXPECT_EQ(static_cast<long long>(peak), sphere_ang2pix(nside, ra0, dec0));
  EXPECT_GT(k.a[peak], 0);
  EXPECT_GT(k.a[peak], 10 * std::abs(k.b[peak]));
}

TEST(SphereKaiserSquires, PureBModeGivesNoKappaEPeak) {
  // The point mass's shear rotated by 45 degrees is a pure B pattern: the peak moves to kappa_B.
  // (The 15 degree cap truncation leaks a little into both modes, hence the peak-based criteria.)
  const long nside = 64;
  const auto qu = point_mass_qu(nside, 200, -45, true);
  const auto k = sphere_kaiser_squires(qu.a, qu.b, nside, {});
  const size_t peak_b = static_cast<size_t>(std::max_element(k.b.begin(), k.b.end()) - k.b.begin());
  EXPECT_EQ(static_cast<long long>(peak_b), sphere_ang2pix(nside, 200, -45));
  EXPECT_LT(std::abs(k.a[peak_b]), 0.05 * k.b[peak_b]);
  double max_e = 0;
  for (double v : k.a) max_e = std::max(max_e, std::abs(v));
  EXPECT_LT(max_e, 0.25 * k.b[peak_b]);
}

TEST(SphereKaiserSquires, PureBShearFieldGivesKappaEZero) {
  // A band-limited pure B field: the forward model with kappa_E = 0 and a smooth kappa_B.
  const long nside = 32;
  const long long npix = 12LL * nside * nside;
  std::vector<double> kb(static_cast<size_t>(npix)), zero(static_cast<size_t>(npix), 0.0);
  for (long long p = 0; p < npix; ++p) {
    double ra = 0, dec = 0;
    sphere_pix2ang(nside, p, ra, dec);
    kb[static_cast<size_t>(p)] =
        std::sin(3 * ra * kDeg) * std::cos(dec * kDeg) * std::cos(dec * kDeg) + std::sin(2 * dec * kDeg);
  }
  const auto qu = sphere_shear_from_convergence(zero, kb, nside, 2 * nside);
  const auto k = sphere_kaiser_squires(qu.a, qu.b, nside, {});
  EXPECT_LT(rms(k.a), 1e-3 * rms(k.b));
}

TEST(SphereKaiserSquires, ForwardModelRoundTripRecoversBandLimitedKappa) {
  const long nside = 32;
  const int lmax = 2 * nside;
  const long long npix = 12LL * nside * nside;
  // A smooth field: two Gaussian bumps of opposite sign, band-limited by the forward model itself.
  std::vector<double> kappa(static_cast<size_t>(npix)), zero(static_cast<size_t>(npix), 0.0);
  for (long long p = 0; p < npix; ++p) {
    double ra = 0, dec = 0;
    sphere_pix2ang(nside, p, ra, dec);
    auto bump = [&](double ra0, double dec0, double s) {
      const double c = std::sin(dec * kDeg) * std::sin(dec0 * kDeg) +
                       std::cos(dec * kDeg) * std::cos(dec0 * kDeg) * std::cos((ra - ra0) * kDeg);
      const double d = std::acos(std::clamp(c, -1.0, 1.0)) / kDeg;
      return std::exp(-0.5 * d * d / (s * s));
    };
    kappa[static_cast<size_t>(p)] = bump(30, 10, 8) - 0.5 * bump(250, -40, 12);
  }
  // Shear carries no l = 0, 1 modes: remove the monopole and dipole (1, x, y, z on the sphere) from the
  // reference by Gram-Schmidt before comparing.
  std::vector<std::vector<double>> basis(4, std::vector<double>(static_cast<size_t>(npix), 1.0));
  for (long long p = 0; p < npix; ++p) {
    double ra = 0, dec = 0;
    sphere_pix2ang(nside, p, ra, dec);
    basis[1][static_cast<size_t>(p)] = std::cos(dec * kDeg) * std::cos(ra * kDeg);
    basis[2][static_cast<size_t>(p)] = std::cos(dec * kDeg) * std::sin(ra * kDeg);
    basis[3][static_cast<size_t>(p)] = std::sin(dec * kDeg);
  }
  auto dot = [](const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
  };
  for (size_t i = 0; i < basis.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const double c = dot(basis[i], basis[j]);
      for (size_t k = 0; k < basis[i].size(); ++k) basis[i][k] -= c * basis[j][k];
    }
    const double norm = std::sqrt(dot(basis[i], basis[i]));
    for (auto& v : basis[i]) v /= norm;
  }
  std::vector<double> reference = kappa;
  for (const auto& b : basis) {
    const double c = dot(reference, b);
    for (size_t k = 0; k < reference.size(); ++k) reference[k] -= c * b[k];
  }
  const auto qu = sphere_shear_from_convergence(kappa, zero, nside, lmax);
  const auto back = sphere_kaiser_squires(qu.a, qu.b, nside, {lmax, 0.0, 3});
  EXPECT_GT(pearson(back.a, reference), 0.999);
  EXPECT_LT(rms(back.b), 0.01 * rms(back.a));
}

TEST(SphereKaiserSquires, RejectsBadOptions) {
  EXPECT_THROW(validate_nside(100), std::invalid_argument);
  EXPECT_THROW(validate_nside(0), std::invalid_argument);
  EXPECT_NO_THROW(validate_nside(1024));
  std::vector<double> q(12 * 16 * 16, 0.0);
  EXPECT_THROW(sphere_kaiser_squires(q, q, 16, {0, 0.0, 11}), std::invalid_argument);
  EXPECT_THROW(sphere_kaiser_squires(q, q, 16, {0, -1.0, 3}), std::invalid_argument);
  EXPECT_THROW(sphere_kaiser_squires(q, q, 32, {}), std::invalid_argument);  // wrong map size
}

}  // namespace
}  // namespace lofimap::pipeline
