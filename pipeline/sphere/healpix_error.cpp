#include "pipeline/sphere/healpix_error.hpp"

#include <error_handling.h>

namespace lofimap::pipeline {

std::string healpix_error_message(const std::exception_ptr& error) {
  if (!error) return "";
  try {
    std::rethrow_exception(error);
  } catch (const PlanckError& e) {
    const std::string what = e.what();
    return what.empty() ? "PlanckError without a message" : what;
  } catch (...) {
    return "";
  }
}

}  // namespace lofimap::pipeline
