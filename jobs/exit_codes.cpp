#include "jobs/exit_codes.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "io/error.hpp"

namespace lofimap::jobs {

int run_with_exit_code(const std::function<int()>& action) {
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

}  // namespace lofimap::jobs
