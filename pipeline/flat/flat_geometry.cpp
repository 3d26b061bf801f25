#include "pipeline/flat/flat_geometry.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace lofimap::pipeline {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
}

PlaneXY gnomonic_project(const TangentPoint& c, double ra_deg, double dec_deg) {
  return GnomonicProjector(c)(ra_deg, dec_deg);
}

namespace {
#if defined(__x86_64__)
// glibc's vector math (libmvec): sin and cos of four doubles in AVX2 registers.
extern "C" __m256d _ZGVdN4v_sin(__m256d);
extern "C" __m256d _ZGVdN4v_cos(__m256d);

__attribute__((target("avx2"))) void project_avx2(double ra0_rad, double sin_d0, double cos_d0,
                                                  const double* ra, const double* dec, std::size_t n,
                                                  double* x, double* y) {
  const __m256d rad = _mm256_set1_pd(kDeg), ra0 = _mm256_set1_pd(ra0_rad), sd0 = _mm256_set1_pd(sin_d0),
                cd0 = _mm256_set1_pd(cos_d0), one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd(),
                nan = _mm256_set1_pd(std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < n; i += 4) {
    const __m256d a = _mm256_sub_pd(_mm256_mul_pd(_mm256_loadu_pd(ra + i), rad), ra0);
    const __m256d d = _mm256_mul_pd(_mm256_loadu_pd(dec + i), rad);
    const __m256d sin_a = _ZGVdN4v_sin(a), cos_a = _ZGVdN4v_cos(a);
    const __m256d sin_d = _ZGVdN4v_sin(d), cos_d = _ZGVdN4v_cos(d);
    const __m256d cd_ca = _mm256_mul_pd(cos_d, cos_a);
    const __m256d cos_c = _mm256_add_pd(_mm256_mul_pd(sd0, sin_d), _mm256_mul_pd(cd0, cd_ca));
    const __m256d scale = _mm256_div_pd(one, _mm256_mul_pd(cos_c, rad));
    const __m256d far = _mm256_cmp_pd(cos_c, zero, _CMP_LE_OQ);
    const __m256d xs = _mm256_mul_pd(_mm256_mul_pd(cos_d, sin_a), scale);
    const __m256d ys =
        _mm256_mul_pd(_mm256_sub_pd(_mm256_mul_pd(cd0, sin_d), _mm256_mul_pd(sd0, cd_ca)), scale);
    _mm256_storeu_pd(x + i, _mm256_blendv_pd(xs, nan, far));
    _mm256_storeu_pd(y + i, ys);
  }
}
#endif
}  // namespace

void GnomonicProjector::project(const double* ra, const double* dec, std::size_t n, double* x,
                                double* y) const {
  std::size_t done = 0;
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) {
    done = n / 4 * 4;
    project_avx2(ra0_rad_, sin_d0_, cos_d0_, ra, dec, done, x, y);
  }
#endif
  for (std::size_t i = done; i < n; ++i) {
    const PlaneXY p = (*this)(ra[i], dec[i]);
    x[i] = p.valid ? p.x_deg : std::numeric_limits<double>::quiet_NaN();
    y[i] = p.y_deg;
  }
}

double gnomonic_frame_angle(const TangentPoint& c, double ra_deg, double dec_deg) {
  // Derivatives of x = cos d sin a / cos_c and y = (cos d0 sin d - sin d0 cos d cos a) / cos_c (a = ra - ra0)
  // along East (d/da / cos d) and North (d/dd), each times cos_c^2 (a common positive factor: the angle is
  // unchanged). Exact and finite at the poles.
  const double a = (ra_deg - c.ra_deg) * kDeg, d = dec_deg * kDeg, d0 = c.dec_deg * kDeg;
  const double sa = std::sin(a), ca = std::cos(a), sd = std::sin(d), cd = std::cos(d);
  const double sd0 = std::sin(d0), cd0 = std::cos(d0);
  const double cos_c = sd0 * sd + cd0 * cd * ca;
  const double y_num = cd0 * sd - sd0 * cd * ca;
  const double dcos_c_dd = sd0 * cd - cd0 * sd * ca;
  const double x_east = ca * cos_c + sa * sa * cd0 * cd;
  const double y_east = sd0 * sa * cos_c + y_num * cd0 * sa;
  const double x_north = -sd * sa * cos_c - cd * sa * dcos_c_dd;
  const double y_north = (cd0 * cd + sd0 * sd * ca) * cos_c - y_num * dcos_c_dd;
  // J = [[x_east, x_north], [y_east, y_north]]; its polar rotation turns +x towards +y by
  // atan2(y_east - x_north, x_east + y_north), and psi is measured the other way round.
  return std::atan2(x_north - y_east, x_east + y_north);
}

void gnomonic_deproject(const TangentPoint& c, double x_deg, double y_deg, double& ra_deg, double& dec_deg) {
  const double x = x_deg * kDeg, y = y_deg * kDeg, d0 = c.dec_deg * kDeg;
  const double rho = std::hypot(x, y);
  if (rho == 0) {
    ra_deg = c.ra_deg, dec_deg = c.dec_deg;
    return;
  }
  const double cc = std::atan(rho);
  const double dec = std::asin(std::cos(cc) * std::sin(d0) + y * std::sin(cc) * std::cos(d0) / rho);
  const double ra = c.ra_deg * kDeg + std::atan2(x * std::sin(cc), rho * std::cos(d0) * std::cos(cc) -
                                                                       y * std::sin(d0) * std::sin(cc));
  ra_deg = std::fmod(ra / kDeg + 720.0, 360.0);
  dec_deg = dec / kDeg;
}

void validate_patch(const FlatGrid& p) {
  if (!(p.pixel_arcmin > 0) || !std::isfinite(p.pixel_arcmin))
    throw std::invalid_argument("--pixel: pixel scale must be > 0 arcmin (got " +
                                std::to_string(p.pixel_arcmin) + ")");
  if (p.nx < 4 || p.ny < 4) throw std::invalid_argument("--npix: the grid needs at least 4 x 4 pixels");
  if (p.nx * p.ny > (1L << 31))
    throw std::invalid_argument("--npix/--pixel: a grid of " + std::to_string(p.nx) + " x " +
                                std::to_string(p.ny) + " pixels is larger than 2^31 pixels");
  if (!(std::abs(p.centre.dec_deg) <= 90)) throw std::invalid_argument("--center: Dec must lie in [-90, 90]");
  if (static_cast<double>(std::max(p.nx, p.ny)) * p.pixel_deg() > 60)
    throw std::invalid_argument(
        "--size: a flat patch wider than 60 deg is not a tangent-plane map; use --sphere");
}

}  // namespace lofimap::pipeline
