// The project's own exception for everything that touches a file. CFITSIO status codes, HDF5's error stack
// and HEALPix's PlanckError are all converted into this type inside io/, so callers see one type that names
// the file and what was being done with it.
#pragma once

#include <stdexcept>
#include <string>

namespace lofimap::io {

class Error : public std::runtime_error {
 public:
  Error(const std::string& file, const std::string& action, const std::string& detail)
      : std::runtime_error(file + ": " + action + ": " + detail), file_(file) {}
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

}  // namespace lofimap::io
