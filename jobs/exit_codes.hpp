// The one table from exceptions to the exit codes of `lofimap` (the same for every subcommand, and for work
// done inside the LibTorch plugin, whose exceptions reach here unchanged):
//   0 success, 1 anything else (a bug, an MPI failure, a HEALPix PlanckError: named as such), 2 a bad option or value (std::invalid_argument),
//   3 a file that cannot be read or written (io::Error), 4 training stopped before its last step (a signal or
//   --stop-after) after writing a checkpoint: continue with --resume.
#pragma once

#include <functional>

namespace lofimap::jobs {

enum ExitCode { kSuccess = 0, kFailure = 1, kBadOption = 2, kFileProblem = 3, kStopped = 4 };

// Runs the action and returns its code, or logs the message of anything it throws and returns the matching
// code. Under MPI with more than one rank an exception ends every rank (MPI_Abort with the code): a rank that
// stops early must not leave the others waiting in a collective.
int run_with_exit_code(const std::function<int()>& action);

}  // namespace lofimap::jobs
