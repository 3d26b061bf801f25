// What a training run reports, on rank 0 only: a CSV line per step (step, lr, loss, validation RMSE and r,
// seconds), a progress bar on a terminal, and a log line at every validation (and every 20 steps in batch
// jobs, whose stderr is a file).
#pragma once

#include <fstream>
#include <string>

#include "distributed/communicator.hpp"
#include "pipeline/core/progress_bar.hpp"
#include "pipeline/products/train_config.hpp"

namespace lofimap::pipeline {

struct ValidationScore {
  double rmse = 0, pearson = 0;
};

class TrainingLog {
 public:
  // Appends to an existing CSV when resuming, else starts it afresh.
  TrainingLog(const TrainConfig& config, const distributed::Communicator& comm, long first_step);
  // After step `done` (1-based count of steps completed); `validation` when the model was validated.
  void step(long done, double lr, double loss, const ValidationScore* validation, double elapsed_seconds,
            double reduce_wait_seconds);
  void stopped(long step, bool budget_spent, const std::string& checkpoint);

 private:
  const TrainConfig& config_;
  bool root_;
  long first_step_;
  std::ofstream csv_;
  ProgressBar bar_;
};

}  // namespace lofimap::pipeline
