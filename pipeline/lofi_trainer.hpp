// Training LoFi on an HDF5 training set (torch: compiled into liblofimap_torch.so). Every random draw (maps,
// coordinates, jitter) comes from a stream keyed by (seed, step, rank), and the checkpoint holds the model,
// the optimiser state and the step, so a resumed run continues the uninterrupted run's loss curve exactly.
// Gradients are averaged over MPI ranks after backward (a flat all-reduce; no-op on one process).
#pragma once

#include <string>
#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/lofi_train_config.hpp"

namespace lofimap::pipeline {

struct TrainSummary {
  long first_step = 0, last_step = 0;  // steps run by this invocation: [first_step, last_step)
  std::vector<double> losses;          // per step run here
  double val_rmse = 0, val_pearson = 0;
  double seconds = 0;
  bool interrupted = false;  // stopped by SIGTERM/SIGUSR1 after writing a checkpoint
  std::string model_hash;
};

TrainSummary train_lofi(const TrainConfig& config, const distributed::Communicator& comm);

// SIGTERM and SIGUSR1 make the training loop checkpoint and return after the current step.
void install_training_stop_signals();
void request_training_stop();  // the same, from code (tests)

}  // namespace lofimap::pipeline
