#include "pipeline/products/null_test_product.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/catalogue_files.hpp"
#include "io/fits_table_writer.hpp"
#include "pipeline/catalogue/catalogue_loader.hpp"
#include "pipeline/core/progress_bar.hpp"
#include "pipeline/flat/flat_binning.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/flat/flat_peaks.hpp"
#include "pipeline/flat/flat_power_spectrum.hpp"
#include "pipeline/flat/footprint_mask.hpp"
#include "pipeline/products/provenance.hpp"
#include "pipeline/survey/noise_rotation.hpp"

namespace lofimap::pipeline {

namespace {

// Solves A x = b in place by Gaussian elimination with partial pivoting; false when A is singular.
bool solve(std::vector<double> a, std::vector<double>& b, size_t n) {
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < n; ++r)
      if (std::abs(a[r * n + col]) > std::abs(a[pivot * n + col])) pivot = r;
    if (!(std::abs(a[pivot * n + col]) > 1e-300)) return false;
    if (pivot != col) {
      for (size_t k = 0; k < n; ++k) std::swap(a[col * n + k], a[pivot * n + k]);
      std::swap(b[col], b[pivot]);
    }
    for (size_t r = col + 1; r < n; ++r) {
      const double f = a[r * n + col] / a[col * n + col];
      for (size_t k = col; k < n; ++k) a[r * n + k] -= f * a[col * n + k];
      b[r] -= f * b[col];
    }
  }
  for (size_t col = n; col-- > 0;) {
    for (size_t k = col + 1; k < n; ++k) b[col] -= a[col * n + k] * b[k];
    b[col] /= a[col * n + col];
  }
  return true;
}

// chi^2 of every vector against the mean and covariance of all of them (statistics `keep`).
std::vector<double> pooled_chi2(const std::vector<std::vector<double>>& vectors,
                                const std::vector<size_t>& keep) {
  const size_t p = keep.size(), m = vectors.size();
  std::vector<double> mean(p, 0.0), cov(p * p, 0.0);
  for (const auto& v : vectors)
    for (size_t i = 0; i < p; ++i) mean[i] += v[keep[i]] / static_cast<double>(m);
  for (const auto& v : vectors)
    for (size_t i = 0; i < p; ++i)
      for (size_t j = 0; j < p; ++j)
        cov[i * p + j] += (v[keep[i]] - mean[i]) * (v[keep[j]] - mean[j]) / static_cast<double>(m - 1);
  std::vector<double> chi2;
  for (const auto& v : vectors) {
    std::vector<double> d(p), x(p);
    for (size_t i = 0; i < p; ++i) d[i] = x[i] = v[keep[i]] - mean[i];
    if (!solve(cov, x, p))
      throw std::invalid_argument(
          "--realisations: the statistics' covariance is singular; give more realisations");
    double c = 0;
    for (size_t i = 0; i < p; ++i) c += d[i] * x[i];
    chi2.push_back(c);
  }
  return chi2;
}

// B-mode statistics of one binned catalogue (rank 0): the power of the masked unsmoothed B map in `ell_bins`
// logarithmic bins (the map zero-padded to a square), then the counts of peaks of the smoothed B map's S/N in
// the bins of `edges` (the last open-ended). `ells`, when given, receives the power bins' mean multipoles.
std::vector<double> b_statistics(const NullTestConfig& c, const FlatShearGrid& grid,
                                 const std::vector<double>& mask, const std::vector<double>& noise_std,
                                 std::vector<double>* ells = nullptr) {
  const FlatGrid& patch = grid.patch;
  const long nx = patch.nx, ny = patch.ny, n = std::max(nx, ny);
  const FlatFieldPair raw = flat_kaiser_squires({nx, ny, grid.g1, grid.g2}, c.flat.pad, 0.0);
  std::vector<double> square(static_cast<size_t>(n * n), 0.0);
  for (long iy = 0; iy < ny; ++iy)
    for (long ix = 0; ix < nx; ++ix)
      square[static_cast<size_t>(iy * n + ix)] =
          raw.b[static_cast<size_t>(iy * nx + ix)] * mask[static_cast<size_t>(iy * nx + ix)];
  const AngularSpectrum unused{{1.0, 1e6}, {0.0, 0.0}};
  const BinnedPower power =
      measure_flat_power(square, FlatGrid::square(n, patch.pixel_arcmin), c.ell_bins, unused);
  if (ells) *ells = power.ell;
  std::vector<double> stats(power.power.begin(), power.power.end());
  const FlatFieldPair smooth =
      flat_kaiser_squires({nx, ny, grid.g1, grid.g2}, c.flat.pad, c.smoothing_arcmin / patch.pixel_arcmin);
  std::vector<double> snr(smooth.b.size());
  std::vector<char> inside(smooth.b.size());
  for (size_t i = 0; i < snr.size(); ++i) snr[i] = smooth.b[i] / noise_std[i], inside[i] = mask[i] > 0;
  std::vector<double> counts(c.peak_edges.size(), 0.0);
  for (long p : flat_peaks(snr, inside, nx, ny, c.peak_edges.front())) {
    const double v = snr[static_cast<size_t>(p)];
    const size_t b = static_cast<size_t>(std::upper_bound(c.peak_edges.begin(), c.peak_edges.end(), v) -
                                         c.peak_edges.begin()) -
                     1;
    counts[b] += 1;
  }
  stats.insert(stats.end(), counts.begin(), counts.end());
  return stats;
}

}  // namespace

NullTestResult rank_chi2_test(const std::vector<double>& observed,
                              const std::vector<std::vector<double>>& realisations) {
  std::vector<std::vector<double>> all = {observed};
  all.insert(all.end(), realisations.begin(), realisations.end());
  const size_t p_all = observed.size(), k = realisations.size();
  NullTestResult r;
  std::vector<size_t> keep;
  for (size_t i = 0; i < p_all; ++i) {
    double mean = 0, var = 0, pooled = 0;
    for (const auto& v : realisations) mean += v[i] / static_cast<double>(k);
    for (const auto& v : realisations) var += (v[i] - mean) * (v[i] - mean) / static_cast<double>(k - 1);
    for (const auto& v : all) pooled += std::abs(v[i] - all[0][i]);
    if (!(pooled > 0)) continue;  // the same value in every vector: no information
    keep.push_back(i);
    r.observed.push_back(observed[i]), r.mean.push_back(mean), r.std.push_back(std::sqrt(var));
  }
  if (k < keep.size() + 3)
    throw std::invalid_argument(
        "--realisations: " + std::to_string(k) + " realisations cannot estimate the covariance of " +
        std::to_string(keep.size()) + " statistics; give at least " + std::to_string(keep.size() + 3));
  r.dof = static_cast<long>(keep.size());
  const std::vector<double> chi2 = pooled_chi2(all, keep);
  r.chi2 = chi2[0];
  long exceed = 0;
  for (size_t v = 1; v < all.size(); ++v) exceed += chi2[v] >= chi2[0];
  r.pte = static_cast<double>(1 + exceed) / static_cast<double>(k + 1);
  return r;
}

void NullTestConfig::validate() const {
  validate_catalogue_options(catalogue);
  validate_flat_settings(flat);
  if (realisations < 10 || realisations > 100000)
    throw std::invalid_argument("--realisations: between 10 and 100,000 (100 give a PTE resolved to 1%)");
  if (!(smoothing_arcmin > 0 && std::isfinite(smoothing_arcmin)))
    throw std::invalid_argument("--smooth: the peaks' Gaussian sigma must be > 0 arcmin");
  // The covariance of p statistics needs K >= p + 3 realisations: said before any is made.
  const long statistics = ell_bins + static_cast<long>(peak_edges.size());
  if (realisations < statistics + 3)
    throw std::invalid_argument("--realisations: " + std::to_string(realisations) +
                                " cannot estimate the covariance of " + std::to_string(statistics) +
                                " statistics (--ell-bins, --peak-snr); give at least " +
                                std::to_string(statistics + 3));
  if (ell_bins < 1 || ell_bins > 50) throw std::invalid_argument("--ell-bins: between 1 and 50");
  if (peak_edges.empty() || !std::is_sorted(peak_edges.begin(), peak_edges.end()) ||
      std::adjacent_find(peak_edges.begin(), peak_edges.end()) != peak_edges.end())
    throw std::invalid_argument("--peak-snr: increasing S/N edges");
  if (output.path.empty()) throw std::invalid_argument("--output: no output path given");
  require_fits_name(output, "a null-test table");
  check_product_outputs(output, {}, io::expand_catalogue_paths(catalogue.inputs));
}

ProductReport run_null_test(const NullTestConfig& c, const distributed::Communicator& comm) {
  c.validate();
  std::unique_ptr<io::AtomicOutput> out;
  if (comm.is_root()) out = std::make_unique<io::AtomicOutput>(c.output.path, c.output.overwrite);
  const LoadedCatalogue cat = load_catalogue(c.catalogue, comm);
  const double sigma_e = measured_shape_noise(cat.galaxies, comm);
  const FlatGrid patch = resolve_flat_patch(c.flat, cat.galaxies, comm);
  const FlatShearGrid data = bin_flat(cat.galaxies, patch, comm);
  // Rank 0: the footprint and the analytic noise of the smoothed map (shape noise sigma_e^2 / N per pixel
  // through the squared Gaussian: a Gaussian of sigma / sqrt(2) over 4 pi sigma^2), which sets the S/N scale.
  std::vector<double> mask, noise_std;
  std::vector<double> observed, ells;
  std::vector<std::vector<double>> realisations;
  if (comm.is_root()) {
    check_smoothing(c.smoothing_arcmin,
                    static_cast<double>(std::min(patch.nx, patch.ny)) * patch.pixel_arcmin, "the patch");
    mask = footprint_mask(data.count, patch);
    std::vector<double> inverse(data.count.size());
    for (size_t i = 0; i < inverse.size(); ++i) inverse[i] = data.count[i] > 0 ? 1.0 / data.count[i] : 0.0;
    const double s = c.smoothing_arcmin / patch.pixel_arcmin;
    const auto smoothed = flat_gaussian_smooth(inverse, patch.nx, patch.ny, s / std::sqrt(2.0), c.flat.pad);
    noise_std.resize(smoothed.size());
    for (size_t i = 0; i < smoothed.size(); ++i) {
      noise_std[i] = sigma_e * std::sqrt(std::max(smoothed[i], 0.0) / (4 * std::numbers::pi * s * s));
      if (!(noise_std[i] > 0)) noise_std[i] = std::numeric_limits<double>::infinity();
    }
    observed = b_statistics(c, data, mask, noise_std, &ells);
  }
  const NoiseRotations rotations(cat.galaxies, c.seed);
  std::unique_ptr<ProgressBar> progress;
  if (comm.is_root()) progress = std::make_unique<ProgressBar>("null-test realisations", c.realisations);
  for (long k = 0; k < c.realisations; ++k) {
    const FlatShearGrid rotated = bin_flat(rotations.apply(cat.galaxies, k), patch, comm);
    if (comm.is_root()) realisations.push_back(b_statistics(c, rotated, mask, noise_std));
    if (progress) progress->update(k + 1);
  }
  ProductReport report;
  if (!comm.is_root()) return report;
  const NullTestResult r = rank_chi2_test(observed, realisations);

  // One row per statistic of the full vector (dropped ones with STD 0).
  const size_t np = static_cast<size_t>(c.ell_bins), nc = c.peak_edges.size();
  std::vector<double> kind, x, obs, mean, std_dev;
  {
    for (size_t i = 0; i < np + nc; ++i) {
      kind.push_back(i < np ? 0 : 1);
      x.push_back(i < np ? ells[i] : c.peak_edges[i - np]);
      obs.push_back(observed[i]);
      double m = 0, v = 0;
      for (const auto& rv : realisations) m += rv[i] / static_cast<double>(realisations.size());
      for (const auto& rv : realisations)
        v += (rv[i] - m) * (rv[i] - m) / static_cast<double>(realisations.size() - 1);
      mean.push_back(m), std_dev.push_back(std::sqrt(v));
    }
  }
  auto cards = provenance_cards(c.output.command_line, cat.summary);
  cards.push_back(
      {"LMNREAL", static_cast<long long>(c.realisations), "noise realisations (rotated ellipticities)"});
  cards.push_back({"LMNSEED", std::to_string(c.seed), "seed of the rotations"});
  cards.push_back({"LMSMOOTH", c.smoothing_arcmin, "[arcmin] Gaussian sigma of the peak counts"});
  cards.push_back({"LMSIGE", sigma_e, "measured shape noise per component"});
  cards.push_back({"LMCHI2", r.chi2, "chi^2 of the B-mode statistics"});
  cards.push_back({"LMDOF", static_cast<long long>(r.dof), "statistics with variance (degrees of freedom)"});
  cards.push_back({"LMPTE", r.pte, "probability to exceed (rank among the realisations)"});
  {
    io::FitsTableWriter writer(out->temp_path(), "NULLTEST", {"KIND", "X", "OBSERVED", "MEAN", "STD"}, cards);
    writer.append({kind.data(), x.data(), obs.data(), mean.data(), std_dev.data()},
                  static_cast<long>(kind.size()));
    writer.close();
  }
  out->commit();
  report.written.push_back(c.output.path);
  std::ostringstream s;
  s << cat.summary.report() << "\nB-mode null test on " << patch.nx << " x " << patch.ny << " pixels of "
    << patch.pixel_arcmin << "', " << c.realisations << " realisations (seed " << c.seed
    << ")\n  statistic            observed        mean         std\n";
  for (size_t i = 0; i < kind.size(); ++i) {
    char line[160];
    if (kind[i] == 0)
      std::snprintf(line, sizeof line, "  C_ell^BB ell %6.0f  %+11.4e  %+11.4e  %11.4e\n", x[i], obs[i],
                    mean[i], std_dev[i]);
    else
      std::snprintf(line, sizeof line, "  B peaks S/N >= %4.1f  %11.0f  %11.2f  %11.2f\n", x[i], obs[i],
                    mean[i], std_dev[i]);
    s << line;
  }
  char tail[160];
  std::snprintf(tail, sizeof tail, "chi^2 %.2f for %ld statistics, PTE %.4f (%s)", r.chi2, r.dof, r.pte,
                r.pte < 0.01 ? "FAILS at 1%: B-modes beyond shape noise" : "consistent with shape noise");
  s << tail;
  report.summary = s.str();
  return report;
}

}  // namespace lofimap::pipeline
