// A one-line progress bar with rate and ETA, redrawn in place on stderr when stderr is a terminal. In batch
// jobs (stderr a file) it stays silent and the periodic log lines carry the progress instead.
#pragma once

#include <chrono>
#include <string>

namespace lofimap::pipeline {

class ProgressBar {
 public:
  ProgressBar(std::string label, long total, long start = 0);
  ~ProgressBar();
  bool enabled() const { return enabled_; }
  // Redraws at most ten times a second (and always at the end); `extra` follows the ETA.
  void update(long done, const std::string& extra = "");
  // Erases the bar so that a log line can be printed; the next update draws it again.
  void clear();

 private:
  std::string label_;
  long total_, start_;
  bool enabled_, drawn_ = false;
  std::chrono::steady_clock::time_point t0_, last_draw_;
};

}  // namespace lofimap::pipeline
