// `lofimap map`: LoFi mass maps from shear catalogues at any output resolution or at listed coordinates.
// Options become a MapConfig, validated before the LibTorch plugin is loaded; the work runs inside the
// plugin.
#include <spdlog/spdlog.h>

#include "distributed/communicator.hpp"
#include "jobs/command.hpp"
#include "jobs/exit_codes.hpp"
#include "pipeline/core/stop_request.hpp"
#include "pipeline/products/lofi_plugin.hpp"
#include "pipeline/products/region_map_product.hpp"

namespace lofimap::jobs {

void register_map(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto* cmd = app.add_subcommand(
      "map", "LoFi convergence map from shear catalogues or a KS map (any output resolution)");
  auto c = std::make_shared<pipeline::MapConfig>();
  auto columns = std::make_shared<std::vector<std::string>>();
  auto center = std::make_shared<std::vector<double>>();
  auto calibration = std::make_shared<std::string>();
  auto& k = c->ks;
  auto* input =
      cmd->add_option("-i,--input", k.catalogue.inputs, "catalogue FITS file(s) or glob pattern(s)");
  auto* ks_map = cmd->add_option("--ks-map", c->ks_map,
                                 "an unsmoothed flat map from `lofimap ks` instead of catalogues");
  input->excludes(ks_map);
  ks_map->excludes(input);
  cmd->add_option("-o,--output", k.output, "output FITS map (or text table with --coords)")->required();
  cmd->add_option("--model", c->model,
                  "LoFi weights (default: the shipped model, share/lofimap/models/default.pt)");
  cmd->add_option("--hdu", k.catalogue.hdu, "table HDU: number or EXTNAME");
  cmd->add_option("--preset", k.catalogue.preset, "survey preset")->default_val("generic");
  cmd->add_option("--column", *columns, "override a column: ROLE=NAME");
  cmd->add_option("--calibration", *calibration, "override the preset's calibration");
  cmd->add_flag("--flip-e1", k.catalogue.flip_e1, "flip e1");
  cmd->add_flag("--flip-e2", k.catalogue.flip_e2, "flip e2");
  cmd->add_option("--max-invalid-fraction", k.catalogue.max_invalid_fraction,
                  "fail above this invalid fraction")
      ->default_val(0.1);
  cmd->add_option("--center", *center, "input grid centre RA DEC [deg] (default: the footprint's)")
      ->expected(2);
  positive_only(cmd->add_option("--pixel", k.flat.pixel_arcmin,
                                "input (KS) grid pixel [arcmin] (default: the model's training pixel)"));
  positive_only(cmd->add_option("--npix", k.flat.npix, "input grid pixels per side"));
  positive_only(cmd->add_option("--size", k.flat.size_deg, "input patch side [deg] (with --center)"));
  cmd->add_option("--pad", k.flat.pad, "KS zero padding")->default_val(2.0);
  positive_only(cmd->add_option(
      "--out-pixel", c->out_pixel_arcmin,
      "output pixel [arcmin] (default: the input pixel); with --regions a flat TAN mosaic of the footprint"));
  positive_only(
      cmd->add_option("--out-npix", c->out_npix, "output pixels per side (default: the input extent)"));
  cmd->add_option(
      "--coords", c->coords_file,
      "evaluate at these RA Dec [deg] instead: text/CSV (first two columns) or a FITS table with RA, DEC; "
      "with --regions split over the ranks and written in the list's order (FITS table for a .fits output)");
  positive_only(cmd->add_option("--nside", c->nside,
                                "evaluate at the HEALPix pixel centres inside the patch (partial map); with "
                                "--regions the output nside of the survey map"));
  add_region_options(cmd, k);
  positive_only(cmd->add_option("--sigma-e", c->sigma_e, "shape noise per component (default: measured)"));
  cmd->add_option("--batch", c->batch, "queries per forward pass (memory bound)")->default_val(32768);
  add_device_option(cmd, c->device);
  add_precision_option(cmd, c->precision);
  cmd->add_flag("--overwrite", k.overwrite, "replace existing outputs");
  cmd->add_flag(
      "--no-png", [c](std::int64_t) { c->ks.png = false; }, "skip the PNG quick-look");
  cmd->callback([&action, &global, c, columns, center, calibration] {
    action = [&global, c, columns, center, calibration] {
      for (const auto& item : *columns) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
          throw std::invalid_argument("--column: expected ROLE=NAME, got '" + item + "'");
        c->ks.catalogue.column_overrides[item.substr(0, eq)] = item.substr(eq + 1);
      }
      if (!calibration->empty()) c->ks.catalogue.calibration = pipeline::parse_calibration(*calibration);
      if (center->size() == 2) c->ks.flat.center_ra = (*center)[0], c->ks.flat.center_dec = (*center)[1];
      c->ks.command_line = global.command_line;
      if (c->ks.regions > 0) {
        const bool flat_output = !c->coords_file.empty() || c->out_pixel_arcmin > 0;
        if (c->nside == 0 && !flat_output)
          throw std::invalid_argument(
              "--nside: the output nside of a --regions map is needed (or --coords, or --out-pixel for a "
              "flat "
              "mosaic)");
        if ((c->nside > 0 || !c->coords_file.empty()) && c->out_pixel_arcmin > 0)
          throw std::invalid_argument("--nside/--coords/--out-pixel: choose one output of the --regions map");
        if (c->out_npix > 0)
          throw std::invalid_argument(
              "--out-npix: not with --regions (a mosaic covers the footprint at --out-pixel)");
        // A coordinate list or a mosaic needs no output nside; the region nside stands in where one is
        // checked.
        c->ks.nside = flat_output ? c->ks.regions : c->nside;
      }
      c->validate();  // before LibTorch is loaded: a bad option costs milliseconds, not the plugin's start
      const auto comm = distributed::Communicator::world();
      if (c->ks.regions > 0)
        pipeline::install_stop_signals();  // pre-emption: finish the region, keep progress
      const auto report =
          c->ks.regions > 0 ? pipeline::run_region_lofi_map(*c, comm) : pipeline::lofi_plugin().map(*c, comm);
      if (comm.is_root()) {
        spdlog::info("{}", report.summary);
        for (const auto& w : report.written) spdlog::info("wrote {}", w);
      }
      return static_cast<int>(report.interrupted ? kStopped : kSuccess);
    };
  });
}

}  // namespace lofimap::jobs
