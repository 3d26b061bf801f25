// `lofimap calibrate`: conformal interval calibration of a LoFi model on held-out simulated maps, written
// into a copy of the model (what `lofimap map --intervals` reads).
#include <spdlog/spdlog.h>

#include <cstdio>

#include "jobs/command.hpp"
#include "pipeline/products/calibrate_product.hpp"

namespace lofimap::jobs {

void register_calibrate(CLI::App& app, const GlobalOptions&, Action& action) {
  auto* cmd = app.add_subcommand(
      "calibrate",
      "calibrate a LoFi model's intervals (conformal) on simulated maps it was not trained on; writes a copy "
      "of the model that `map --intervals` reads");
  auto c = std::make_shared<pipeline::CalibrateConfig>();
  cmd->add_option("--model", c->model, "LoFi weights (default: the shipped model)");
  cmd->add_option("--calibration-set", c->sets,
                  "HDF5 sets from `lofimap simulate training-set` held out from training (several pixel "
                  "scales and depths: each scale gets its own cells)")
      ->required();
  cmd->add_option("--maps", c->maps, "the first N maps of each set (default: all)");
  cmd->add_option("--density-cells", c->density_cells, "cells in galaxy density per pixel scale")
      ->capture_default_str();
  cmd->add_option("-o,--output", c->output, "the calibrated model (a copy of --model with its calibration)")
      ->required();
  cmd->add_flag("--overwrite", c->overwrite, "replace an existing output");
  add_device_option(cmd, c->device);
  cmd->callback([&action, c] {
    action = [c] {
      const auto report = pipeline::run_calibration(*c);
      std::fputs(report.table.c_str(), stdout);
      spdlog::info("wrote {}", c->output);
      return 0;
    };
  });
}

}  // namespace lofimap::jobs
