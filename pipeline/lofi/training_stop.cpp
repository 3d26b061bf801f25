#include "pipeline/lofi/training_stop.hpp"

#include <atomic>
#include <csignal>

namespace lofimap::pipeline {

namespace {
std::atomic<bool> g_stop{false};
// A second Ctrl-C while the first is being honoured ends the process at once (the default action).
extern "C" void on_stop_signal(int sig) {
  if (sig == SIGINT && g_stop.load()) {
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
  }
  g_stop.store(true);
}
}  // namespace

void install_training_stop_signals() {
  for (int sig : {SIGTERM, SIGUSR1, SIGINT, SIGHUP}) std::signal(sig, on_stop_signal);
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
