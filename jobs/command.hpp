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
#include "pipeline/products/ks_product.hpp"

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
                        const std::vector<std::pair<std::string, E>>& choices, const std::string& help) {
  std::string names;
  for (size_t i = 0; i < choices.size(); ++i)
    names += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i].first;
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
  return add_choice(cmd, "--device", device,
                    {{"cpu", pipeline::ComputeDevice::Cpu}, {"cuda", pipeline::ComputeDevice::Cuda}},
                    "where LoFi runs (cuda: the node-local GPU of each rank)");
}

inline CLI::Option* add_precision_option(CLI::App* cmd, pipeline::Precision& precision) {
  return add_choice(
      cmd, "--precision", precision,
      {{"fp32", pipeline::Precision::Fp32},
       {"tf32", pipeline::Precision::Tf32},
       {"bf16", pipeline::Precision::Bf16}},
      "arithmetic of LoFi's forward passes: fp32, tf32 (CUDA: TensorFloat-32 matrix products) or "
      "bf16 (autocast: bfloat16 matrix products, float32 FFTs and sums)");
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

// --task I/N of the region maps (one share of a job array). A malformed value is a parse error (exit 2).
namespace detail {
inline CLI::Option* add_task_option(CLI::App* cmd, pipeline::KsConfig& config) {
  return cmd->add_option_function<std::string>(
      "--task",
      [&config](const std::string& v) {
        const auto slash = v.find('/');
        try {
          if (slash == std::string::npos) throw std::invalid_argument(v);
          size_t a = 0, b = 0;
          config.task = std::stoi(v.substr(0, slash), &a);
          config.tasks = std::stoi(v.substr(slash + 1), &b);
          if (a != slash || b != v.size() - slash - 1) throw std::invalid_argument(v);
        } catch (const std::exception&) {
          throw CLI::ValidationError("--task", "expected I/N (share I of N, from 0), got '" + v + "'");
        }
      },
      "with --regions: map share I of N (a job array: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT); the "
      "same "
      "command with --resume and without --task then writes the map");
}
}  // namespace detail

// The options of survey maps in regions, shared by `ks` and `map`.
inline void add_region_options(CLI::App* cmd, pipeline::KsConfig& c) {
  positive_only(
      cmd->add_option("--regions", c.regions,
                      "survey map in sky regions: HEALPix pixels of this nside (NESTED), each on its "
                      "own tangent plane; output: partial NESTED HEALPix map at --nside"));
  cmd->add_option("--margin", c.margin_deg, "[deg] galaxies beyond a region's edge used for its inversion")
      ->default_val(1.0);
  cmd->add_option_function<std::string>(
         "--large-scales", [&c](const std::string& v) { c.box_large_scales = v == "box"; },
         "with --regions: scales above margin/4 from the spherical KS of the whole catalogue (sphere: no "
         "seams "
         "between regions) or from each region's own flat KS (box)")
      ->check(CLI::IsMember({"sphere", "box"}))
      ->default_str("sphere");
  positive_only(
      cmd->add_option("--noise-realisations", c.noise_realisations,
                      "with --regions: K maps of randomly rotated ellipticities give NOISE_STD and SNR"));
  cmd->add_option("--noise-seed", c.noise_seed, "seed of the noise rotations")->capture_default_str();
  cmd->add_option("--region-memory", c.region_memory_gib,
                  "[GiB] with --regions: galaxies of the regions a rank maps at once (the rest wait in later "
                  "waves of the exchange)")
      ->capture_default_str();
  cmd->add_flag("--reread-catalogue", c.reread_catalogue,
                "with --regions: read the catalogue again for each wave of the exchange (and for the region "
                "counts and large scales) instead of holding a rank's rows: 4 bytes a row instead of 44; each "
                "wave costs one more read");
  detail::add_task_option(cmd, c);
  cmd->add_flag("--resume", c.resume,
                "with --regions: reuse the regions an interrupted run finished (<output>.parts/)");
  positive_only(
      cmd->add_option("--stop-after", c.stop_after,
                      "with --regions: stop (exit 4) after mapping this many regions on each rank"));
}

void register_version(CLI::App& app, const GlobalOptions& global, Action& action);
void register_info(CLI::App& app, const GlobalOptions& global, Action& action);
void register_ks(CLI::App& app, const GlobalOptions& global, Action& action);
void register_simulate(CLI::App& app, const GlobalOptions& global, Action& action);
void register_train(CLI::App& app, const GlobalOptions& global, Action& action);
void register_map(CLI::App& app, const GlobalOptions& global, Action& action);
void register_eval(CLI::App& app, const GlobalOptions& global, Action& action);
void register_ks_smoothing(CLI::App& app, const GlobalOptions& global, Action& action);

}  // namespace lofimap::jobs
