// Outputs are written to a temporary name beside the target and renamed into place only when complete, so a
// failed or interrupted run never leaves a truncated file and never destroys an earlier result.
#pragma once

#include <string>
#include <vector>

namespace lofimap::io {

class AtomicOutput {
 public:
  // Checks up front (before any work is done) that the target may be written: its folder exists and is a
  // folder, and the target does not exist unless overwrite is set. Throws io::Error otherwise. Without
  // overwrite, commit() refuses too when the target appeared meanwhile (another run): the rename itself is
  // exclusive.
  AtomicOutput(std::string target, bool overwrite);
  ~AtomicOutput();  // removes the temporary file unless committed
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::string& target() const { return target_; }
  const std::string& temp_path() const { return temp_; }
  void commit();  // rename temp -> target

 private:
  std::string target_, temp_;
  bool overwrite_ = false, committed_ = false;
};

// Removes the temporary files of every AtomicOutput alive in this process (async-signal-safe: only unlink). A
// signal handler calls it before the process dies, so a killed run leaves no half-written temporaries behind.
void remove_temporary_outputs() noexcept;

// The same pre-flight check without creating anything (used to validate every output before a long job).
void check_writable(const std::string& target, bool overwrite);

// Throws io::Error naming both when `output` is the same file as one of `inputs` (also through another path
// or a link): writing it, even with --overwrite, would destroy an input of the same run.
void check_not_an_input(const std::string& output, const std::vector<std::string>& inputs);

}  // namespace lofimap::io
