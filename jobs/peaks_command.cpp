// `lofimap peaks`: the peak catalogue of a convergence map (flat or HEALPix) as a FITS table.
#include <spdlog/spdlog.h>

#include "jobs/command.hpp"
#include "pipeline/products/peaks_product.hpp"

namespace lofimap::jobs {

void register_peaks(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto* cmd = app.add_subcommand("peaks", "peak catalogue of a convergence map (RA, Dec, kappa, S/N, pixel)");
  auto c = std::make_shared<pipeline::PeaksConfig>();
  cmd->add_option("--map", c->map, "map FITS: a flat product (TAN images) or a HEALPix table")->required();
  cmd->add_option("--hdu", c->hdu, "HDU (flat) or column (HEALPix) of the map (default KAPPA_E, else KAPPA)");
  cmd->add_option("--smooth", c->smoothing_arcmin, "Gaussian sigma [arcmin] applied before finding peaks")
      ->capture_default_str();
  cmd->add_option("--threshold", c->threshold, "lowest S/N of a peak")->capture_default_str();
  cmd->add_option(
         "--min-coverage", c->min_coverage,
         "with --smooth: search only where at least this fraction of the kernel lies inside the footprint "
         "(the map's edge leaks)")
      ->capture_default_str();
  cmd->add_option(
         "--noise", c->noise,
         "noise of the smoothed map: analytic (shape noise from NGAL and LMSIGE: KS maps), b-mode (rms of "
         "the product's B map, smoothed alike), none (the map is S/N), an HDU/column of noise std, or "
         "auto (without --smooth the map's own std: NOISE_STD of KS, KAPPA_WIENER_STD, LoFi's calibrated "
         "KAPPA_STD from map --intervals; else analytic for KS E maps, else b-mode)")
      ->capture_default_str();
  cmd->add_option("-o,--output", c->output.path, "output FITS table (EXTNAME PEAKS)")->required();
  cmd->add_flag("--overwrite", c->output.overwrite, "replace an existing output");
  cmd->callback([&action, &global, c] {
    action = [&global, c] {
      c->output.command_line = global.command_line;
      const auto report = pipeline::run_peaks(*c);
      spdlog::info("{}", report.summary);
      for (const auto& w : report.written) spdlog::info("wrote {}", w);
      return 0;
    };
  });
}

}  // namespace lofimap::jobs
