// `lofimap ks`: Kaiser-Squires E/B convergence maps from shear catalogues, flat (TAN FITS) or HEALPix.
#include <spdlog/spdlog.h>

#include "distributed/communicator.hpp"
#include "jobs/command.hpp"
#include "jobs/exit_codes.hpp"
#include "pipeline/core/stop_request.hpp"
#include "pipeline/products/ks_product.hpp"

namespace lofimap::jobs {

namespace {

struct KsCli {
  pipeline::KsConfig config;
  std::vector<std::string> columns;  // role=NAME
  std::vector<double> center;
  std::string calibration;
  int lmax = 0;
  int sht_iter = 3;
  bool no_png = false;
};

std::map<std::string, std::string> parse_columns(const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw std::invalid_argument("--column: expected ROLE=NAME (e.g. e1=G1), got '" + item + "'");
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

}  // namespace

void register_ks(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto* cmd = app.add_subcommand("ks", "Kaiser-Squires E/B convergence maps from shear catalogues");
  auto cli = std::make_shared<KsCli>();
  auto& c = cli->config;
  cmd->add_option("-i,--input", c.catalogue.inputs, "catalogue FITS file(s) or glob pattern(s)")->required();
  cmd->add_option("-o,--output", c.output, "output FITS file (PNG quick-looks are written next to it)")
      ->required();
  cmd->add_option("--hdu", c.catalogue.hdu,
                  "table HDU: number (0 = primary) or EXTNAME (default: first table)");
  cmd->add_option("--preset", c.catalogue.preset,
                  "survey preset: des, kids, hsc, cosmos, healpix-sim, generic")
      ->default_val("generic");
  cmd->add_option("--column", cli->columns,
                  "override a column: ROLE=NAME (ra, dec, e1, e2, weight, r11, r22, m, c1, c2, e_rms)");
  cmd->add_option("--calibration", cli->calibration,
                  "override the preset's calibration: none, mean, des, kids, hsc");
  cmd->add_option("--m-bias", c.catalogue.multiplicative_bias,
                  "KiDS multiplicative bias m when there is no m column");
  cmd->add_flag("--flip-e1", c.catalogue.flip_e1, "flip the sign of e1 after the preset's convention");
  cmd->add_flag("--flip-e2", c.catalogue.flip_e2, "flip the sign of e2 after the preset's convention");
  cmd->add_option("--max-invalid-fraction", c.catalogue.max_invalid_fraction,
                  "fail when more than this fraction of rows is invalid")
      ->default_val(0.1);
  cmd->add_flag("--sphere", c.sphere, "HEALPix map (spherical KS) instead of a flat patch");
  cmd->add_option("--nside", c.nside, "HEALPix nside (with --sphere or --regions)")->default_val(256);
  add_region_options(cmd, c);
  cmd->add_flag("--partial", c.partial, "HEALPix output holds only observed pixels (explicit indexing)");
  positive_only(cmd->add_option("--lmax", cli->lmax, "band limit of the spherical KS (default 2*nside)"));
  cmd->add_option("--sht-iter", cli->sht_iter, "map2alm Jacobi iterations (0-10, as healpy's iter)")
      ->default_val(3);
  cmd->add_option("--center", cli->center, "flat patch centre: RA DEC in degrees (default: the footprint's)")
      ->expected(2);
  positive_only(cmd->add_option("--pixel", c.flat.pixel_arcmin, "flat pixel scale in arcmin"));
  positive_only(cmd->add_option("--npix", c.flat.npix, "flat grid pixels per side"));
  positive_only(cmd->add_option("--size", c.flat.size_deg, "flat patch side in degrees (with --center)"));
  cmd->add_option("--pad", c.flat.pad, "FFT zero-padding factor (>= 1)")->default_val(2.0);
  cmd->add_option("--smooth", c.smoothing_arcmin, "Gaussian smoothing sigma in arcmin (0 = none)")
      ->default_val(0.0);
  cmd->add_option("--wiener", c.wiener_cl,
                  "C_ell table (ell C_ell, e.g. from `lofimap simulate cl`): add a Wiener-filtered "
                  "KAPPA_WIENER map (flat or --sphere)");
  cmd->add_flag("--overwrite", c.overwrite, "replace existing outputs");
  cmd->add_flag("--no-png", cli->no_png, "skip the PNG quick-looks");

  cmd->callback([&action, &global, cli] {
    action = [&global, cli] {
      auto& c = cli->config;
      c.catalogue.column_overrides = parse_columns(cli->columns);
      if (!cli->calibration.empty()) c.catalogue.calibration = pipeline::parse_calibration(cli->calibration);
      if (cli->center.size() == 2) c.flat.center_ra = cli->center[0], c.flat.center_dec = cli->center[1];
      c.sphere_options.lmax = cli->lmax;
      c.sphere_options.iterations = cli->sht_iter;
      c.png = !cli->no_png;
      c.command_line = global.command_line;
      const auto comm = distributed::Communicator::world();
      if (c.regions > 0) pipeline::install_stop_signals();  // pre-emption: finish the region, keep progress
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
