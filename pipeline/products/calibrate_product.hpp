// `lofimap calibrate`: conformal interval calibration of a LoFi model on held-out simulated maps (sets of
// `lofimap simulate training-set` the model was not trained on): the scores |truth - LoFi| / width of every
// pixel inside each map's footprint, cells per pixel scale and density, written into a copy of the model file
// (pipeline/core/interval_calibration.hpp) with a description of the calibration set.
#pragma once

#include <string>
#include <vector>

#include "pipeline/core/compute_device.hpp"
#include "pipeline/core/interval_calibration.hpp"

namespace lofimap::pipeline {

struct CalibrateConfig {
  std::string model;              // LoFi weights ("" = the shipped default)
  std::vector<std::string> sets;  // HDF5 sets of simulated maps (truth, shear, KS, counts, mask)
  long maps = 0;                  // the first N maps of each set (0: all)
  int density_cells = 5;          // density cells per pixel scale
  std::string output;             // the calibrated model
  bool overwrite = false;
  ComputeDevice device = ComputeDevice::Cpu;
  long batch = 32768;

  void validate() const;  // std::invalid_argument naming the option; io::Error for an unreadable set
};

struct CalibrateReport {
  IntervalCalibration calibration;
  std::string table;  // the cells, for the terminal
};

CalibrateReport run_calibration(const CalibrateConfig& config);

}  // namespace lofimap::pipeline
