// Entry point of the `lofimap` command: parses options, sets up MPI and threads, runs one subcommand, and
// maps exceptions to exit codes (jobs/exit_codes.hpp).
#include <sched.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string>

#include "distributed/communicator.hpp"
#include "io/atomic_output.hpp"
#include "jobs/command.hpp"
#include "jobs/config_file.hpp"
#include "jobs/exit_codes.hpp"
#include "pipeline/core/heap_policy.hpp"
#include "pipeline/products/lofi_plugin.hpp"

namespace {

// SIGTERM, SIGINT and SIGHUP outside training (which checkpoints instead): remove the temporary files of
// unfinished outputs, then die of the signal as the default action would.
extern "C" void on_fatal_signal(int sig) {
  lofimap::io::remove_temporary_outputs();  // io is one shared library: the plugin's outputs are listed too
  // Where it stopped, with write(2): the only output a signal handler may make. Region maps and training
  // catch these signals themselves (they stop between regions or steps and say how to resume).
  static const char message[] =
      "lofimap: stopped by a signal; unfinished outputs were removed and earlier files are untouched. This "
      "command keeps no partial progress: run it again to make its outputs.\n";
  [[maybe_unused]] const auto written = ::write(STDERR_FILENO, message, sizeof message - 1);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  lofimap::pipeline::request_huge_pages(argv);  // may execute this program again, with the same arguments
  // Blocks of 4 MiB and more are mapped and returned to the system when freed
  // (pipeline/core/heap_policy.hpp).
  lofimap::pipeline::set_default_heap_policy();
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) std::signal(sig, on_fatal_signal);
  lofimap::distributed::MpiSession mpi(&argc, &argv);
  const auto comm = lofimap::distributed::Communicator::world();
  // Log lines, warnings and errors go to stderr; stdout carries only what a command prints as its result.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("lofimap"));
  spdlog::set_pattern(comm.size() > 1 ? "[%H:%M:%S rank " + std::to_string(comm.rank()) + "] %v"
                                      : "[%H:%M:%S] %v");
  if (!comm.is_root()) spdlog::set_level(spdlog::level::warn);

  lofimap::jobs::GlobalOptions global;
  for (int i = 0; i < argc; ++i) global.command_line += (i ? " " : "") + std::string(argv[i]);

  CLI::App app{"lofimap: weak-lensing mass maps (Kaiser-Squires, LoFi) from shear catalogues"};
  lofimap::jobs::add_config_option(app);
  app.add_option("--threads", global.threads, "threads for torch, OpenMP and FFTW (default: cores available)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("-q,--quiet", global.quiet, "only warnings and errors");
  app.require_subcommand(1);
  lofimap::jobs::Action action;
  lofimap::jobs::register_version(app, global, action);
  lofimap::jobs::register_info(app, global, action);
  lofimap::jobs::register_ks(app, global, action);
  lofimap::jobs::register_ks_smoothing(app, global, action);
  lofimap::jobs::register_calibrate(app, global, action);
  lofimap::jobs::register_simulate(app, global, action);
  lofimap::jobs::register_train(app, global, action);
  lofimap::jobs::register_map(app, global, action);
  lofimap::jobs::register_eval(app, global, action);
  lofimap::jobs::register_peaks(app, global, action);
  lofimap::jobs::register_profile(app, global, action);
  lofimap::jobs::register_null_test(app, global, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? lofimap::jobs::kSuccess : lofimap::jobs::kBadOption;
  }
  if (global.quiet) spdlog::set_level(spdlog::level::warn);
  // More threads than this machine can run gains nothing, and OpenMP runtimes crash on absurd counts.
  if (global.threads > 16 * available_cores()) {
    spdlog::error("--threads {}: more than 16 x the {} cores available to this process", global.threads,
                  available_cores());
    return lofimap::jobs::kBadOption;
  }
  const int threads = global.threads > 0 ? global.threads : available_cores();
  lofimap::pipeline::configure_threads(threads);
  // Every rank must make the same product (ranks given different outputs or options, an MPMD launch, would
  // write only rank 0's). `train` compares its options itself, naming the option.
  if (comm.size() > 1 && app.get_subcommands().front()->get_name() != "train") {
    std::vector<std::string> words(argv, argv + argc);
    action = [inner = action, words, comm] {
      std::string mine;
      for (const auto& w : words) mine += w + '\n';
      const std::string root = comm.broadcast(mine);
      if (root != mine) {
        std::vector<std::string> theirs;
        std::istringstream in(root);
        for (std::string w; std::getline(in, w);) theirs.push_back(w);
        std::size_t i = 0;
        while (i < theirs.size() && i < words.size() && theirs[i] == words[i]) ++i;
        const auto word = [](const std::vector<std::string>& v, std::size_t k) {
          return k < v.size() ? "'" + v[k] + "'" : std::string("nothing");
        };
        throw std::invalid_argument("rank " + std::to_string(comm.rank()) +
                                    " was started with other options than rank 0: word " + std::to_string(i) +
                                    " of the command line is " + word(theirs, i) + " on rank 0, " +
                                    word(words, i) + " here");
      }
      return inner();
    };
  }

  return lofimap::jobs::run_with_exit_code(action);
}
