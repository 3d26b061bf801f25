#include "jobs/exit_codes.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <utility>

#include "distributed/communicator.hpp"
#include "io/error.hpp"

namespace lofimap::jobs {

namespace {

// The code, and whether it came from an exception.
std::pair<int, bool> exit_code_of(const std::function<int()>& action) {
  try {
    return {action(), false};
  } catch (const std::invalid_argument& e) {
    spdlog::error("{}", e.what());
    return {kBadOption, true};
  } catch (const io::Error& e) {
    spdlog::error("{}", e.what());
    return {kFileProblem, true};
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return {kFailure, true};
  }
}

}  // namespace

int run_with_exit_code(const std::function<int()>& action) {
  const auto [code, threw] = exit_code_of(action);
  // Under mpirun/srun the other ranks may be waiting in a collective for this one: end them all.
  if (threw) distributed::abort_all_ranks(code);
  return code;
}

}  // namespace lofimap::jobs
