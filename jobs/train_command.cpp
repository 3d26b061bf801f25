// `lofimap train`: trains LoFi on an HDF5 training set. Options become a TrainConfig, validated before the
// LibTorch plugin is loaded; the work runs inside the plugin.
#include <spdlog/spdlog.h>

#include "distributed/communicator.hpp"
#include "jobs/command.hpp"
#include "jobs/exit_codes.hpp"
#include "pipeline/products/lofi_plugin.hpp"

namespace lofimap::jobs {

void register_train(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto* cmd =
      app.add_subcommand("train", "train LoFi on a training set from `lofimap simulate training-set`");
  auto c = std::make_shared<pipeline::TrainConfig>();
  cmd->add_option("--training-set", c->training_sets,
                  "HDF5 training set(s); several (e.g. one per pixel scale) are sampled batch by batch")
      ->required();
  cmd->add_option("--set-weights", c->set_weights,
                  "relative chance of each --training-set to supply a batch, one per set in their order "
                  "(default: equal); e.g. a sky family's share of the batches when sets mix families");
  cmd->add_option("-o,--output", c->output, "trained model weights")->required();
  add_choice(cmd, "--model-size", c->model_size, pipeline::model_size_names(), "network size");
  cmd->add_flag("!--no-noise-channel", c->noise_channel, "do not feed the per-pixel noise level");
  cmd->add_flag("--wiener-channel", c->wiener_channel,
                "also feed the Wiener estimate of the binned shear (the prior is kept with the model)");
  cmd->add_option(
      "--wiener-prior", c->wiener_prior_file,
      "C_ell table (ell, C_ell) for the Wiener channel; default Limber/halofit, Planck 2015, z_s = 1");
  cmd->add_option("--patch-radius", c->patch_radius,
                  "outer ring of the sampling patch at the start of training, in training pixels (0: the "
                  "published layout, 2 pixels with 9 rings); the patch is learned from there")
      ->capture_default_str();
  add_choice(cmd, "--ring-spacing", c->ring_spacing, pipeline::ring_spacing_names(),
             "rings evenly spaced out to --patch-radius, or growing by a constant factor from 0.25 pixels");
  cmd->add_option("--steps", c->steps, "optimisation steps")->capture_default_str();
  cmd->add_option("--global-batch,--maps-per-step", c->global_batch,
                  "maps per step over all ranks (the same training whatever the number of ranks)")
      ->capture_default_str();
  cmd->add_option("--micro-batch", c->micro_batch,
                  "maps per forward/backward pass on a rank (memory; stop signals are seen between passes)")
      ->capture_default_str();
  cmd->add_option("--coords-per-map", c->coords_per_map, "random coordinates per map per step")
      ->capture_default_str();
  cmd->add_option("--steps-per-batch", c->steps_per_batch, "steps on the same maps")->capture_default_str();
  cmd->add_flag("!--no-jitter", c->jitter, "query pixel centres only (no sub-pixel jitter)");
  add_choice(cmd, "--loss", c->loss, pipeline::training_loss_names(), "training loss");
  add_choice(cmd, "--optimizer", c->optimizer, pipeline::optimizer_names(), "optimiser");
  cmd->add_option("--lr", c->learning_rate, "learning rate")->capture_default_str();
  cmd->add_option("--weight-decay", c->weight_decay, "weight decay")->capture_default_str();
  add_choice(cmd, "--schedule", c->schedule, pipeline::schedule_names(), "learning-rate schedule");
  cmd->add_option("--clip-norm", c->clip_norm, "gradient clipping norm (0: none)")->capture_default_str();
  whole_number(cmd->add_option("--seed", c->seed, "random seed")->capture_default_str(), 0, ~0ULL);
  cmd->add_option("--validation-maps", c->validation_maps, "held-out maps at the end of the set")
      ->capture_default_str();
  cmd->add_option("--validate-every", c->validate_every, "steps between validations")->capture_default_str();
  cmd->add_option("--checkpoint-every", c->checkpoint_every, "steps between checkpoints")
      ->capture_default_str();
  cmd->add_option("--checkpoint", c->checkpoint, "checkpoint file (default <output>.checkpoint)");
  cmd->add_flag("--resume", c->resume, "continue from the checkpoint");
  cmd->add_option("--init-weights", c->init_weights,
                  "start from this model's weights (same --model-size and channels) instead of random ones; "
                  "a fresh optimiser and schedule");
  positive_only(cmd->add_option("--stop-after", c->stop_after,
                                "checkpoint and stop after this many steps (batch-job slices)"));
  cmd->add_option("--log", c->log_csv, "per-step CSV log (default <output>.log.csv)");
  add_device_option(cmd, c->device);
  add_precision_option(cmd, c->precision);
  cmd->add_flag("!--no-overlap", c->overlap_reduction,
                "sum gradients over the ranks after backward instead of during it (for benchmarks)");
  positive_only(cmd->add_option("--check-replicas", c->check_replicas_every,
                                "every N steps, check that all ranks hold identical parameters"));
  cmd->add_flag("--overwrite", c->overwrite, "replace an existing output model");
  cmd->callback([&action, &global, c] {
    action = [&global, c] {
      c->command_line = global.command_line;
      const auto comm = distributed::Communicator::world();
      c->validate(comm.size());
      const auto s = pipeline::lofi_plugin().train(*c, comm);
      if (s.interrupted) {  // every rank stopped at the same step
        if (comm.is_root())
          spdlog::warn("training stopped at step {}; checkpoint written (exit 4)", s.last_step);
        return static_cast<int>(kStopped);
      }
      if (comm.is_root())
        spdlog::info("trained steps {}..{} in {:.1f} s: val RMSE {:.5f}, r {:.3f}; wrote {} (hash {})",
                     s.first_step, s.last_step, s.seconds, s.val_rmse, s.val_pearson, c->output,
                     s.model_hash);
      return static_cast<int>(kSuccess);
    };
  });
}

}  // namespace lofimap::jobs
