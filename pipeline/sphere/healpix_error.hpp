// HEALPix C++ reports failures by throwing PlanckError, which does not derive from std::exception: one that
// escapes a pipeline function would reach the command line's exit-code table as an unknown object. This
// names it there, for every HEALPix call at once (HEALPix headers stay in this room's .cpp files).
#pragma once

#include <exception>
#include <string>

namespace lofimap::pipeline {

// The message of the HEALPix PlanckError held by `error`; "" when it holds anything else (or nothing).
std::string healpix_error_message(const std::exception_ptr& error);

}  // namespace lofimap::pipeline
