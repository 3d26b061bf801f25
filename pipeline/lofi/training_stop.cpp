#include "pipeline/lofi/training_stop.hpp"

#include <atomic>
#include <csignal>

namespace lofimap::pipeline {

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) {
  g_stop.store(true);
}
}  // namespace

void install_training_stop_signals() {
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGUSR1, on_stop_signal);
}

void request_training_stop() {
  g_stop.store(true);
}
void clear_training_stop() {
  g_stop.store(false);
}
bool training_stop_requested() {
  return g_stop.load();
}

}  // namespace lofimap::pipeline
