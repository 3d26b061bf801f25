// Wall-clock timing of the phases of a job (ingest, binning, transform, output), reported with its summary so
// that users and benchmarks see where the time goes.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace lofimap::pipeline {

class PhaseTimer {
 public:
  // Ends the current phase (if any) and records it under `name`.
  void lap(const std::string& name) {
    record(name, std::chrono::duration<double>(std::chrono::steady_clock::now() - last_).count());
  }
  // Records a phase timed by the caller (phases that alternate, such as the waves of an exchange and the
  // mapping between them, summed) and restarts the clock for the next lap.
  void record(const std::string& name, double seconds) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s %.3f s", text_.empty() ? "" : ", ", name.c_str(), seconds);
    text_ += buf;
    last_ = std::chrono::steady_clock::now();
  }
  double total_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  const std::string& text() const { return text_; }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_ = start_;
  std::string text_;
};

}  // namespace lofimap::pipeline
