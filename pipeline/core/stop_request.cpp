#include "pipeline/core/stop_request.hpp"

#include <atomic>
#include <csignal>

namespace lofimap::pipeline {

namespace {
std::atomic<bool> g_stop{false};
// A second Ctrl-C while the first is being honoured ends the process at once (the default action).
extern "C" void on_stop(int sig) {
  if (sig == SIGINT && g_stop.load()) {
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
  }
  g_stop.store(true);
}
}  // namespace

void install_stop_signals() {
  for (int sig : {SIGTERM, SIGUSR1, SIGINT, SIGHUP}) std::signal(sig, on_stop);
}
bool stop_requested() {
  return g_stop.load();
}
void request_stop() {
  g_stop.store(true);
}
void clear_stop_request() {
  g_stop.store(false);
}

}  // namespace lofimap::pipeline
