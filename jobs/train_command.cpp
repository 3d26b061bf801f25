// `lofimap train`: trains LoFi on an HDF5 training set. Options become a TrainConfig; the work runs inside the
// LibTorch plugin (loaded on demand), reached through a C entry point.
#include <spdlog/spdlog.h>

#include "jobs/command.hpp"
#include "models/compute_runtime.hpp"
#include "pipeline/lofi_train_config.hpp"

namespace lofimap::jobs {

void register_train(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto* cmd = app.add_subcommand("train", "train LoFi on a training set from `lofimap simulate training-set`");
  auto c = std::make_shared<pipeline::TrainConfig>();
  cmd->add_option("--training-set", c->training_sets,
                  "HDF5 training set(s); several (e.g. one per pixel scale) are sampled batch by batch")
      ->required();
  cmd->add_option("-o,--output", c->output, "trained model weights")->required();
  cmd->add_option("--model-size", c->model_size, "compact or published")->capture_default_str();
  cmd->add_flag("!--no-noise-channel", c->noise_channel, "do not feed the per-pixel noise level");
  cmd->add_option("--steps", c->steps, "optimisation steps")->capture_default_str();
  cmd->add_option("--maps-per-step", c->maps_per_step, "maps per step")->capture_default_str();
  cmd->add_option("--coords-per-map", c->coords_per_map, "random coordinates per map per step")->capture_default_str();
  cmd->add_option("--steps-per-batch", c->steps_per_batch, "steps on the same maps")->capture_default_str();
  cmd->add_flag("!--no-jitter", c->jitter, "query pixel centres only (no sub-pixel jitter)");
  cmd->add_option("--loss", c->loss, "l1 or l2")->capture_default_str();
  cmd->add_option("--optimizer", c->optimizer, "adam or adamw")->capture_default_str();
  cmd->add_option("--lr", c->learning_rate, "learning rate")->capture_default_str();
  cmd->add_option("--weight-decay", c->weight_decay, "weight decay")->capture_default_str();
  cmd->add_option("--schedule", c->schedule, "cosine, step or constant")->capture_default_str();
  cmd->add_option("--clip-norm", c->clip_norm, "gradient clipping norm (0: none)")->capture_default_str();
  cmd->add_option("--seed", c->seed, "random seed")->capture_default_str();
  cmd->add_option("--validation-maps", c->validation_maps, "held-out maps at the end of the set")->capture_default_str();
  cmd->add_option("--validate-every", c->validate_every, "steps between validations")->capture_default_str();
  cmd->add_option("--checkpoint-every", c->checkpoint_every, "steps between checkpoints")->capture_default_str();
  cmd->add_option("--checkpoint", c->checkpoint, "checkpoint file (default <output>.checkpoint)");
  cmd->add_flag("--resume", c->resume, "continue from the checkpoint");
  cmd->add_option("--stop-after", c->stop_after, "checkpoint and stop after this many steps (batch-job slices)");
  cmd->add_option("--log", c->log_csv, "per-step CSV log (default <output>.log.csv)");
  cmd->add_flag("--overwrite", c->overwrite, "replace an existing output model");
  cmd->callback([&action, &global, c] {
    action = [&global, c] {
      c->command_line = global.command_line;
      c->validate();
      using Entry = int (*)(const char*, char*, size_t);
      const auto entry = reinterpret_cast<Entry>(models::torch_plugin_symbol("lofimap_torch_train"));
      char error[2048] = {0};
      const int rc = entry(c->to_json().c_str(), error, sizeof error);
      if (rc != 0) spdlog::error("{}", error);
      return rc;
    };
  });
}

}  // namespace lofimap::jobs
