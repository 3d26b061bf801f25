// Wall-clock timing of the phases of a job (ingest, binning, transform, output), reported with its summary so
// that users and benchmarks see where the time goes; with each phase's system CPU time and minor page faults
// (the kernel's share: memory touched for the first time, or handed back and touched again).
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace lofimap::pipeline {

// The process's system CPU time and minor page faults so far (all threads).
struct KernelUse {
  double system_seconds = 0;
  long long faults = 0;

  static KernelUse now() {
    rusage r{};
    getrusage(RUSAGE_SELF, &r);
    return {static_cast<double>(r.ru_stime.tv_sec) + 1e-6 * static_cast<double>(r.ru_stime.tv_usec),
            static_cast<long long>(r.ru_minflt)};
  }
  KernelUse operator-(const KernelUse& o) const {
    return {system_seconds - o.system_seconds, faults - o.faults};
  }
  KernelUse& operator+=(const KernelUse& o) {
    system_seconds += o.system_seconds, faults += o.faults;
    return *this;
  }
};

class PhaseTimer {
 public:
  // Ends the current phase (if any) and records it under `name`.
  void lap(const std::string& name) {
    record(name, std::chrono::duration<double>(std::chrono::steady_clock::now() - last_).count(),
           KernelUse::now() - last_use_);
  }
  // Records a phase timed by the caller (phases that alternate, such as the waves of an exchange and the
  // mapping between them, summed) and restarts the clock for the next lap.
  void record(const std::string& name, double seconds, const KernelUse& used) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%s%s %.3f s (system %.2f s, %lld page faults)", text_.empty() ? "" : ", ",
                  name.c_str(), seconds, used.system_seconds, used.faults);
    text_ += buf;
    last_ = std::chrono::steady_clock::now();
    last_use_ = KernelUse::now();
  }
  double total_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  const std::string& text() const { return text_; }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_ = start_;
  KernelUse last_use_ = KernelUse::now();
  std::string text_;
};

}  // namespace lofimap::pipeline
