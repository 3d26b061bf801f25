#include "pipeline/products/eval_product.hpp"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/error.hpp"
#include "io/fits_maps.hpp"
#include "io/png_quicklook.hpp"
#include "pipeline/flat/map_quality.hpp"

namespace lofimap::pipeline {

EvalReport run_evaluation(const EvalRequest& r) {
  if (r.map.empty() || r.truth.empty()) throw std::invalid_argument("--map/--truth: both are required");
  if (r.output_stem.empty()) throw std::invalid_argument("--output: an output stem is required");
  io::AtomicOutput txt(r.output_stem + ".txt", r.overwrite), json(r.output_stem + ".json", r.overwrite),
      png(r.output_stem + ".png", r.overwrite);
  const auto map = io::read_flat_fits(r.map, r.map_hdu), truth = io::read_flat_fits(r.truth, r.truth_hdu);
  if (map.grid.nx != truth.grid.nx || map.grid.ny != truth.grid.ny ||
      std::abs(map.grid.pixel_arcmin - truth.grid.pixel_arcmin) > 1e-6 * truth.grid.pixel_arcmin ||
      std::abs(map.grid.ra0_deg - truth.grid.ra0_deg) > 1e-6 ||
      std::abs(map.grid.dec0_deg - truth.grid.dec0_deg) > 1e-6)
    throw std::invalid_argument("--map/--truth: " + r.map + " and " + r.truth +
                                " are not on the same grid (size, pixel scale and centre must agree)");
  if (map.grid.nx != map.grid.ny) throw std::invalid_argument("--map: evaluation needs a square grid");
  std::vector<double> a(map.data.begin(), map.data.end()), t(truth.data.begin(), truth.data.end());
  std::vector<double> mask, b;
  // Without --mask, a map product's own footprint (its MASK HDU; its pixels are NaN outside it).
  std::string mask_file = r.mask, mask_hdu = r.mask_hdu;
  if (mask_file.empty()) {
    const auto names = io::fits_extension_names(r.map);
    if (std::find(names.begin(), names.end(), "MASK") != names.end()) mask_file = r.map, mask_hdu = "MASK";
  }
  if (!mask_file.empty()) {
    const auto m = io::read_flat_fits(mask_file, mask_hdu);
    if (m.data.size() != a.size())
      throw std::invalid_argument("--mask: " + mask_file + " is not on the map's grid");
    for (float v : m.data) mask.push_back(v > 0 ? 1.0 : 0.0);
  }
  if (!r.b_map.empty()) {
    const auto m = io::read_flat_fits(r.b_map, r.b_hdu);
    if (m.data.size() != a.size())
      throw std::invalid_argument("--b-map: " + r.b_map + " is not on the map's grid");
    b.assign(m.data.begin(), m.data.end());
  }
  // Statistics of NaN are NaN: a non-finite pixel inside the mask is refused with a count; outside the mask
  // it is set to 0 (it counts for nothing but the power spectra, which need a value on every pixel).
  std::vector<double>* maps[] = {&a, &t, &b};
  const std::string files[] = {r.map + " [" + r.map_hdu + "]", r.truth + " [" + r.truth_hdu + "]",
                               r.b_map + " [" + r.b_hdu + "]"};
  for (int k = 0; k < 3; ++k) {
    long inside = 0, outside = 0;
    for (size_t i = 0; i < maps[k]->size(); ++i)
      if (!std::isfinite((*maps[k])[i])) {
        if (mask.empty() || mask[i] > 0)
          ++inside;
        else
          ++outside, (*maps[k])[i] = 0;
      }
    if (inside > 0)
      throw io::Error(files[k], "evaluating",
                      std::to_string(inside) +
                          " pixel(s) inside the mask are not finite numbers (NaN or inf); "
                          "exclude them with --mask");
    if (outside > 0) spdlog::warn("{}: {} non-finite pixel(s) outside the mask set to 0", files[k], outside);
  }
  const auto grid = FlatGrid::square(map.grid.nx, map.grid.pixel_arcmin);
  const auto q = evaluate_map(a, t, mask, grid, 8, b);

  std::ostringstream table;
  table << "map    " << r.map << " [" << r.map_hdu << "]\ntruth  " << r.truth << " [" << r.truth_hdu << "]\n";
  table << "RMSE " << q.rmse << "\nPearson r " << q.pearson << "\n";
  if (!b.empty()) table << "B-mode level rms(B)/rms(E) " << q.b_level << "\n";
  table << "ell        P_map / P_truth\n";
  for (size_t i = 0; i < q.ell.size(); ++i) table << q.ell[i] << "  " << q.power_ratio[i] << "\n";
  std::ofstream(txt.temp_path()) << table.str();
  nlohmann::json j = {{"map", r.map},         {"truth", r.truth}, {"rmse", q.rmse},
                      {"pearson", q.pearson}, {"ell", q.ell},     {"power_ratio", q.power_ratio}};
  if (!b.empty()) j["b_level"] = q.b_level;
  std::ofstream(json.temp_path()) << j.dump(2) << "\n";

  // Side by side: truth | map, one colour scale, East left.
  const long n = map.grid.nx, gap = std::max(2L, n / 32);
  io::Raster raster{
      2 * n + gap, n,
      std::vector<float>(static_cast<size_t>((2 * n + gap) * n), std::numeric_limits<float>::quiet_NaN())};
  // Colour scale: the 99.5th percentile of |truth| (a cluster's cusp would wash out the rest).
  std::vector<float> mag;
  for (float v : truth.data) mag.push_back(std::abs(v));
  std::nth_element(mag.begin(), mag.begin() + static_cast<long>(0.995 * static_cast<double>(mag.size() - 1)),
                   mag.end());
  const double lim =
      std::max(1e-6, 2.0 * mag[static_cast<size_t>(0.995 * static_cast<double>(mag.size() - 1))]);
  for (long row = 0; row < n; ++row)
    for (long col = 0; col < n; ++col) {
      const size_t src = static_cast<size_t>((n - 1 - row) * n + (n - 1 - col));
      raster.values[static_cast<size_t>(row * (2 * n + gap) + col)] = truth.data[src];
      raster.values[static_cast<size_t>(row * (2 * n + gap) + n + gap + col)] = map.data[src];
    }
  io::QuicklookStyle style;
  style.title = "Truth (left) and map (right), r = " + std::to_string(q.pearson).substr(0, 5);
  style.colorbar_label = "κ";
  style.vmin = -0.5 * lim, style.vmax = 0.5 * lim;
  style.has_axes = false;
  style.x_label = "East left, North up";
  io::write_quicklook_png(png.temp_path(), raster, style);
  io::commit_together({&txt, &json, &png});
  return {{txt.target(), json.target(), png.target()}, table.str()};
}

}  // namespace lofimap::pipeline
