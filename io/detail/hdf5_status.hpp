// Internal to io/: HDF5 reports failures through its error stack; these turn a failed call into io::Error
// with the innermost message (the automatic printing is silenced by the writers).
#pragma once

#include <hdf5.h>

#include <string>

namespace lofimap::io::detail {

// Throws io::Error naming the file and the action, with HDF5's innermost message, and clears the stack.
[[noreturn]] void throw_hdf5_error(const std::string& file, const std::string& action);

// Returns id when it is valid (>= 0); throws as above otherwise.
template <typename T>
T check_hdf5(T id, const std::string& file, const std::string& action) {
  if (id < 0) throw_hdf5_error(file, action);
  return id;
}

}  // namespace lofimap::io::detail
