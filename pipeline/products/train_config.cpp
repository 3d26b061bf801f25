#include "pipeline/products/train_config.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/error.hpp"
#include "pipeline/core/machine_resources.hpp"
#include "pipeline/simulate/cosmology.hpp"

namespace lofimap::pipeline {

const EnumNames<ModelSize>& model_size_names() {
  static const EnumNames<ModelSize> names = {
      {"compact", ModelSize::Compact}, {"medium", ModelSize::Medium}, {"published", ModelSize::Published}};
  return names;
}
const EnumNames<TrainingLoss>& training_loss_names() {
  static const EnumNames<TrainingLoss> names = {{"l1", TrainingLoss::L1}, {"l2", TrainingLoss::L2}};
  return names;
}
const EnumNames<OptimizerKind>& optimizer_names() {
  static const EnumNames<OptimizerKind> names = {{"adam", OptimizerKind::Adam},
                                                 {"adamw", OptimizerKind::AdamW}};
  return names;
}
const EnumNames<LearningRateSchedule>& schedule_names() {
  static const EnumNames<LearningRateSchedule> names = {{"cosine", LearningRateSchedule::Cosine},
                                                        {"step", LearningRateSchedule::Step},
                                                        {"constant", LearningRateSchedule::Constant}};
  return names;
}
const EnumNames<RingSpacing>& ring_spacing_names() {
  static const EnumNames<RingSpacing> names = {{"linear", RingSpacing::Linear},
                                               {"geometric", RingSpacing::Geometric}};
  return names;
}

// JSON of an enum: its name from the one table (an unknown name in a record is refused, naming the enum).
#define LOFIMAP_JSON_ENUM(E, table)                  \
  void to_json(nlohmann::json& j, const E& e) {      \
    j = name_of(table(), e);                         \
  }                                                  \
  void from_json(const nlohmann::json& j, E& e) {    \
    e = value_of(table(), j.get<std::string>(), #E); \
  }
LOFIMAP_JSON_ENUM(ModelSize, model_size_names)
LOFIMAP_JSON_ENUM(TrainingLoss, training_loss_names)
LOFIMAP_JSON_ENUM(RingSpacing, ring_spacing_names)
LOFIMAP_JSON_ENUM(OptimizerKind, optimizer_names)
LOFIMAP_JSON_ENUM(LearningRateSchedule, schedule_names)
LOFIMAP_JSON_ENUM(ComputeDevice, device_names)
#undef LOFIMAP_JSON_ENUM
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrainConfig, training_sets, set_weights, validation_maps, model_size,
                                   noise_channel, wiener_channel, wiener_prior_file, patch_radius,
                                   ring_spacing, steps, global_batch, micro_batch, coords_per_map,
                                   steps_per_batch, jitter, loss, optimizer, learning_rate, weight_decay,
                                   schedule, clip_norm, seed, validate_every, checkpoint_every, checkpoint,
                                   resume, init_weights, stop_after, output, log_csv, overwrite, device,
                                   overlap_reduction, check_replicas_every, command_line)

std::string TrainConfig::record() const {
  return nlohmann::json(*this).dump();
}

std::string TrainConfig::resume_difference(const std::string& record) const {
  static const std::pair<const char*, const char*> kShaping[] = {{"training_sets", "--training-set"},
                                                                 {"set_weights", "--set-weights"},
                                                                 {"validation_maps", "--validation-maps"},
                                                                 {"model_size", "--model-size"},
                                                                 {"noise_channel", "--no-noise-channel"},
                                                                 {"wiener_channel", "--wiener-channel"},
                                                                 {"wiener_prior_file", "--wiener-prior"},
                                                                 {"patch_radius", "--patch-radius"},
                                                                 {"ring_spacing", "--ring-spacing"},
                                                                 {"steps", "--steps"},
                                                                 {"global_batch", "--global-batch"},
                                                                 {"coords_per_map", "--coords-per-map"},
                                                                 {"steps_per_batch", "--steps-per-batch"},
                                                                 {"jitter", "--no-jitter"},
                                                                 {"loss", "--loss"},
                                                                 {"optimizer", "--optimizer"},
                                                                 {"learning_rate", "--lr"},
                                                                 {"weight_decay", "--weight-decay"},
                                                                 {"schedule", "--schedule"},
                                                                 {"clip_norm", "--clip-norm"},
                                                                 {"seed", "--seed"},
                                                                 {"init_weights", "--init-weights"}};
  const auto started = nlohmann::json::parse(record, nullptr, /*allow_exceptions*/ false);
  if (started.is_discarded() || !started.is_object()) return "";
  const nlohmann::json now(*this);
  for (const auto& [key, option] : kShaping)
    if (started.contains(key) && started.at(key) != now.at(key))
      return std::string(option) + ": " + started.at(key).dump() + " when started, " + now.at(key).dump() +
             " now";
  return "";
}

void TrainConfig::validate(int ranks) const {
  if (training_sets.empty()) throw std::invalid_argument("--training-set: required");
  if (output.empty()) throw std::invalid_argument("--output: required");
  if (!set_weights.empty()) {
    if (set_weights.size() != training_sets.size())
      throw std::invalid_argument("--set-weights: " + std::to_string(set_weights.size()) + " weights for " +
                                  std::to_string(training_sets.size()) + " training sets (one per set)");
    double total = 0;
    for (const double w : set_weights) {
      if (!(w >= 0 && std::isfinite(w)))
        throw std::invalid_argument("--set-weights: each weight must be finite and >= 0");
      total += w;
    }
    if (!(total > 0)) throw std::invalid_argument("--set-weights: at least one weight must be > 0");
  }
  if (steps < 1) throw std::invalid_argument("--steps: must be >= 1");
  if (precision == Precision::Tf32 && device != ComputeDevice::Cuda)
    throw std::invalid_argument(
        "--precision tf32: TensorFloat-32 exists on CUDA devices only (use --device cuda)");
  if (wiener_channel && !noise_channel)
    throw std::invalid_argument("--wiener-channel: needs the noise channel (drop --no-noise-channel)");
  if (!wiener_prior_file.empty() && !wiener_channel)
    throw std::invalid_argument("--wiener-prior: only with --wiener-channel");
  if (!wiener_prior_file.empty() && !std::filesystem::exists(wiener_prior_file))
    throw io::Error(wiener_prior_file, "reading the Wiener prior (--wiener-prior)", "no such file");
  if (!(patch_radius >= 0 && std::isfinite(patch_radius)))
    throw std::invalid_argument("--patch-radius: must be >= 0 training pixels (0: the published layout)");
  if (ring_spacing == RingSpacing::Geometric && !(patch_radius > models::LofiOptions::kInnerRingPixels))
    throw std::invalid_argument(
        "--ring-spacing geometric: needs --patch-radius above 0.25 training pixels (its innermost ring)");
  if (global_batch < 1 || global_batch > kMaxGlobalBatch)
    throw std::invalid_argument("--global-batch: must lie between 1 and " + std::to_string(kMaxGlobalBatch) +
                                " maps, got " + std::to_string(global_batch));
  if (global_batch < ranks)
    throw std::invalid_argument("--global-batch " + std::to_string(global_batch) + ": fewer maps than the " +
                                std::to_string(ranks) + " ranks (each rank needs at least one map per step)");
  if (micro_batch < 1) throw std::invalid_argument("--micro-batch: must be >= 1");
  if (coords_per_map < 1) throw std::invalid_argument("--coords-per-map: must be >= 1");
  if (steps_per_batch < 1) throw std::invalid_argument("--steps-per-batch: must be >= 1");
  if (validation_maps < 1) throw std::invalid_argument("--validation-maps: must be >= 1");
  if (!(learning_rate > 0 && std::isfinite(learning_rate))) throw std::invalid_argument("--lr: must be > 0");
  if (!(weight_decay >= 0 && std::isfinite(weight_decay)))
    throw std::invalid_argument("--weight-decay: must be >= 0");
  if (!(clip_norm >= 0 && std::isfinite(clip_norm))) throw std::invalid_argument("--clip-norm: must be >= 0");
  if (stop_after < 0) throw std::invalid_argument("--stop-after: must be >= 0");
  if (check_replicas_every < 0) throw std::invalid_argument("--check-replicas: must be >= 1");
  if (validate_every < 1 || checkpoint_every < 1)
    throw std::invalid_argument("--validate-every/--checkpoint-every: must be >= 1");
  // One forward/backward pass holds micro-batch x coords-per-map queries: their activations, the copies
  // autograd keeps and their gradients, about three times the forward's.
  const long per_pass = std::min(micro_batch, (global_batch + ranks - 1) / ranks);
  const double queries = static_cast<double>(per_pass) * static_cast<double>(coords_per_map);
  require_memory(queries * model_options(1.0).activation_floats_per_query() * 4 * 3,
                 "--micro-batch x --coords-per-map (" + std::to_string(per_pass) + " x " +
                     std::to_string(coords_per_map) + " queries per pass)");
  for (const auto& path : training_sets)
    if (!std::filesystem::exists(path)) throw io::Error(path, "reading a training set", "no such file");
  auto inputs = training_sets;  // no output may overwrite one of them
  if (!init_weights.empty()) {
    inputs.push_back(init_weights);
    if (!std::filesystem::exists(init_weights))
      throw io::Error(init_weights, "reading the initial weights (--init-weights)", "no such file");
    // The learned patch comes with the weights; a layout for a new one would be silently ignored.
    if (patch_radius != 0 || ring_spacing != RingSpacing::Linear)
      throw std::invalid_argument(
          "--patch-radius/--ring-spacing: the sampling patch comes with --init-weights; drop them");
  }
  io::check_writable(output, overwrite);
  io::check_writable(checkpoint_path(), true);  // replaced at every checkpoint
  // The log is an output too: a resumed run appends to it, a new one replaces it only with --overwrite.
  io::check_writable(log_path(), overwrite || resume);
  for (const auto& out : {output, checkpoint_path(), log_path()}) io::check_not_an_input(out, inputs);
  io::check_distinct_outputs({output, checkpoint_path(), log_path()});
}

models::LofiOptions TrainConfig::model_options(double train_pixel_arcmin) const {
  auto o = model_size == ModelSize::Published ? models::LofiOptions::published()
           : model_size == ModelSize::Medium  ? models::LofiOptions::medium()
                                              : models::LofiOptions::compact();
  o.extra_channels = noise_channel ? 1 : 0;
  o.train_pixel_arcmin = train_pixel_arcmin;
  if (wiener_channel) {
    // The prior covers every grid a model meets: 0.1' to 10 deg pixels' multipoles.
    AngularSpectrum prior;
    if (!wiener_prior_file.empty()) {
      prior = read_cl_table(wiener_prior_file);
    } else {
      SourceDistribution sources;
      sources.z_single = 1.0;
      prior = convergence_cl_limber(Cosmology(planck2015_tng()), sources, log_ell_grid(1, 3e5, 400));
    }
    o.extra_channels = 2;
    o.wiener_channel = true;
    o.wiener_prior_ell = prior.ell, o.wiener_prior_cl = prior.cl;
  }
  return o;
}

}  // namespace lofimap::pipeline
