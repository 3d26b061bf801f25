// lofimap-bench-lofi-quality: the quality protocol (RMSE, Pearson r, power ratio, KS and Wiener baselines) on
// held-out simulations. For each test map: LoFi at the pixel centres, Kaiser-Squires smoothed with the
// Gaussian sigma that is best on training maps, and the Wiener filter with the true C_ell and per-pixel
// noise; RMSE and Pearson r inside the mask, mean +- error, and LoFi minus Wiener paired by map. Then the
// same model queried at 0.5x, 1x, 2x and 4x the training resolution (compared after averaging to the truth's
// 1x grid, or the truth averaged to the 0.5x grid), with PNG quick-looks of one map. Usage:
// lofimap-bench-lofi-quality MODEL TRAIN.h5 TEST.h5 MAPS OUTDIR [--no-resolution] (TRAIN.h5: maps at the test
// depth and pixel scale on which the KS sigma is chosen; its first 20 maps)
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "io/hdf5_training_set.hpp"
#include "io/png_quicklook.hpp"
#include "models/lofi_network.hpp"
#include "pipeline/core/random_stream.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/flat/map_quality.hpp"
#include "pipeline/flat/wiener_filter.hpp"
#include "pipeline/lofi/lofi_inputs.hpp"
#include "pipeline/products/ks_smoothing_product.hpp"
#include "pipeline/simulate/cosmology.hpp"

using namespace lofimap;

namespace {

std::vector<double> counts_of(const io::TrainingMap& m) {
  return {m.counts.begin(), m.counts.end()};
}

struct Stat {
  double sum = 0, sum2 = 0;
  int n = 0;
  void add(double v) { sum += v, sum2 += v * v, ++n; }
  double mean() const { return sum / n; }
  double error() const { return std::sqrt(std::max(0.0, sum2 / n - mean() * mean()) / (n - 1)); }
};

// LoFi on an output grid of n_out pixels of pixel_out arcmin, centred on the input grid, as doubles.
std::vector<double> predict(models::FieldModel& net, const torch::Tensor& input, double pixel_in, long n_out,
                            double pixel_out) {
  const auto out = pipeline::predict_grid(net, input, pixel_in, n_out, pixel_out);
  return {out.begin(), out.end()};
}

std::vector<double> block_average(const std::vector<double>& a, long n, long f) {
  const long m = n / f;
  std::vector<double> out(static_cast<size_t>(m * m), 0.0);
  for (long y = 0; y < n; ++y)
    for (long x = 0; x < n; ++x)
      out[static_cast<size_t>((y / f) * m + x / f)] += a[static_cast<size_t>(y * n + x)] / (f * f);
  return out;
}

void png(const std::string& path, const std::vector<double>& map, long n, double half_arcmin,
         const std::string& title, double limit) {
  io::Raster r{n, n, std::vector<float>(static_cast<size_t>(n * n))};
  for (long row = 0; row < n; ++row)
    for (long col = 0; col < n; ++col)
      r.values[static_cast<size_t>(row * n + col)] =
          static_cast<float>(map[static_cast<size_t>((n - 1 - row) * n + (n - 1 - col))]);
  io::QuicklookStyle s;
  s.title = title;
  s.colorbar_label = "κ";
  s.vmin = -limit, s.vmax = limit;
  s.x_label = "x [arcmin], East left";
  s.y_label = "y [arcmin]";
  s.x_left = half_arcmin, s.x_right = -half_arcmin, s.y_bottom = -half_arcmin, s.y_top = half_arcmin;
  io::write_quicklook_png(path, r, s);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s MODEL TRAIN.h5 TEST.h5 MAPS OUTDIR [--no-resolution]\n", argv[0]);
    return 2;
  }
  at::set_num_threads(2);
  pipeline::set_fftw_threads(1);
  const auto model = models::open_field_model(argv[1]);
  models::FieldModel& net = *model;
  net.set_training(false);
  const io::TrainingSetReader train(argv[2]), test(argv[3]);
  const long maps = std::min<long>(std::atol(argv[4]), test.maps());
  const std::string outdir = argv[5];
  std::filesystem::create_directories(outdir);  // quick-look PNGs of the first map go here
  const long n = test.n();
  const double pixel = test.pixel_arcmin();
  const auto grid = pipeline::FlatGrid::square(n, pixel);
  pipeline::SourceDistribution src;
  src.z_single = 1.0;  // the sets were made with `simulate training-set` defaults: Planck 2015 (TNG), z_s = 1
  const auto cl = pipeline::convergence_cl_limber(pipeline::Cosmology(pipeline::planck2015_tng()), src,
                                                  pipeline::log_ell_grid(5, 2e5, 300));
  // KS smoothing chosen on 20 training maps (as `lofimap ks-smoothing` does).
  pipeline::KsSmoothingRequest choice_request;
  choice_request.training_set = argv[2];
  const auto choice = pipeline::choose_ks_smoothing(choice_request);
  const double best_sigma = choice.best_sigma_arcmin;
  std::printf("KS smoothing chosen on 20 training maps: sigma = %.3g arcmin\n", best_sigma);

  Stat lofi_rmse, lofi_r, ks_r, ks_rm, wf_r, wf_rm;
  // LoFi minus Wiener map by map: the two share each map's sky and noise, so the error of their mean
  // difference is much smaller than either estimator's own spread over maps.
  Stat lofi_wf_rmse, lofi_wf_r;
  for (long i = 0; i < maps; ++i) {
    const auto m = test.read(i);
    const size_t nn = static_cast<size_t>(n * n);
    const std::vector<double> e(m.ks.begin(), m.ks.begin() + nn), t(m.kappa.begin(), m.kappa.end()),
        mask(m.mask.begin(), m.mask.end()), counts(m.counts.begin(), m.counts.end()),
        g1(m.shear.begin(), m.shear.begin() + nn), g2(m.shear.begin() + nn, m.shear.end());
    const auto lofi =
        predict(net, pipeline::lofi_input(m, n, pixel, net.options(), torch::kCPU), pixel, n, pixel);
    const auto ks = pipeline::flat_gaussian_smooth(e, n, n, best_sigma / pixel, 2.0);
    const auto wf = pipeline::wiener_filter(g1, g2, counts, m.sigma_e, cl, grid).kappa;
    const auto ql = pipeline::evaluate_map(lofi, t, mask, grid),
               qk = pipeline::evaluate_map(ks, t, mask, grid), qw = pipeline::evaluate_map(wf, t, mask, grid);
    lofi_rmse.add(ql.rmse), lofi_r.add(ql.pearson), ks_rm.add(qk.rmse), ks_r.add(qk.pearson),
        wf_rm.add(qw.rmse), wf_r.add(qw.pearson);
    lofi_wf_rmse.add(ql.rmse - qw.rmse), lofi_wf_r.add(ql.pearson - qw.pearson);
    if (i == 0) {
      double lim = 0;
      for (double v : t) lim = std::max(lim, std::abs(v));
      lim *= 0.5;
      png(outdir + "/map0_truth.png", t, n, 0.5 * n * pixel, "Truth", lim);
      png(outdir + "/map0_lofi.png", lofi, n, 0.5 * n * pixel, "LoFi", lim);
      png(outdir + "/map0_ks.png", ks, n, 0.5 * n * pixel, "KS, smoothed", lim);
      png(outdir + "/map0_wiener.png", wf, n, 0.5 * n * pixel, "Wiener", lim);
    }
  }
  std::printf("held-out maps: %ld (n_gal %.0f, sigma_e %.2f, %ld^2 at %.2f', masked)\n", maps,
              static_cast<double>(test.read(0).n_gal), static_cast<double>(test.read(0).sigma_e), n, pixel);
  std::printf("%-28s RMSE %.5f +- %.5f   r %.4f +- %.4f\n", "LoFi", lofi_rmse.mean(), lofi_rmse.error(),
              lofi_r.mean(), lofi_r.error());
  std::printf("%-28s RMSE %.5f +- %.5f   r %.4f +- %.4f\n",
              ("KS, sigma " + std::to_string(best_sigma).substr(0, 4) + "'").c_str(), ks_rm.mean(),
              ks_rm.error(), ks_r.mean(), ks_r.error());
  std::printf("%-28s RMSE %.5f +- %.5f   r %.4f +- %.4f\n", "Wiener (true C_ell, noise)", wf_rm.mean(),
              wf_rm.error(), wf_r.mean(), wf_r.error());
  std::printf("LoFi RMSE vs best KS: %.1f%% lower; vs Wiener: %.1f%% lower\n",
              100 * (1 - lofi_rmse.mean() / ks_rm.mean()), 100 * (1 - lofi_rmse.mean() / wf_rm.mean()));
  std::printf("LoFi - Wiener, paired by map: RMSE %+.5f +- %.5f   r %+.4f +- %.4f\n", lofi_wf_rmse.mean(),
              lofi_wf_rmse.error(), lofi_wf_r.mean(), lofi_wf_r.error());

  // Null test: the same maps with every shear turned by 45 degrees (gamma -> i gamma: the E signal becomes
  // pure B) and, for reference, maps of shape noise alone at the same counts. A model that invents no
  // structure from B modes gives kappa_E maps with no more power than it gives on noise.
  {
    // KS's E map: the leakage of the input itself; Wiener's: what the classical optimum makes of pure B.
    Stat rotated_power, noise_power, ks_rotated, ks_noise, wf_rotated, wf_noise;
    for (long i = 0; i < std::min<long>(maps, 20); ++i) {
      auto m = test.read(i);
      const size_t nn = static_cast<size_t>(n * n);
      std::vector<double> g1(nn), g2(nn), e1(nn, 0.0), e2(nn, 0.0);
      pipeline::RandomStream rng(7, static_cast<std::uint64_t>(i));
      for (size_t k = 0; k < nn; ++k) {
        g1[k] = -m.shear[nn + k], g2[k] = m.shear[k];
        if (m.counts[k] > 0) {
          const double sigma = m.sigma_e / std::sqrt(static_cast<double>(m.counts[k]));
          e1[k] = sigma * rng.normal(), e2[k] = sigma * rng.normal();
        }
      }
      const auto variance = [&](const std::vector<double>& v) {
        double mean = 0, var = 0;
        for (double x : v) mean += x / static_cast<double>(nn);
        for (double x : v) var += (x - mean) * (x - mean) / static_cast<double>(nn);
        return var;
      };
      const auto power_of = [&](const std::vector<double>& a, const std::vector<double>& b, Stat& ks_power,
                                Stat& wf_power) {
        wf_power.add(variance(pipeline::wiener_filter(a, b, counts_of(m), m.sigma_e, cl, grid).kappa));
        const auto ks =
            pipeline::flat_kaiser_squires({n, n, a, b}, 2.0, 0.0);  // as the training sets make it
        for (size_t k = 0; k < nn; ++k) {
          m.ks[k] = static_cast<float>(ks.a[k]), m.ks[nn + k] = static_cast<float>(ks.b[k]);
          m.shear[k] = static_cast<float>(a[k]), m.shear[nn + k] = static_cast<float>(b[k]);
        }
        ks_power.add(variance(ks.a));
        return variance(
            predict(net, pipeline::lofi_input(m, n, pixel, net.options(), torch::kCPU), pixel, n, pixel));
      };
      rotated_power.add(power_of(g1, g2, ks_rotated, wf_rotated));
      noise_power.add(power_of(e1, e2, ks_noise, wf_noise));
    }
    std::printf(
        "null test (shear turned by 45 deg, %d maps): LoFi kappa_E variance %.3e, on shape noise alone "
        "%.3e: ratio %.3f +- %.3f\n",
        rotated_power.n, rotated_power.mean(), noise_power.mean(), rotated_power.mean() / noise_power.mean(),
        rotated_power.mean() / noise_power.mean() *
            std::hypot(rotated_power.error() / rotated_power.mean(),
                       noise_power.error() / noise_power.mean()));
    std::printf(
        "  the same for the unsmoothed KS kappa_E fed to it (E/B leakage of edges and holes): ratio %.3f\n",
        ks_rotated.mean() / ks_noise.mean());
    std::printf("  the same for the Wiener filter (true C_ell): ratio %.3f\n",
                wf_rotated.mean() / wf_noise.mean());
  }

  if (argc > 6 && std::string(argv[6]) == "--no-resolution") return 0;
  // Resolution: 0.5x, 1x, 2x, 4x the training resolution over the same field.
  for (const double f : {0.5, 1.0, 2.0, 4.0}) {
    Stat r, rm;
    for (long i = 0; i < std::min<long>(maps, 20); ++i) {
      const auto m = test.read(i);
      const std::vector<double> t(m.kappa.begin(), m.kappa.end());
      const long n_out = static_cast<long>(n * f);
      const auto p = predict(net, pipeline::lofi_input(m, n, pixel, net.options(), torch::kCPU), pixel,
                             n_out, pixel / f);
      std::vector<double> a, b;
      if (f >= 1) {
        a = block_average(p, n_out, static_cast<long>(f)), b = t;
      } else {
        a = p, b = block_average(t, n, 2);
      }
      const long nc = f >= 1 ? n : n / 2;
      const auto q =
          pipeline::evaluate_map(a, b, {}, pipeline::FlatGrid::square(nc, f >= 1 ? pixel : pixel * 2), 4);
      r.add(q.pearson), rm.add(q.rmse);
      if (i == 0) {
        double lim = 0;
        for (double v : t) lim = std::max(lim, std::abs(v));
        png(outdir + "/resolution_" + std::to_string(f).substr(0, 3) + "x.png", p, n_out, 0.5 * n * pixel,
            "LoFi at " + std::to_string(f).substr(0, 3) + "x resolution", lim * 0.5);
      }
    }
    std::printf("resolution %.1fx (pixel %.3f'): r %.4f +- %.4f, RMSE %.5f (vs truth at %s)\n", f, pixel / f,
                r.mean(), r.error(), rm.mean(), f >= 1 ? "1x after block-averaging" : "0.5x");
  }
  return 0;
}
