// Particle-mesh light cones against theory (bench/README.md "Particle-mesh skies"):
//   power   matter P(k) at z = 1 and z = 0 against halofit (Takahashi et al. 2012) and the linear spectrum,
//           and the growth of the box's largest modes against D(z) (same seed, so cosmic variance cancels);
//   cones   convergence C_ell over N cones of one box against the Limber/halofit C_ell, Hann-apodised maps;
//   cost    wall time and peak memory of the box and of the cones.
// Usage: lofimap-bench-particle-mesh power|cones [--box L] [--particles N] [--steps S] [--threads T]
//        [--boxes B] [--cones C per box] [--npix P] [--pixel ARCMIN] [--z-source Z] [--seed S] [--bins N]
//        [--haloes 0|1] [--smoothing-cells S] [--halo-min-mass M] [--plane-pixels N] [--slabs-per-box S]
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <string>

#include "distributed/communicator.hpp"
#include "pipeline/flat/flat_power_spectrum.hpp"
#include "pipeline/simulate/flat_random_fields.hpp"
#include "pipeline/simulate/lens_planes.hpp"
#include "pipeline/simulate/particle_mesh.hpp"
#include "pipeline/simulate/submesh_haloes.hpp"

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
  int cones = 20, bins = 16, boxes = 1;
  SubmeshHaloSettings haloes;
  LightconeSettings cone;
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
    else if (k == "--boxes")
      boxes = std::stoi(v);
    else if (k == "--haloes")
      haloes.enabled = v != "0";
    else if (k == "--smoothing-cells")
      haloes.smoothing_cells = std::stod(v);
    else if (k == "--halo-min-mass")
      haloes.m_min_msun = std::stod(v);
    else if (k == "--plane-pixels")
      cone.plane_pixels = std::stol(v);
    else if (k == "--slabs-per-box")
      cone.slabs_per_box = std::stoi(v);
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
      // Growth of the largest modes: sum Re(d_final d_init*) / sum |d_init|^2 over the same modes, against D.
      const double kf = 2 * std::numbers::pi / pm.box_mpc;
      std::vector<std::vector<std::complex<double>>> before;
      for (double f : {2.0, 3.0, 4.0}) before.push_back(box.density_modes(f * kf));
      box.run_to(a_end, {}, {});
      const auto final_p = box.power_spectrum(bins);
      std::vector<double> growth_ratio;
      for (size_t i = 0; i < before.size(); ++i) {
        const auto after = box.density_modes((2.0 + i) * kf);
        double sums[3] = {0, 0, static_cast<double>(after.size())};
        for (size_t m = 0; m < after.size(); ++m)
          sums[0] += (after[m] * std::conj(before[i][m])).real(), sums[1] += std::norm(before[i][m]);
        comm.allreduce_sum(sums, 3);
        growth_ratio.push_back(sums[0] / sums[1] / (box.growth().d1(a_end) / box.growth().d1(box.a_start())));
        if (root)
          std::printf("# growth of the %.0f modes with k < %.0f k_f (%.4f/Mpc) / (D/D_init): %.5f\n", sums[2],
                      2.0 + i, (2.0 + i) * kf, growth_ratio.back());
      }
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
    cone.z_max = z_source;
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
    // The estimator's own transfer: the same apodised estimate on 20 cut-outs of Gaussian fields with the
    // Limber spectrum drawn on a grid 4 times wider (non-periodic like a cone). The cones' power is reported
    // against it, so what remains is the simulation's, not the apodisation's (which takes ~13% off the lowest
    // bin).
    std::vector<double> transfer;
    {
      const auto wide = FlatGrid::square(4 * npix, pixel);
      for (int k = 0; k < 20; ++k) {
        const auto g = gaussian_field(theory, wide, seed, 77000 + static_cast<std::uint64_t>(k));
        std::vector<double> cut(static_cast<size_t>(npix * npix));
        double m = 0;
        for (long y = 0; y < npix; ++y)
          for (long x = 0; x < npix; ++x)
            m += cut[static_cast<size_t>(y * npix + x)] = g[static_cast<size_t>(y * 4 * npix + x)];
        m /= static_cast<double>(cut.size());
        for (size_t i = 0; i < cut.size(); ++i) cut[i] = (cut[i] - m) * window[i];
        const auto p = measure_flat_power(cut, grid, bins, theory);
        if (transfer.empty()) transfer.assign(p.ell.size(), 0);
        for (size_t i = 0; i < p.ell.size(); ++i) transfer[i] += p.power[i] / w2 / p.expected[i] / 20;
      }
    }
    const HaloModel model(c, sources, HaloModelSettings{haloes.m_min_msun, 3e15, 0.05, 40});
    std::vector<double> box_mean, box_mean2, expected, ell, box_mean_nohalo;
    double skew = 0, var = 0, box_seconds = 0, cone_seconds = 0, halo_count = 0;
    for (int b = 0; b < boxes; ++b) {
      auto t0 = std::chrono::steady_clock::now();
      const auto planes =
          LensPlanes::simulate(comm, cosmology, pm, cone, seed, static_cast<std::uint64_t>(b) << 20);
      box_seconds += seconds_since(t0);
      t0 = std::chrono::steady_clock::now();
      std::vector<double> sum, sum_nohalo;
      for (int k = 0; k < cones; ++k) {
        const std::uint64_t stream = 1000 + static_cast<std::uint64_t>(b * cones + k);
        auto kappa = planes.convergence(grid, sources, seed, stream);
        auto plain = kappa;
        if (haloes.enabled)
          halo_count += static_cast<double>(
              add_submesh_haloes(kappa, grid, planes, model, haloes, seed, stream, stream + (1u << 30))
                  .size());
        double m = 0;
        for (double v : kappa) m += v;
        m /= static_cast<double>(kappa.size());
        double m2 = 0, m3 = 0;
        for (double v : kappa) m2 += (v - m) * (v - m), m3 += std::pow(v - m, 3);
        var += m2 / static_cast<double>(kappa.size()), skew += m3 / static_cast<double>(kappa.size());
        for (size_t i = 0; i < kappa.size(); ++i)
          kappa[i] = (kappa[i] - m) * window[i], plain[i] = (plain[i] - m) * window[i];
        const auto p = measure_flat_power(kappa, grid, bins, theory);
        const auto q = measure_flat_power(plain, grid, bins, theory);
        if (sum.empty()) sum.assign(p.ell.size(), 0), sum_nohalo = sum, expected = p.expected, ell = p.ell;
        for (size_t i = 0; i < p.ell.size(); ++i)
          sum[i] += p.power[i] / w2 / cones, sum_nohalo[i] += q.power[i] / w2 / cones;
      }
      cone_seconds += seconds_since(t0);
      if (box_mean.empty()) box_mean.assign(sum.size(), 0), box_mean2 = box_mean, box_mean_nohalo = box_mean;
      for (size_t i = 0; i < sum.size(); ++i)
        box_mean[i] += sum[i] / boxes, box_mean2[i] += sum[i] * sum[i] / boxes,
            box_mean_nohalo[i] += sum_nohalo[i] / boxes;
    }
    if (!root) return 0;
    const double maps = static_cast<double>(boxes) * cones;
    var /= maps, skew /= maps;
    std::printf(
        "# %s, %zu planes per cone, ranks %d: %d boxes in %.1f s, %d cones each of %ld^2 at %.2f' in %.2f s "
        "(%.0f sub-mesh haloes per cone, M >= %.1e, smoothing %.2f cells), peak %.0f MiB\n",
        pm.describe().c_str(),
        static_cast<size_t>(std::ceil(c.comoving_distance(z_source) / (pm.box_mpc / cone.slabs_per_box))),
        comm.size(), boxes, box_seconds, cones, npix, pixel, cone_seconds, halo_count / maps,
        haloes.m_min_msun, haloes.smoothing_cells, peak_mib());
    std::printf("# z_s = %.2f: rms kappa %.5f, skewness %.3f\n", z_source, std::sqrt(var),
                skew / std::pow(var, 1.5));
    std::printf(
        "# ell   C/C_limber with haloes, its error over boxes, mesh alone (each over the estimator's "
        "transfer)"
        "   transfer\n");
    for (size_t i = 0; i < ell.size(); ++i) {
      const double sd = std::sqrt(std::max(0.0, box_mean2[i] - box_mean[i] * box_mean[i]));
      const double t = transfer[i] * expected[i];
      std::printf("%8.0f %8.4f %8.4f %8.4f   %7.4f\n", ell[i], box_mean[i] / t,
                  boxes > 1 ? sd / std::sqrt(boxes - 1.0) / t : 0.0, box_mean_nohalo[i] / t, transfer[i]);
    }
  } else {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  return 0;
}
