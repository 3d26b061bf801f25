#include "pipeline/flat/flat_kaiser_squires.hpp"

#include "pipeline/flat/flat_fourier.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <mutex>
#include <numbers>
#include <stdexcept>

namespace lofimap::pipeline {

using detail::cplx;

FlatFieldPair flat_kaiser_squires(const FlatFieldPair& shear, double pad, double sigma,
                                  double removed_sigma) {
  if (removed_sigma < 0) throw std::invalid_argument("flat_kaiser_squires: removed_sigma must be >= 0");
  return detail::apply_fourier(shear, pad, [sigma, removed_sigma](double k1, double k2, bool nyquist) {
    return detail::ks_kernel(k1, k2, nyquist) * detail::ks_transfer(k1 * k1 + k2 * k2, sigma, removed_sigma);
  });
}

FlatFieldPair flat_shear_from_convergence(const FlatFieldPair& kappa, double pad) {
  return detail::apply_fourier(kappa, pad, [](double k1, double k2, bool nyquist) {
    const double k_sq = k1 * k1 + k2 * k2;
    if (k_sq == 0) return cplx(0, 0);
    return cplx(k1 * k1 - k2 * k2, nyquist ? 0.0 : 2 * k1 * k2) / k_sq;  // D(k)
  });
}

std::vector<double> flat_gaussian_smooth(const std::vector<double>& map, long nx, long ny, double sigma,
                                         double pad) {
  FlatFieldPair in{nx, ny, map, {}};
  return detail::apply_fourier(in, pad,
                               [sigma](double k1, double k2, bool) {
                                 return cplx(std::exp(-0.5 * (k1 * k1 + k2 * k2) * sigma * sigma), 0);
                               })
      .a;
}

void set_fftw_threads(int n) {
  std::lock_guard<std::mutex> lock(detail::planner_mutex());
  detail::init_fftw_threads_locked();
  fftw_plan_with_nthreads(std::max(1, n));
}

}  // namespace lofimap::pipeline
