// Options of `lofimap train`, free of torch headers: the command line fills them in, and they cross into the
// LibTorch plugin (liblofimap_torch.so) as JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/lofi_options.hpp"

namespace lofimap::pipeline {

struct TrainConfig {
  std::vector<std::string> training_sets;  // HDF5 from `lofimap simulate training-set` (e.g. one per pixel scale)
  long validation_maps = 8;     // the last maps of the set are held out for validation
  std::string model_size = "compact";  // compact or published
  bool noise_channel = true;    // per-pixel noise sigma_e / sqrt(counts) as an extra input channel
  long steps = 1000;
  long maps_per_step = 16;
  long coords_per_map = 512;
  long steps_per_batch = 3;     // steps on the same maps before drawing new ones (as published)
  bool jitter = true;           // sub-pixel jitter of the query coordinates (targets interpolated bicubically)
  std::string loss = "l1";      // l1 or l2
  std::string optimizer = "adam";  // adam or adamw
  double learning_rate = 1e-3;
  double weight_decay = 0;
  std::string schedule = "cosine";  // cosine, step or constant
  double clip_norm = 1.0;       // 0: no clipping
  std::uint64_t seed = 1;
  long validate_every = 100;
  long checkpoint_every = 200;
  std::string checkpoint;       // checkpoint file (written atomically)
  bool resume = false;
  long stop_after = 0;          // checkpoint and stop after this many steps in this run (0: run to the end)
  std::string output;           // final model weights
  std::string log_csv;          // per-step log ("" = <output>.log.csv)
  bool overwrite = false;
  std::string command_line;

  std::string to_json() const;
  static TrainConfig from_json(const std::string& json);
  void validate() const;  // throws std::invalid_argument naming the option
  models::LofiOptions model_options(double train_pixel_arcmin) const;
};

}  // namespace lofimap::pipeline
