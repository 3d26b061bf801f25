// `lofimap ks`: Kaiser-Squires E/B convergence maps from shear catalogues: one flat patch (TAN FITS), one
// HEALPix map (--sphere), or a survey map in sky regions (--regions).
#include <spdlog/spdlog.h>

#include "distributed/communicator.hpp"
#include "jobs/command.hpp"
#include "jobs/exit_codes.hpp"
#include "jobs/option_groups.hpp"
#include "pipeline/core/stop_request.hpp"
#include "pipeline/products/ks_product.hpp"

namespace lofimap::jobs {

namespace {

struct KsCli {
  pipeline::KsConfig config;
  std::vector<std::string> columns;  // role=NAME
  std::vector<double> center;
  std::vector<std::string> bins;  // --bins COLUMN EDGE0 EDGE1 ...
  OptionList patch, healpix, sphere_only, region, noise;
};

// Options that mean nothing in the mode the command runs in are refused, naming the mode.
void refuse_options_of_other_modes(const KsCli& cli) {
  const auto& c = cli.config;
  if (c.regions.enabled()) {
    refuse_given(cli.sphere_only,
                 "not with --regions (a survey map in regions: its large scales have their own band limit)");
    return;
  }
  const std::string mode =
      c.sphere ? "this `ks --sphere` makes one HEALPix map" : "this `ks` makes one flat patch";
  refuse_given(cli.region,
               "only with --regions; " + mode + " (give --regions R for a survey map in regions)");
  if (c.sphere) {
    refuse_given(cli.noise, "on a flat patch or with --regions (not with --sphere)");
    refuse_given(cli.patch, "not with --sphere (" + mode + ")");
  } else {
    refuse_given(cli.healpix, "only with --sphere or --regions (" + mode + ")");
    refuse_given(cli.sphere_only, "only with --sphere (" + mode + ")");
  }
}

}  // namespace

void register_ks(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto* cmd = app.add_subcommand("ks", "Kaiser-Squires E/B convergence maps from shear catalogues");
  auto cli = std::make_shared<KsCli>();
  auto& c = cli->config;
  add_catalogue_options(cmd, c.catalogue, cli->columns)->required();
  add_output_options(cmd, c.output, "output FITS file (PNG quick-looks are written next to it)");
  cli->patch = add_flat_options(cmd, c.flat, cli->center, "flat patch");
  cmd->add_flag("--sphere", c.sphere, "HEALPix map (spherical KS) instead of a flat patch");
  cli->healpix.push_back(
      cmd->add_option("--nside", c.nside, "HEALPix nside (with --sphere or --regions)")->default_val(256));
  cli->sphere_only.push_back(
      cmd->add_flag("--partial", c.partial, "HEALPix output holds only observed pixels (explicit indexing)"));
  cli->sphere_only.push_back(positive_only(
      cmd->add_option("--lmax", c.sphere_options.lmax, "band limit of the spherical KS (default 2*nside)")));
  cli->sphere_only.push_back(cmd->add_option("--sht-iter", c.sphere_options.iterations,
                                             "map2alm Jacobi iterations (0-10, as healpy's iter)")
                                 ->capture_default_str());
  cli->region = add_region_options(cmd, c.regions);
  cli->region.erase(cli->region.begin());  // --regions itself chooses the mode
  cli->noise = add_noise_options(cmd, c.noise);
  cmd->add_option("--smooth", c.smoothing_arcmin, "Gaussian smoothing sigma in arcmin (0 = none)")
      ->capture_default_str();
  cmd->add_option(
      "--wiener", c.wiener_cl,
      "C_ell table (ell C_ell, e.g. from `lofimap simulate cl`), or `limber` for the Limber spectrum "
      "of each map's own n(z) (the redshift column's histogram; Planck 2015 halofit): add a "
      "Wiener-filtered KAPPA_WIENER map (flat or --sphere)");
  add_bins_option(cmd, cli->bins);
  cli->patch.push_back(positive_only(cmd->add_option(
      "--aperture-mass", c.aperture_mass_arcmin,
      "also the aperture-mass maps MAP, MAP_X, MAP_SNR, MAP_NOISE: the compensated filter of this radius "
      "[arcmin] on the tangential shear (flat patch)")));
  cli->patch.push_back(cmd->add_flag(
      "--intervals", c.intervals,
      "with --wiener on a flat patch: the exact posterior std KAPPA_WIENER_STD and 68% / 95% intervals "
      "(KAPPA_WIENER_LO68, _HI68, _LO95, _HI95) from Hoffman-Ribak samples (--samples, default 32)"));
  cli->patch.push_back(whole_number(
      positive_only(cmd->add_option(
          "--samples", c.samples,
          "with --wiener on a flat patch: N exact posterior draws, written as KAPPA_WIENER_S1 ... (each one "
          "Wiener solve)")),
      1, 1000));
  cmd->add_flag(
      "--keep-outside", c.keep_outside,
      "keep the maps' values outside the footprint (default: NaN on a flat patch, UNSEEN on HEALPix)");

  cmd->callback([&action, &global, cli] {
    action = [&global, cli] {
      auto& c = cli->config;
      refuse_options_of_other_modes(*cli);
      finish_catalogue_options(c.catalogue, cli->columns);
      c.bins = finish_tomographic_bins(cli->bins, c.catalogue);
      c.redshift_column = c.bins.enabled() ? c.bins.column : redshift_column(c.catalogue);
      finish_flat_options(c.flat, cli->center);
      c.output.command_line = global.command_line;
      const auto comm = distributed::Communicator::world();
      if (c.regions.enabled())
        pipeline::install_stop_signals();  // pre-emption: finish the region, keep progress
      const auto report = pipeline::run_kaiser_squires(c, comm);
      if (comm.is_root()) {
        spdlog::info("{}", report.summary);
        for (const auto& w : report.written) spdlog::info("wrote {}", w);
      }
      return static_cast<int>(report.interrupted ? kStopped : kSuccess);
    };
  });
}

}  // namespace lofimap::jobs
