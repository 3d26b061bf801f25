#include "pipeline/products/ks_smoothing_product.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "io/hdf5_training_set.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/flat/map_quality.hpp"

namespace lofimap::pipeline {

KsSmoothingChoice choose_ks_smoothing(const KsSmoothingRequest& request) {
  if (request.maps < 1) throw std::invalid_argument("--maps must be >= 1");
  for (double s : request.sigmas_arcmin)
    if (!(s > 0)) throw std::invalid_argument("--sigma: smoothing scales must be > 0 arcmin");
  const io::TrainingSetReader set(request.training_set);
  if (request.maps > set.maps())
    throw std::invalid_argument("--maps " + std::to_string(request.maps) + ": " + request.training_set +
                                " holds " + std::to_string(set.maps()) + " maps");
  KsSmoothingChoice out;
  out.pixel_arcmin = set.pixel_arcmin();
  out.maps = request.maps;
  out.sigmas_arcmin = request.sigmas_arcmin;
  if (out.sigmas_arcmin.empty())
    for (int quarter = 2; quarter <= 32; ++quarter)
      out.sigmas_arcmin.push_back(0.25 * quarter * out.pixel_arcmin);
  std::sort(out.sigmas_arcmin.begin(), out.sigmas_arcmin.end());
  const size_t k = out.sigmas_arcmin.size();
  out.mean_rmse.assign(k, 0.0), out.mean_pearson.assign(k, 0.0);

  const long n = set.n();
  const size_t nn = static_cast<size_t>(n * n);
  const auto grid = FlatGrid::square(n, out.pixel_arcmin);
  for (long i = 0; i < request.maps; ++i) {
    const auto m = set.read(i);
    const std::vector<double> e(m.ks.begin(), m.ks.begin() + static_cast<std::ptrdiff_t>(nn)),
        truth(m.kappa.begin(), m.kappa.end()), mask(m.mask.begin(), m.mask.end());
    for (size_t j = 0; j < k; ++j) {
      const auto q =
          evaluate_map(flat_gaussian_smooth(e, n, n, out.sigmas_arcmin[j] / out.pixel_arcmin, request.pad),
                       truth, mask, grid, 1);
      out.mean_rmse[j] += q.rmse / static_cast<double>(request.maps);
      out.mean_pearson[j] += q.pearson / static_cast<double>(request.maps);
    }
  }
  const size_t best = static_cast<size_t>(std::min_element(out.mean_rmse.begin(), out.mean_rmse.end()) -
                                          out.mean_rmse.begin());
  if (!std::isfinite(out.mean_rmse[best]))  // every score NaN: there is no best sigma to name
    throw std::runtime_error(request.training_set + ": no smoothing gives a finite RMSE against the truth");
  out.best_sigma_arcmin = out.sigmas_arcmin[best];
  out.best_at_edge = k > 1 && (best == 0 || best + 1 == k);
  return out;
}

std::string KsSmoothingChoice::table() const {
  std::string t;
  char line[160];
  std::snprintf(line, sizeof line, "KS smoothing on %ld training maps (pixel %.3g'):\n%12s %10s %8s\n", maps,
                pixel_arcmin, "sigma [']", "RMSE", "r");
  t += line;
  for (size_t j = 0; j < sigmas_arcmin.size(); ++j) {
    std::snprintf(line, sizeof line, "%12.4g %10.5f %8.4f%s\n", sigmas_arcmin[j], mean_rmse[j],
                  mean_pearson[j], sigmas_arcmin[j] == best_sigma_arcmin ? "  <- best" : "");
    t += line;
  }
  std::snprintf(line, sizeof line, "best sigma: %.4g arcmin%s\n", best_sigma_arcmin,
                best_at_edge ? " (at the edge of the candidates: widen --sigma)" : "");
  return t + line;
}

std::string KsSmoothingChoice::json() const {
  nlohmann::json j = {{"pixel_arcmin", pixel_arcmin},  {"maps", maps},
                      {"sigma_arcmin", sigmas_arcmin}, {"mean_rmse", mean_rmse},
                      {"mean_pearson", mean_pearson},  {"best_sigma_arcmin", best_sigma_arcmin},
                      {"best_at_edge", best_at_edge}};
  return j.dump(2) + "\n";
}

}  // namespace lofimap::pipeline
