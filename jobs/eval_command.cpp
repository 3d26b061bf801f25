// `lofimap eval`: quality of a map against a truth map (RMSE, Pearson r, power ratio, B level).
#include <spdlog/spdlog.h>

#include "jobs/command.hpp"
#include "pipeline/products/eval_product.hpp"

namespace lofimap::jobs {

namespace {
// "file.fits:HDU" -> (file, HDU) when a suffix is given.
void split_hdu(const std::string& spec, std::string& file, std::string& hdu) {
  const auto colon = spec.rfind(':');
  if (colon != std::string::npos && colon + 1 < spec.size() &&
      spec.find(".fits", colon) == std::string::npos) {
    file = spec.substr(0, colon);
    hdu = spec.substr(colon + 1);
  } else {
    file = spec;
  }
}
}  // namespace

void register_eval(CLI::App& app, const GlobalOptions&, Action& action) {
  auto* cmd =
      app.add_subcommand("eval", "compare a map with a truth map (RMSE, Pearson r, power ratio, B level)");
  auto r = std::make_shared<pipeline::EvalRequest>();
  auto specs = std::make_shared<std::vector<std::string>>(4);
  cmd->add_option("--map", (*specs)[0], "reconstruction FITS[:HDU] (default HDU KAPPA)")->required();
  cmd->add_option("--truth", (*specs)[1], "truth FITS[:HDU] (default HDU KAPPA)")->required();
  cmd->add_option("--b-map", (*specs)[2], "B-mode map FITS[:HDU] (default KAPPA_B) for the B level");
  cmd->add_option(
      "--mask", (*specs)[3],
      "mask FITS[:HDU] (HDU default WEIGHT; > 0 inside); without it, the map's own MASK HDU when it "
      "has one");
  cmd->add_option("-o,--output", r->output_stem, "output stem: writes STEM.txt, STEM.json, STEM.png")
      ->required();
  cmd->add_flag("--overwrite", r->overwrite, "replace existing outputs");
  cmd->callback([&action, r, specs] {
    action = [r, specs] {
      split_hdu((*specs)[0], r->map, r->map_hdu);
      split_hdu((*specs)[1], r->truth, r->truth_hdu);
      if (!(*specs)[2].empty()) split_hdu((*specs)[2], r->b_map, r->b_hdu);
      if (!(*specs)[3].empty()) split_hdu((*specs)[3], r->mask, r->mask_hdu);
      const auto report = pipeline::run_evaluation(*r);
      std::fputs(report.table.c_str(), stdout);
      for (const auto& w : report.written) spdlog::info("wrote {}", w);
      return 0;
    };
  });
}

}  // namespace lofimap::jobs
