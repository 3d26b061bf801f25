// The `lofimap` subcommands. Each registers its options on the CLI11 app and returns the action to run once
// parsing succeeded. Subcommands parse options into validated structs and call into pipeline/; no science here.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace lofimap::jobs {

struct GlobalOptions {
  int threads = 0;  // 0: the cores available to the process
  bool quiet = false;
  std::string command_line;
};

using Action = std::function<int()>;

void register_version(CLI::App& app, const GlobalOptions& global, Action& action);
void register_info(CLI::App& app, const GlobalOptions& global, Action& action);
void register_ks(CLI::App& app, const GlobalOptions& global, Action& action);
void register_simulate(CLI::App& app, const GlobalOptions& global, Action& action);
void register_train(CLI::App& app, const GlobalOptions& global, Action& action);
void register_map(CLI::App& app, const GlobalOptions& global, Action& action);
void register_eval(CLI::App& app, const GlobalOptions& global, Action& action);
void register_ks_smoothing(CLI::App& app, const GlobalOptions& global, Action& action);

}  // namespace lofimap::jobs
