// lofimap-bench-coverage: coverage and sharpness of map intervals on held-out simulated maps, per pixel
// inside each map's footprint (mask > 0):
//   LoFi   the calibrated model's intervals (lofimap map --intervals: quantiles x local width), and LoFi-c
//          the same with the calibration's own 68% quantile;
//   Wiener the exact posterior of the Wiener filter with the fiducial prior (Planck 2015 / TNG, z_s = 1, the
//          test sets' cosmology) from N Hoffman-Ribak samples, mean +- t_N s (what ks --wiener --intervals
//          writes).
// Prints one line per estimator: coverage of the 68% and 95% intervals (with the error of the mean over
// maps), mean half-widths, RMSE and Pearson r. Usage:
//   lofimap-bench-coverage MODEL TEST.h5 [MAPS] [WIENER_SAMPLES]
#include <cmath>
#include <cstdio>
#include <string>

#include "distributed/communicator.hpp"
#include "io/hdf5_training_set.hpp"
#include "pipeline/core/interval_calibration.hpp"
#include "pipeline/flat/map_quality.hpp"
#include "pipeline/flat/wiener_filter.hpp"
#include "pipeline/products/lofi_intervals.hpp"
#include "pipeline/products/lofi_plugin.hpp"
#include "pipeline/simulate/cosmology.hpp"

using namespace lofimap;

namespace {

struct Stat {
  double sum = 0, sum2 = 0;
  int n = 0;
  void add(double v) { sum += v, sum2 += v * v, ++n; }
  double mean() const { return n ? sum / n : 0; }
  double error() const { return n > 1 ? std::sqrt(std::max(0.0, sum2 / n - mean() * mean()) / (n - 1)) : 0; }
};

// One estimator's figures over the maps.
struct Tally {
  Stat cover68, cover95, half68, half95, rmse, r;
  void add_map(const std::vector<double>& truth, const std::vector<double>& mean,
               const std::vector<double>& h68, const std::vector<double>& h95,
               const std::vector<double>& mask, const pipeline::FlatGrid& grid) {
    double in68 = 0, in95 = 0, w68 = 0, w95 = 0, count = 0;
    for (size_t p = 0; p < truth.size(); ++p) {
      if (!(mask[p] > 0)) continue;
      const double d = std::abs(truth[p] - mean[p]);
      in68 += d <= h68[p], in95 += d <= h95[p], w68 += h68[p], w95 += h95[p], count += 1;
    }
    cover68.add(in68 / count), cover95.add(in95 / count), half68.add(w68 / count), half95.add(w95 / count);
    const auto q = pipeline::evaluate_map(mean, truth, mask, grid);
    rmse.add(q.rmse), r.add(q.pearson);
  }
  void print(const char* name) const {
    std::printf(
        "%-7s coverage68 %.4f +- %.4f  coverage95 %.4f +- %.4f  half-width68 %.5f  half-width95 %.5f  "
        "RMSE %.5f  r %.4f +- %.4f\n",
        name, cover68.mean(), cover68.error(), cover95.mean(), cover95.error(), half68.mean(), half95.mean(),
        rmse.mean(), r.mean(), r.error());
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL TEST.h5 [MAPS] [WIENER_SAMPLES]\n", argv[0]);
    return 2;
  }
  pipeline::configure_threads(1);
  const auto comm = distributed::Communicator::self();
  auto model = pipeline::lofi_plugin().open_model(argv[1], pipeline::ComputeDevice::Cpu,
                                                  pipeline::Precision::Fp32, 32768, comm);
  const auto calibration = pipeline::model_calibration(*model, argv[1]);
  const auto prior = pipeline::interval_prior(model->options());
  const io::TrainingSetReader test(argv[2]);
  const long maps = std::min<long>(argc > 3 ? std::atol(argv[3]) : 50, test.maps());
  const int samples = argc > 4 ? std::atoi(argv[4]) : 32;
  const long n = test.n();
  const double pixel = test.pixel_arcmin();
  pipeline::SourceDistribution src;
  src.z_single = 1.0;
  const auto fiducial = pipeline::convergence_cl_limber(pipeline::Cosmology(pipeline::planck2015_tng()), src,
                                                        pipeline::log_ell_grid(5, 2e5, 300));
  // LoFi: the product's intervals (interval_quantiles); LoFi-conf: the calibration's own 68% quantile, for
  // the record of why the product takes the larger of it and q95's Gaussian ratio.
  Tally lofi, lofi_conformal, wiener;
  Stat density;
  for (long i = 0; i < maps; ++i) {
    const auto m = test.read(i);
    const auto est = pipeline::lofi_on_simulated_map(*model, m, n, pixel, prior);
    const auto q = pipeline::interval_quantiles(calibration, pixel, est.density);
    const double q68 = q.q68, q95 = q.q95;
    std::vector<double> h68(est.width.size()), h95(est.width.size());
    for (size_t p = 0; p < h68.size(); ++p) h68[p] = q68 * est.width[p], h95[p] = q95 * est.width[p];
    lofi.add_map(est.truth, est.kappa, h68, h95, est.mask, est.grid);
    std::vector<double> c68(h95.size());
    for (size_t p = 0; p < c68.size(); ++p) c68[p] = q.conformal68 * est.width[p];
    lofi_conformal.add_map(est.truth, est.kappa, c68, h95, est.mask, est.grid);
    density.add(est.density);
    // Wiener: posterior mean and samples (seeded by the map).
    const size_t nn = static_cast<size_t>(n * n);
    const std::vector<double> g1(m.shear.begin(), m.shear.begin() + static_cast<long>(nn)),
        g2(m.shear.begin() + static_cast<long>(nn), m.shear.end());
    const auto mean = pipeline::wiener_filter(g1, g2, est.counts, m.sigma_e, fiducial, est.grid).kappa;
    const auto post = pipeline::wiener_posterior_samples(est.counts, m.sigma_e, fiducial, est.grid, mean,
                                                         samples, static_cast<std::uint64_t>(1000 + i));
    const auto iv = pipeline::sample_intervals(mean, post.samples);
    std::vector<double> w68(nn), w95(nn);
    for (size_t p = 0; p < nn; ++p) w68[p] = iv.hi68[p] - mean[p], w95[p] = iv.hi95[p] - mean[p];
    wiener.add_map(est.truth, mean, w68, w95, est.mask, est.grid);
  }
  std::printf("%s: %ld maps of %ld^2 at %g', footprint density %.3g per arcmin^2; Wiener from %d samples\n",
              argv[2], maps, n, pixel, density.mean(), samples);
  lofi.print("LoFi");
  lofi_conformal.print("LoFi-c");
  wiener.print("Wiener");
  return 0;
}
