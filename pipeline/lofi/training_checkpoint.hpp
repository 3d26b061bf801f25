// Training checkpoints: the model's options and parameters, the optimiser state, the step reached and a
// record of the training options. Written atomically (a crash mid-write leaves the previous checkpoint), by
// rank 0 only; every rank resumes from the same file.
#pragma once

#include <torch/torch.h>

#include <string>

#include "models/field_model.hpp"
#include "pipeline/products/train_config.hpp"

namespace lofimap::pipeline {

void save_training_checkpoint(const std::string& path, models::FieldModel& net,
                              torch::optim::Optimizer& optimizer, long step, const TrainConfig& config);
// Restores net and optimizer; returns the step to continue from. Throws std::runtime_error naming the file
// when it is missing or unreadable, std::invalid_argument when it holds a different model or was made by a
// run with other training options than `config` (TrainConfig::resume_difference).
long load_training_checkpoint(const std::string& path, models::FieldModel& net,
                              torch::optim::Optimizer& optimizer, const TrainConfig& config);

}  // namespace lofimap::pipeline
