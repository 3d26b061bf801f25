#include "jobs/exit_codes.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "distributed/communicator.hpp"
#include "io/error.hpp"

namespace lofimap::jobs {

namespace {

int exit_code_of(const std::function<int()>& action) {
  try {
    return action();
  } catch (const std::invalid_argument& e) {
    spdlog::error("{}", e.what());
    return kBadOption;
  } catch (const io::Error& e) {
    spdlog::error("{}", e.what());
    return kFileProblem;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return kFailure;
  }
}

}  // namespace

int run_with_exit_code(const std::function<int()>& action) {
  const int code = exit_code_of(action);
  // Under mpirun/srun the other ranks may be waiting in a collective for this one: end them all.
  if (code != kSuccess) distributed::abort_all_ranks(code);
  return code;
}

}  // namespace lofimap::jobs
