// A request to stop a long job early (SIGTERM or SIGUSR1 from a batch system's pre-emption notice, SIGINT,
// SIGHUP): the job finishes its current piece of work, saves its progress and exits 4; `--resume` continues.
// A second SIGINT ends the process at once. (Training keeps its own flag inside the LibTorch plugin.)
#pragma once

namespace lofimap::pipeline {

void install_stop_signals();
bool stop_requested();
void request_stop();  // the same, from code (tests)

}  // namespace lofimap::pipeline
