// Outputs are written to a temporary name beside the target and renamed into place only when complete, so a
// failed or interrupted run never leaves a truncated file and never destroys an earlier result.
#pragma once

#include <string>

namespace lofimap::io {

class AtomicOutput {
 public:
  // Checks up front (before any work is done) that the target may be written: its folder exists and is a
  // folder, and the target does not exist unless overwrite is set. Throws io::Error otherwise.
  AtomicOutput(std::string target, bool overwrite);
  ~AtomicOutput();  // removes the temporary file unless committed
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::string& target() const { return target_; }
  const std::string& temp_path() const { return temp_; }
  void commit();  // rename temp -> target

 private:
  std::string target_, temp_;
  bool committed_ = false;
};

// The same pre-flight check without creating anything (used to validate every output before a long job).
void check_writable(const std::string& target, bool overwrite);

}  // namespace lofimap::io
