// The `lofimap` subcommands. Each registers its options on the CLI11 app and returns the action to run once
// parsing succeeded. Subcommands parse options into validated structs and call into pipeline/; no science
// here.
#pragma once

#include <CLI/CLI.hpp>

#include <cctype>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/core/compute_device.hpp"
#include "pipeline/core/enum_names.hpp"

namespace lofimap::jobs {

struct GlobalOptions {
  int threads = 0;  // 0: the cores available to the process
  bool quiet = false;
  std::string command_line;
};

using Action = std::function<int()>;

// An option whose value is one of a fixed set of names, stored as an enum. A wrong name is a parse error
// (exit 2) that lists the names: "--loss: expected l1 or l2, got 'l3'". Names match case-insensitively.
template <typename E>
CLI::Option* add_choice(CLI::App* cmd, const std::string& flags, E& target,
                        const pipeline::EnumNames<E>& choices, const std::string& help) {
  const std::string names = pipeline::listed(choices);
  auto lower = [](std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  std::string current;
  for (const auto& [name, value] : choices)
    if (value == target) current = name;
  auto* opt = cmd->add_option_function<std::string>(
      flags,
      [&target, choices, lower](const std::string& v) {
        for (const auto& [name, value] : choices)
          if (name == lower(v)) target = value;
      },
      help + ": " + names);
  opt->check(CLI::Validator(
      [choices, names, lower](std::string& v) -> std::string {
        for (const auto& [name, value] : choices)
          if (name == lower(v)) return "";
        return "expected " + names + ", got '" + v + "'";
      },
      "", "choice"));
  opt->default_str(current);
  return opt;
}

// --device cpu|cuda.
inline CLI::Option* add_device_option(CLI::App* cmd, pipeline::ComputeDevice& device) {
  return add_choice(cmd, "--device", device, pipeline::device_names(),
                    "where LoFi runs (cuda: the node-local GPU of each rank)");
}

inline CLI::Option* add_precision_option(CLI::App* cmd, pipeline::Precision& precision) {
  return add_choice(
      cmd, "--precision", precision, pipeline::precision_names(),
      "arithmetic of LoFi's forward passes (tf32: CUDA TensorFloat-32 matrix products; bf16: autocast, "
      "bfloat16 matrix products with float32 FFTs and sums)");
}

// Several options leave their value at 0 to mean "not given, use the default"; a user who types 0 must hear
// that 0 is not a value, not get the default silently. Attach to such options: values <= 0 (and NaN) are a
// parse error (exit 2): "--npix: must be > 0 (leave the option out for its default), got '0'".
inline CLI::Option* positive_only(CLI::Option* opt) {
  return opt->check(CLI::Validator(
      [](std::string& v) -> std::string {
        double x = 0;
        try {
          size_t used = 0;
          x = std::stod(v, &used);
          if (used != v.size()) return "";  // not a number: CLI11's own conversion reports it
        } catch (const std::exception&) {
          return "";
        }
        if (x > 0) return "";
        return "must be > 0 (leave the option out for its default), got '" + v + "'";
      },
      "", "positive"));
}

// A whole number in [lo, hi], checked on the text before CLI11 converts it: CLI11 saturates an integer that
// overflows (a 23-digit --npix became 2^63 - 1 and was blamed on the memory it needs) and wraps "-1" into an
// unsigned seed. Anything else is a parse error (exit 2) naming the option and the range.
inline CLI::Option* whole_number(CLI::Option* opt, long long lo, unsigned long long hi) {
  return opt->check(CLI::Validator(
      [lo, hi](std::string& v) -> std::string {
        const std::string range = std::to_string(lo) + ".." + std::to_string(hi);
        const std::string digits = !v.empty() && (v[0] == '-' || v[0] == '+') ? v.substr(1) : v;
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
          return "expected a whole number in " + range + ", got '" + v + "'";
        try {
          const unsigned long long magnitude = std::stoull(digits);
          const bool inside =
              v[0] == '-' ? lo < 0 && magnitude <= static_cast<unsigned long long>(-(lo + 1)) + 1
                          : magnitude <= hi && (lo <= 0 || magnitude >= static_cast<unsigned long long>(lo));
          if (inside) return "";
        } catch (const std::out_of_range&) {
        }
        return "must lie in " + range + ", got '" + v + "'";
      },
      "", "whole number"));
}

void register_version(CLI::App& app, const GlobalOptions& global, Action& action);
void register_info(CLI::App& app, const GlobalOptions& global, Action& action);
void register_ks(CLI::App& app, const GlobalOptions& global, Action& action);
void register_simulate(CLI::App& app, const GlobalOptions& global, Action& action);
void register_train(CLI::App& app, const GlobalOptions& global, Action& action);
void register_map(CLI::App& app, const GlobalOptions& global, Action& action);
void register_eval(CLI::App& app, const GlobalOptions& global, Action& action);
void register_ks_smoothing(CLI::App& app, const GlobalOptions& global, Action& action);
void register_calibrate(CLI::App& app, const GlobalOptions& global, Action& action);
void register_peaks(CLI::App& app, const GlobalOptions& global, Action& action);
void register_profile(CLI::App& app, const GlobalOptions& global, Action& action);
void register_null_test(CLI::App& app, const GlobalOptions& global, Action& action);

}  // namespace lofimap::jobs
