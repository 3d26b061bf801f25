// Options of `lofimap train` (torch-free): the command line fills them in and validates them before the
// LibTorch plugin is loaded; they cross into the plugin as this struct (pipeline/products/lofi_plugin.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/lofi_options.hpp"
#include "pipeline/core/compute_device.hpp"
#include "pipeline/core/enum_names.hpp"

namespace lofimap::pipeline {

enum class ModelSize { Compact, Medium, Published };
enum class TrainingLoss { L1, L2 };
enum class OptimizerKind { Adam, AdamW };
enum class LearningRateSchedule { Cosine, Step, Constant };
enum class RingSpacing { Linear, Geometric };

// The names of the enums above, for the command line and the JSON record of a training run.
const EnumNames<ModelSize>& model_size_names();
const EnumNames<TrainingLoss>& training_loss_names();
const EnumNames<OptimizerKind>& optimizer_names();
const EnumNames<LearningRateSchedule>& schedule_names();
const EnumNames<RingSpacing>& ring_spacing_names();

struct TrainConfig {
  std::vector<std::string>
      training_sets;  // HDF5 from `lofimap simulate training-set` (e.g. one per pixel scale)
  // Relative chance of each set to supply a batch, one per set (empty: equal chances). Sets that mix sky
  // families in fixed proportions set the families' shares of the batches this way.
  std::vector<double> set_weights;
  long validation_maps = 8;  // the last maps of the set are held out for validation
  ModelSize model_size = ModelSize::Compact;
  bool noise_channel = true;    // per-pixel noise sigma_e / sqrt(counts) as an extra input channel
  bool wiener_channel = false;  // the Wiener estimate as a further channel (needs the noise channel)
  std::string
      wiener_prior_file;  // its prior C_ell table; default the Limber spectrum of Planck 2015, z_s = 1
  // The round patch the training starts from (its offsets are learned): 0 keeps the published layout (ring n
  // at n/4 training pixels, 2 pixels out with 9 rings); else the outer ring's radius in training pixels.
  double patch_radius = 0;
  RingSpacing ring_spacing = RingSpacing::Linear;
  long steps = 1000;
  // Maps per optimisation step over all ranks, split into contiguous slot ranges; which map and which
  // coordinates fill slot s depend on (seed, step, s) only, so R ranks train the model one rank trains.
  long global_batch = 16;
  long micro_batch = 4;  // maps per forward/backward pass on a rank (memory; a stop signal is seen between)
  long coords_per_map = 512;
  long steps_per_batch = 3;  // steps on the same maps before drawing new ones (as published)
  bool jitter = true;        // sub-pixel jitter of the query coordinates (targets interpolated bicubically)
  TrainingLoss loss = TrainingLoss::L1;
  OptimizerKind optimizer = OptimizerKind::Adam;
  double learning_rate = 1e-3;
  double weight_decay = 0;
  LearningRateSchedule schedule = LearningRateSchedule::Cosine;
  double clip_norm = 1.0;  // 0: no clipping
  std::uint64_t seed = 1;
  long validate_every = 100;
  long checkpoint_every = 200;
  std::string checkpoint;  // checkpoint file (written atomically; "" = <output>.checkpoint)
  bool resume = false;
  // Start from the parameters of this weights file (same network options) instead of random ones: training on
  // from a model, e.g. with a new sky family in the mix or a survey's own footprint. A fresh optimiser and
  // schedule; the new model records the new sets' ranges.
  std::string init_weights;
  long stop_after = 0;  // checkpoint and stop after this many steps in this run (0: run to the end)
  std::string output;   // final model weights
  std::string log_csv;  // per-step log ("" = <output>.log.csv)
  bool overwrite = false;
  ComputeDevice device = ComputeDevice::Cpu;
  Precision precision = Precision::Fp32;  // of the forward passes; like --device, not part of the record
  bool overlap_reduction = true;  // start gradient sums from the backward hooks (false: after backward)
  long check_replicas_every = 0;  // steps between checks that all ranks hold identical parameters (0: never)
  std::string command_line;

  // Every option, the training sets and the output path, before anything heavy is loaded; throws
  // std::invalid_argument naming the option, io::Error naming a missing set or an unwritable output.
  // `ranks`: the number of ranks that will share the global batch (each must get at least one map).
  void validate(int ranks = 1) const;
  static constexpr long kMaxGlobalBatch = 65536;
  models::LofiOptions model_options(double train_pixel_arcmin) const;
  std::string checkpoint_path() const { return checkpoint.empty() ? output + ".checkpoint" : checkpoint; }
  std::string log_path() const { return log_csv.empty() ? output + ".log.csv" : log_csv; }
  // A JSON record of every option (stored in checkpoints).
  std::string record() const;
  // "" when a run started with the options in `record` may be continued with these ones, else the first
  // option that differs, as "--lr: 0.001 when started, 0.01 now". Everything that shapes the optimisation
  // must match (sets, model, batch, loss, optimiser, schedule, steps, seed); --stop-after, the validation and
  // checkpoint cadence, the paths and --device may change. A record that cannot be read (none stored) is not
  // compared.
  std::string resume_difference(const std::string& record) const;
};

struct TrainSummary {
  long first_step = 0, last_step = 0;  // steps run by this invocation: [first_step, last_step)
  std::vector<double> losses;          // per step run here
  double val_rmse = 0, val_pearson = 0;
  double seconds = 0;
  bool interrupted = false;  // stopped by SIGTERM/SIGUSR1 or --stop-after after writing a checkpoint
  std::string model_hash;
  double reducer_wait_seconds = 0;       // waiting for gradient sums not hidden by backward (all steps)
  long long reduced_bytes_per_step = 0;  // per rank (0 on one rank)
};

}  // namespace lofimap::pipeline
