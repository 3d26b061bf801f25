// `lofimap map`: LoFi mass maps from shear catalogues at any output resolution or at listed coordinates, on
// one flat patch or in sky regions (--regions). Options become a MapConfig, validated by the map product
// before the LibTorch plugin is loaded.
#include <spdlog/spdlog.h>

#include "distributed/communicator.hpp"
#include "jobs/command.hpp"
#include "jobs/exit_codes.hpp"
#include "jobs/option_groups.hpp"
#include "pipeline/core/stop_request.hpp"
#include "pipeline/products/lofi_map_product.hpp"

namespace lofimap::jobs {

namespace {

struct MapCli {
  pipeline::MapConfig config;
  std::vector<std::string> columns;  // role=NAME
  std::vector<double> center;
  std::vector<std::string> bins;  // --bins COLUMN EDGE0 EDGE1 ...
  OptionList region, noise;
};

}  // namespace

void register_map(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto* cmd = app.add_subcommand(
      "map", "LoFi convergence map from shear catalogues or a KS map (any output resolution)");
  auto cli = std::make_shared<MapCli>();
  auto& c = cli->config;
  auto* input = add_catalogue_options(cmd, c.catalogue, cli->columns);
  auto* ks_map =
      cmd->add_option("--ks-map", c.ks_map, "an unsmoothed flat map from `lofimap ks` instead of catalogues");
  input->excludes(ks_map);
  ks_map->excludes(input);
  add_output_options(cmd, c.output, "output FITS map (or text table with --coords)");
  cmd->add_option("--model", c.model.path,
                  "LoFi weights (default: the shipped model, share/lofimap/models/default.pt)");
  add_flat_options(cmd, c.flat, cli->center, "input (KS) grid", " (default: the model's training pixel)");
  positive_only(cmd->add_option(
      "--out-pixel", c.out_pixel_arcmin,
      "output pixel [arcmin] (default: the input pixel); with --regions a flat TAN mosaic of the footprint"));
  whole_number(positive_only(cmd->add_option("--out-npix", c.out_npix,
                                             "output pixels per side (default: the input extent)")),
               1, 1 << 20);
  cmd->add_option(
      "--coords", c.coords_file,
      "evaluate at these RA Dec [deg] instead: text/CSV (first two columns) or a FITS table with RA, DEC; "
      "with --regions split over the ranks and written in the list's order (FITS table for a .fits output)");
  positive_only(cmd->add_option("--nside", c.nside,
                                "evaluate at the HEALPix pixel centres inside the patch (partial map); with "
                                "--regions the output nside of the survey map"));
  cli->region = add_region_options(cmd, c.regions);
  cli->region.erase(cli->region.begin());  // --regions itself chooses the mode
  cli->noise = add_noise_options(cmd, c.noise);
  positive_only(cmd->add_option("--sigma-e", c.sigma_e, "shape noise per component (default: measured)"));
  cmd->add_option("--batch", c.model.batch, "queries per forward pass (memory bound)")->capture_default_str();
  add_bins_option(cmd, cli->bins);
  cmd->add_flag(
      "--b-mode", c.b_mode,
      "also map the B-mode: the network applied to the shear rotated by 45 degrees (KAPPA_B), a null "
      "test of the learned map");
  cmd->add_flag("--intervals", c.intervals,
                "also write KAPPA_STD, KAPPA_LO68, KAPPA_HI68, KAPPA_LO95, KAPPA_HI95: calibrated intervals "
                "(the model's conformal calibration from `lofimap calibrate` times a per-pixel width)");
  cmd->add_flag("--keep-outside", c.keep_outside,
                "keep the map's values outside the footprint (default: NaN, UNSEEN on HEALPix)");
  add_device_option(cmd, c.model.device);
  add_precision_option(cmd, c.model.precision);
  cmd->callback([&action, &global, cli] {
    action = [&global, cli] {
      auto& c = cli->config;
      if (!c.regions.enabled()) {
        const std::string mode =
            "this `map` makes one flat patch (give --regions R for a survey map in regions)";
        refuse_given(cli->region, "only with --regions; " + mode);
        refuse_given(cli->noise,
                     "only with --regions (noise realisations are not yet made on a single patch); " + mode);
      }
      finish_catalogue_options(c.catalogue, cli->columns);
      c.bins = finish_tomographic_bins(cli->bins, c.catalogue);
      finish_flat_options(c.flat, cli->center);
      c.output.command_line = global.command_line;
      const auto comm = distributed::Communicator::world();
      if (c.regions.enabled())
        pipeline::install_stop_signals();                   // pre-emption: finish the region, keep progress
      const auto report = pipeline::run_lofi_map(c, comm);  // validates before the model is loaded
      if (comm.is_root()) {
        spdlog::info("{}", report.summary);
        for (const auto& w : report.written) spdlog::info("wrote {}", w);
      }
      return static_cast<int>(report.interrupted ? kStopped : kSuccess);
    };
  });
}

}  // namespace lofimap::jobs
