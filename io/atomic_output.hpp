// Outputs are written to a temporary name beside the target and renamed into place only when complete, so a
// failed or interrupted run never leaves a truncated file and never destroys an earlier result. The temporary
// file lives in a private folder made for it (mkdtemp: created exclusively, mode 0700), so nobody can plant a
// symbolic link at its name for a writer (CFITSIO, HDF5, streams) to follow.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lofimap::io {

class AtomicOutput {
 public:
  // Checks up front (before any work is done) that the target may be written: its folder exists and is a
  // folder, its name fits the filesystem, it is not a dangling link, and it does not exist unless overwrite
  // is set. Throws io::Error otherwise. Without overwrite, commit() refuses too when the target appeared
  // meanwhile (another run): the move into place is then an exclusive hard link.
  AtomicOutput(std::string target, bool overwrite);
  ~AtomicOutput();  // removes the temporary file (and its private folder) unless committed
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::string& target() const { return target_; }
  const std::string& temp_path() const { return temp_; }
  void commit();  // move temp -> target

  // The names a signal handler removes (fixed while the object lives).
  struct Names {
    const char* file = nullptr;
    const char* previous = nullptr;
    const char* folder = nullptr;
  };

 private:
  friend void commit_together(const std::vector<AtomicOutput*>& outputs);
  void keep_previous();  // hard link of the target as it was, for a rollback
  void place();          // temp -> target (exclusive without overwrite)
  void undo_place();     // back to the target as it was before place()
  void finish();         // drop the previous copy and the private folder

  std::string target_, folder_, temp_, previous_;
  Names names_;
  bool overwrite_ = false, committed_ = false, placed_ = false, has_previous_ = false;
};

// Commits a product's files together or not at all: when moving one of them into place fails, the ones
// already moved are put back as they were (an earlier file restored, a new one removed) and the error is
// rethrown.
void commit_together(const std::vector<AtomicOutput*>& outputs);

// Removes the temporary files of every AtomicOutput alive in this process (async-signal-safe: only unlink and
// rmdir). A signal handler calls it before the process dies, so a killed run leaves no half-written
// temporaries behind.
void remove_temporary_outputs() noexcept;

// The same pre-flight check without creating anything (used to validate every output before a long job).
void check_writable(const std::string& target, bool overwrite);

// Throws io::Error when `target`'s name is longer than its filesystem allows, or its temporary's path would
// pass PATH_MAX (the folder need not exist yet: region files inside <output>.parts/ are checked up front).
// `limit`: the longest path the writer accepts (CFITSIO: kMaxFitsPath).
void check_path_length(const std::string& target, std::size_t limit = 4095);

// CFITSIO refuses file names of more than FLEN_FILENAME - 1 = 1024 bytes (a 3,822-byte path failed only after
// every region was mapped).
constexpr std::size_t kMaxFitsPath = 1024;

// Throws io::Error naming both when `output` is the same file as one of `inputs` (also through another path
// or a link): writing it, even with --overwrite, would destroy an input of the same run.
void check_not_an_input(const std::string& output, const std::vector<std::string>& inputs);

// Throws io::Error when two of a run's outputs are the same file or name (a log written over the model, a
// quick-look over the map): the later one would silently replace the earlier.
void check_distinct_outputs(const std::vector<std::string>& outputs);

}  // namespace lofimap::io
