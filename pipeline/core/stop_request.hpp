// A request to stop a long job early (SIGTERM or SIGUSR1 from a batch system's pre-emption notice, SIGINT,
// SIGHUP): the job finishes its current piece of work (a region, a training step), saves its progress and
// exits 4; `--resume` continues. A second SIGINT ends the process at once. One flag per process: core is a
// shared library used by the executable and the LibTorch plugin alike.
#pragma once

namespace lofimap::pipeline {

void install_stop_signals();
bool stop_requested();
void request_stop();        // the same, from code (tests)
void clear_stop_request();  // a new job in the same process (tests) starts without the last one's request

}  // namespace lofimap::pipeline
