// Particle-mesh light cones against theory (bench/README.md "Particle-mesh skies"):
//   power   matter P(k) at z = 1 and z = 0 against halofit (Takahashi et al. 2012) and the linear spectrum,
//           and the growth of the box's largest modes against D(z) (same seed, so cosmic variance cancels);
//   cones   convergence C_ell over N cones of one box against the Limber/halofit C_ell, Hann-apodised maps;
//   cost    wall time and peak memory of the box and of the cones.
// Usage: lofimap-bench-particle-mesh power|cones [--box L] [--particles N] [--steps S] [--cones C]
//        [--npix P] [--pixel ARCMIN] [--z-source Z] [--seed S]
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <string>

#include "distributed/communicator.hpp"
#include "pipeline/flat/flat_power_spectrum.hpp"
#include "pipeline/simulate/lens_planes.hpp"
#include "pipeline/simulate/particle_mesh.hpp"

using namespace lofimap;
using namespace lofimap::pipeline;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
double peak_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}
}  // namespace

int main(int argc, char** argv) {
  distributed::MpiSession mpi(&argc, &argv);
  const auto comm = distributed::Communicator::world();
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s power|cones [options]\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  ParticleMeshSettings pm;
  pm.box_mpc = 256, pm.particles = pm.mesh = 128, pm.steps = 10;
  int cones = 20, bins = 16;
  long npix = 240;
  double pixel = 0.5, z_source = 1.0;
  std::uint64_t seed = 7;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--box")
      pm.box_mpc = std::stod(v);
    else if (k == "--particles")
      pm.particles = pm.mesh = std::stol(v);
    else if (k == "--steps")
      pm.steps = std::stoi(v);
    else if (k == "--threads")
      pm.threads = std::stoi(v);
    else if (k == "--cones")
      cones = std::stoi(v);
    else if (k == "--npix")
      npix = std::stol(v);
    else if (k == "--pixel")
      pixel = std::stod(v);
    else if (k == "--z-source")
      z_source = std::stod(v);
    else if (k == "--seed")
      seed = std::stoull(v);
    else if (k == "--bins")
      bins = std::stoi(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  const auto cosmology = planck2015_tng();
  const Cosmology c(cosmology);
  const bool root = comm.is_root();
  if (mode == "power") {
    for (double a_end : {0.5, 1.0}) {
      const auto t0 = std::chrono::steady_clock::now();
      ParticleMesh box(comm, cosmology, pm);
      box.gaussian_initial_conditions(seed, 0);
      const auto initial = box.power_spectrum(bins);
      box.run_to(a_end, {}, {});
      const auto final_p = box.power_spectrum(bins);
      const double z = 1 / a_end - 1,
                   growth2 = std::pow(box.growth().d1(a_end) / box.growth().d1(box.a_start()), 2);
      if (!root) continue;
      std::printf("# z = %.2f: %s, ranks %d, %.1f s, peak %.0f MiB (rank 0)\n", z, pm.describe().c_str(),
                  comm.size(), seconds_since(t0), peak_mib());
      std::printf("# k[1/Mpc]  modes  P/P_halofit  P/P_lin  growth(P/P_init)/(D/D_init)^2\n");
      for (size_t b = 0; b < final_p.size(); ++b) {
        const double k = final_p[b].k;
        const double p_lin =
            2 * std::numbers::pi * std::numbers::pi * c.delta2_linear_wiggles(k, z) / (k * k * k);
        std::printf("%9.4f %7ld %9.4f %9.4f %9.5f\n", k, final_p[b].modes, final_p[b].p / c.p_nonlinear(k, z),
                    final_p[b].p / p_lin, final_p[b].p / initial[b].p / growth2);
      }
    }
  } else if (mode == "cones") {
    LightconeSettings cone;
    cone.z_max = z_source;
    auto t0 = std::chrono::steady_clock::now();
    const auto planes = LensPlanes::simulate(comm, cosmology, pm, cone, seed, 0);
    const double box_seconds = seconds_since(t0);
    const auto grid = FlatGrid::square(npix, pixel);
    SourceDistribution sources;
    sources.z_single = z_source;
    std::vector<double> ells;
    for (int i = 0; i < 200; ++i)
      ells.push_back(std::exp(std::log(20.0) + i * (std::log(4e4) - std::log(20.0)) / 199));
    const auto theory = convergence_cl_limber(c, sources, ells);
    // Hann apodisation (the cone is not periodic); the power divided by the window's mean square.
    std::vector<double> window(static_cast<size_t>(npix * npix));
    double w2 = 0;
    for (long y = 0; y < npix; ++y)
      for (long x = 0; x < npix; ++x) {
        const double wx = std::pow(std::sin(std::numbers::pi * (x + 0.5) / npix), 2);
        const double wy = std::pow(std::sin(std::numbers::pi * (y + 0.5) / npix), 2);
        window[static_cast<size_t>(y * npix + x)] = wx * wy, w2 += wx * wx * wy * wy;
      }
    w2 /= static_cast<double>(npix * npix);
    t0 = std::chrono::steady_clock::now();
    std::vector<double> sum, sum2, expected, ell;
    double skew = 0, var = 0;
    for (int k = 0; k < cones; ++k) {
      auto kappa = planes.convergence(grid, sources, seed, 1000 + static_cast<std::uint64_t>(k));
      double m = 0;
      for (double v : kappa) m += v;
      m /= static_cast<double>(kappa.size());
      double m2 = 0, m3 = 0;
      for (double v : kappa) m2 += (v - m) * (v - m), m3 += std::pow(v - m, 3);
      var += m2 / static_cast<double>(kappa.size()), skew += m3 / static_cast<double>(kappa.size());
      for (size_t i = 0; i < kappa.size(); ++i) kappa[i] = (kappa[i] - m) * window[i];
      const auto p = measure_flat_power(kappa, grid, bins, theory);
      if (sum.empty()) sum.assign(p.ell.size(), 0), sum2 = sum, expected = p.expected, ell = p.ell;
      for (size_t b = 0; b < p.ell.size(); ++b)
        sum[b] += p.power[b] / w2, sum2[b] += std::pow(p.power[b] / w2, 2);
    }
    const double cone_seconds = seconds_since(t0);
    if (!root) return 0;
    var /= cones, skew /= cones;
    std::printf(
        "# %s, %zu planes, ranks %d: box %.1f s, %d cones of %ld^2 at %.2f' in %.2f s, peak %.0f MiB\n",
        pm.describe().c_str(), planes.planes().size(), comm.size(), box_seconds, cones, npix, pixel,
        cone_seconds, peak_mib());
    std::printf("# z_s = %.2f: rms kappa %.5f, skewness %.3f\n", z_source, std::sqrt(var),
                skew / std::pow(var, 1.5));
    std::printf("# ell   C_cones/C_limber   error of the mean\n");
    for (size_t b = 0; b < ell.size(); ++b) {
      const double mean = sum[b] / cones, sd = std::sqrt(std::max(0.0, sum2[b] / cones - mean * mean));
      std::printf("%8.0f %8.4f %8.4f\n", ell[b], mean / expected[b], sd / std::sqrt(cones) / expected[b]);
    }
  } else {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  return 0;
}
