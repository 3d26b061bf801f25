// The request to stop training early: SIGTERM and SIGUSR1 (what SLURM sends before a time limit or
// pre-emption), SIGINT (Ctrl-C; a second one ends the process at once) and SIGHUP (a closed terminal) set it,
// and the training loop checkpoints and returns after the step it is in. One flag per process, held here.
#pragma once

namespace lofimap::pipeline {

void install_training_stop_signals();
void request_training_stop();  // the same, from code (tests)
void clear_training_stop();
bool training_stop_requested();

}  // namespace lofimap::pipeline
