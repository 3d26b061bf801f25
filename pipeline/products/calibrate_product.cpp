#include "pipeline/products/calibrate_product.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "distributed/communicator.hpp"
#include "io/atomic_output.hpp"
#include "io/hdf5_training_set.hpp"
#include "pipeline/flat/posterior_width.hpp"
#include "pipeline/products/lofi_intervals.hpp"
#include "pipeline/products/lofi_plugin.hpp"
#include "pipeline/products/resource_paths.hpp"

namespace lofimap::pipeline {

void CalibrateConfig::validate() const {
  if (sets.empty()) throw std::invalid_argument("--calibration-set: at least one set");
  if (output.empty()) throw std::invalid_argument("-o/--output: the calibrated model to write");
  if (maps < 0) throw std::invalid_argument("--maps: must be >= 0");
  if (density_cells < 1 || density_cells > 50)
    throw std::invalid_argument("--density-cells: between 1 and 50");
  io::check_writable(output, overwrite);
  for (const auto& s : sets) {
    const io::TrainingSetReader reader(s);  // io::Error naming the file when it is not a set
    reader.pixel_arcmin();
    if (reader.maps() < 1) throw std::invalid_argument("--calibration-set: " + s + " holds no map");
  }
}

CalibrateReport run_calibration(const CalibrateConfig& c) {
  c.validate();
  const std::string model_path = c.model.empty() ? default_model_path() : c.model;
  const auto comm = distributed::Communicator::self();
  auto model = lofi_plugin().open_model(model_path, c.device, Precision::Fp32, c.batch, comm);
  const AngularSpectrum prior = interval_prior(model->options());
  IntervalCalibrator calibrator;
  std::string description = "model " + model->model_hash() + " on";
  long total = 0;
  for (const auto& path : c.sets) {
    const io::TrainingSetReader reader(path);
    const long maps = c.maps > 0 ? std::min(c.maps, reader.maps()) : reader.maps();
    const double pixel = reader.pixel_arcmin();
    double lo = 1e300, hi = 0;
    for (long i = 0; i < maps; ++i) {
      const auto est = lofi_on_simulated_map(*model, reader.read(i), reader.n(), pixel, prior);
      std::vector<float> scores;
      for (size_t p = 0; p < est.truth.size(); ++p)
        if (est.mask[p] > 0 && est.width[p] > 0)
          scores.push_back(static_cast<float>(std::abs(est.truth[p] - est.kappa[p]) / est.width[p]));
      if (est.density > 0) calibrator.add_map(pixel, est.density, std::move(scores));
      lo = std::min(lo, est.density), hi = std::max(hi, est.density);
    }
    total += maps;
    char part[512];
    std::snprintf(part, sizeof part, " %s (%ld maps of %ld^2 at %g', n_gal %.3g-%.3g)",
                  std::filesystem::path(path).filename().c_str(), maps, reader.n(), pixel, lo, hi);
    description += part;
    spdlog::info("calibration: {} maps of {} scored", maps, path);
  }
  CalibrateReport report;
  if (calibrator.empty())
    throw std::invalid_argument("--calibration-set: no map has a footprint (every pixel masked or empty)");
  report.calibration = calibrator.fit(c.density_cells, kLocalWienerWidth, description);
  std::string table = "pixel [']  density [/arcmin^2] (range)   maps   pixels     q68     q95\n";
  for (const auto& cell : report.calibration.cells) {
    char line[200];
    std::snprintf(line, sizeof line, "%9.3g  %6.3g (%5.3g-%5.3g)        %5lld  %8lld  %6.3f  %6.3f\n",
                  cell.pixel_arcmin, cell.density, cell.density_lo, cell.density_hi, cell.maps, cell.pixels,
                  cell.q68, cell.q95);
    table += line;
  }
  report.table = "calibrated on " + std::to_string(total) + " maps\n" + table;
  lofi_plugin().write_calibrated_model(model_path, c.output, report.calibration.to_json());
  return report;
}

}  // namespace lofimap::pipeline
