// lofimap-bench-sphere-ks: times lofimap's spherical Kaiser-Squires (spin-2 analysis with Jacobi iterations,
// l-space scaling, two spin-0 syntheses) on random (Q, U) maps; bench/sphere_ks/run.sh runs healpy beside it.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "pipeline/core/heap_policy.hpp"
#include "pipeline/sphere/sphere_binning.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"
#include "pipeline/survey/healpix_patch_pixels.hpp"

int main(int argc, char** argv) {
  lofimap::pipeline::request_huge_pages(argv);  // as `lofimap` runs: malloc on transparent huge pages
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s NSIDE LMAX ITER THREADS [REPEATS]\n", argv[0]);
    return 2;
  }
  const long nside = std::atol(argv[1]);
  const int lmax = std::atoi(argv[2]), iter = std::atoi(argv[3]), threads = std::atoi(argv[4]);
  const int repeats = argc > 5 ? std::atoi(argv[5]) : 3;
  omp_set_num_threads(threads);
  const size_t npix = static_cast<size_t>(12 * nside * nside);
  std::vector<double> q(npix), u(npix);
  std::mt19937_64 rng(1);
  std::normal_distribution<double> g(0, 0.01);
  for (size_t i = 0; i < npix; ++i) q[i] = g(rng), u[i] = g(rng);
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto k = lofimap::pipeline::sphere_kaiser_squires(q, u, nside, {lmax, 0.0, iter});
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (k.a.size() != npix) return 1;
  }
  std::printf("%.4f\n", best);
  return 0;
}
