#include "pipeline/lofi_train_config.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace lofimap::pipeline {

std::string TrainConfig::to_json() const {
  nlohmann::json j = {{"training_sets", training_sets}, {"validation_maps", validation_maps},
                      {"model_size", model_size},     {"noise_channel", noise_channel},
                      {"steps", steps},               {"maps_per_step", maps_per_step},
                      {"coords_per_map", coords_per_map}, {"steps_per_batch", steps_per_batch},
                      {"jitter", jitter},             {"loss", loss},
                      {"optimizer", optimizer},       {"learning_rate", learning_rate},
                      {"weight_decay", weight_decay}, {"schedule", schedule},
                      {"clip_norm", clip_norm},       {"seed", seed},
                      {"validate_every", validate_every}, {"checkpoint_every", checkpoint_every},
                      {"checkpoint", checkpoint},     {"resume", resume},
                      {"stop_after", stop_after},
                      {"output", output},             {"log_csv", log_csv},
                      {"overwrite", overwrite},       {"command_line", command_line}};
  return j.dump();
}

TrainConfig TrainConfig::from_json(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  TrainConfig c;
  c.training_sets = j.at("training_sets").get<std::vector<std::string>>();
  c.validation_maps = j.at("validation_maps");
  c.model_size = j.at("model_size");
  c.noise_channel = j.at("noise_channel");
  c.steps = j.at("steps");
  c.maps_per_step = j.at("maps_per_step");
  c.coords_per_map = j.at("coords_per_map");
  c.steps_per_batch = j.at("steps_per_batch");
  c.jitter = j.at("jitter");
  c.loss = j.at("loss");
  c.optimizer = j.at("optimizer");
  c.learning_rate = j.at("learning_rate");
  c.weight_decay = j.at("weight_decay");
  c.schedule = j.at("schedule");
  c.clip_norm = j.at("clip_norm");
  c.seed = j.at("seed");
  c.validate_every = j.at("validate_every");
  c.checkpoint_every = j.at("checkpoint_every");
  c.checkpoint = j.at("checkpoint");
  c.resume = j.at("resume");
  c.stop_after = j.at("stop_after");
  c.output = j.at("output");
  c.log_csv = j.at("log_csv");
  c.overwrite = j.at("overwrite");
  c.command_line = j.at("command_line");
  return c;
}

void TrainConfig::validate() const {
  if (training_sets.empty()) throw std::invalid_argument("--training-set: required");
  if (output.empty()) throw std::invalid_argument("--output: required");
  if (model_size != "compact" && model_size != "published")
    throw std::invalid_argument("--model-size: compact or published (got '" + model_size + "')");
  if (steps < 1) throw std::invalid_argument("--steps: must be >= 1");
  if (maps_per_step < 1) throw std::invalid_argument("--maps-per-step: must be >= 1");
  if (coords_per_map < 1) throw std::invalid_argument("--coords-per-map: must be >= 1");
  if (steps_per_batch < 1) throw std::invalid_argument("--steps-per-batch: must be >= 1");
  if (validation_maps < 1) throw std::invalid_argument("--validation-maps: must be >= 1");
  if (loss != "l1" && loss != "l2") throw std::invalid_argument("--loss: l1 or l2 (got '" + loss + "')");
  if (optimizer != "adam" && optimizer != "adamw") throw std::invalid_argument("--optimizer: adam or adamw");
  if (schedule != "cosine" && schedule != "step" && schedule != "constant")
    throw std::invalid_argument("--schedule: cosine, step or constant");
  if (!(learning_rate > 0)) throw std::invalid_argument("--lr: must be > 0");
  if (clip_norm < 0) throw std::invalid_argument("--clip-norm: must be >= 0");
  if (stop_after < 0) throw std::invalid_argument("--stop-after: must be >= 0");
  if (validate_every < 1 || checkpoint_every < 1)
    throw std::invalid_argument("--validate-every/--checkpoint-every: must be >= 1");
}

models::LofiOptions TrainConfig::model_options(double train_pixel_arcmin) const {
  auto o = model_size == "published" ? models::LofiOptions::published() : models::LofiOptions::compact();
  o.extra_channels = noise_channel ? 1 : 0;
  o.train_pixel_arcmin = train_pixel_arcmin;
  return o;
}

}  // namespace lofimap::pipeline
