#include "pipeline/core/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace lofimap::pipeline {

ProgressBar::ProgressBar(std::string label, long total, long start)
    : label_(std::move(label)),
      total_(std::max(1L, total)),
      start_(start),
      enabled_(::isatty(STDERR_FILENO) == 1),
      t0_(std::chrono::steady_clock::now()),
      last_draw_(t0_ - std::chrono::seconds(1)) {}

ProgressBar::~ProgressBar() {
  if (drawn_) std::fputc('\n', stderr);
}

void ProgressBar::update(long done, const std::string& extra) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - t0_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done - start_) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
  constexpr int width = 30;
  const int filled = static_cast<int>(width * static_cast<double>(done) / static_cast<double>(total_));
  std::string bar(static_cast<size_t>(std::clamp(filled, 0, width)), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r%s [%s] %ld/%ld %5.1f%%  %.2f/s  ETA %02ld:%02ld:%02ld %s\033[K", label_.c_str(),
               bar.c_str(), done, total_, 100.0 * static_cast<double>(done) / static_cast<double>(total_),
               rate, static_cast<long>(eta) / 3600, static_cast<long>(eta) / 60 % 60,
               static_cast<long>(eta) % 60, extra.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace lofimap::pipeline
