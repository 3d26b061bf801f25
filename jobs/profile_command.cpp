// `lofimap profile`: tangential and cross shear in radial bins about a point (FITS table and PNG).
#include <spdlog/spdlog.h>

#include "distributed/communicator.hpp"
#include "jobs/command.hpp"
#include "jobs/option_groups.hpp"
#include "pipeline/products/profile_product.hpp"

namespace lofimap::jobs {

namespace {
struct ProfileCli {
  pipeline::ProfileConfig config;
  std::vector<std::string> columns;
  std::vector<double> center, radii;
};
}  // namespace

void register_profile(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto* cmd = app.add_subcommand("profile", "tangential and cross shear in radial bins about RA Dec");
  auto cli = std::make_shared<ProfileCli>();
  auto& c = cli->config;
  add_catalogue_options(cmd, c.catalogue, cli->columns)->required();
  cmd->add_option("--center", cli->center, "RA DEC [deg] of the centre (a cluster)")->expected(2)->required();
  cmd->add_option("--radii", cli->radii, "RMIN RMAX [arcmin] of the bins")->expected(2);
  cmd->add_option("--bins", c.bins, "radial bins")->capture_default_str();
  cmd->add_flag("--linear", c.linear, "bins equal in radius (default: equal in log radius)");
  add_output_options(cmd, c.output, "output FITS table (EXTNAME PROFILE); the PNG is written beside it");
  cmd->callback([&action, &global, cli] {
    action = [&global, cli] {
      auto& c = cli->config;
      finish_catalogue_options(c.catalogue, cli->columns);
      c.ra_deg = cli->center[0], c.dec_deg = cli->center[1];
      if (cli->radii.size() == 2) c.r_min_arcmin = cli->radii[0], c.r_max_arcmin = cli->radii[1];
      c.output.command_line = global.command_line;
      const auto comm = distributed::Communicator::world();
      const auto report = pipeline::run_profile(c, comm);
      if (comm.is_root()) {
        spdlog::info("{}", report.summary);
        for (const auto& w : report.written) spdlog::info("wrote {}", w);
      }
      return 0;
    };
  });
}

}  // namespace lofimap::jobs
