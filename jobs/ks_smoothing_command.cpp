// `lofimap ks-smoothing`: the Gaussian smoothing sigma for Kaiser-Squires maps, chosen on training maps.
#include <spdlog/spdlog.h>

#include <fstream>

#include "io/atomic_output.hpp"
#include "io/error.hpp"
#include "jobs/command.hpp"
#include "pipeline/products/ks_smoothing_product.hpp"

namespace lofimap::jobs {

void register_ks_smoothing(CLI::App& app, const GlobalOptions&, Action& action) {
  auto* cmd = app.add_subcommand(
      "ks-smoothing",
      "choose the KS Gaussian smoothing sigma on training maps (lowest RMSE against the truth)");
  auto r = std::make_shared<pipeline::KsSmoothingRequest>();
  auto output = std::make_shared<std::string>();
  auto overwrite = std::make_shared<bool>(false);
  cmd->add_option("--training-set", r->training_set, "HDF5 training set from `lofimap simulate training-set`")
      ->required();
  cmd->add_option("--maps", r->maps, "the first N maps of the set")->capture_default_str();
  cmd->add_option("--sigma", r->sigmas_arcmin,
                  "candidate sigmas [arcmin] (default: 0.5-8 pixels, quarter-pixel steps)");
  cmd->add_option("--pad", r->pad, "KS zero-padding factor, as used by `lofimap ks`")->capture_default_str();
  cmd->add_option("-o,--output", *output, "also write the table as JSON to this file");
  cmd->add_flag("--overwrite", *overwrite, "replace an existing output");
  cmd->callback([&action, r, output, overwrite] {
    action = [r, output, overwrite] {
      if (!output->empty()) io::check_writable(*output, *overwrite);
      const auto choice = pipeline::choose_ks_smoothing(*r);
      std::fputs(choice.table().c_str(), stdout);
      if (!output->empty()) {
        io::AtomicOutput out(*output, *overwrite);
        std::ofstream(out.temp_path()) << choice.json();
        out.commit();
        spdlog::info("wrote {}", *output);
      }
      return 0;
    };
  });
}

}  // namespace lofimap::jobs
