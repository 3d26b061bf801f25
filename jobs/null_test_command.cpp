// `lofimap null-test`: B-mode power and B-mode peak counts of a catalogue against K noise realisations.
#include <spdlog/spdlog.h>

#include "distributed/communicator.hpp"
#include "jobs/command.hpp"
#include "jobs/option_groups.hpp"
#include "pipeline/products/null_test_product.hpp"

namespace lofimap::jobs {

namespace {
struct NullTestCli {
  pipeline::NullTestConfig config;
  std::vector<std::string> columns;
  std::vector<double> center;
};
}  // namespace

void register_null_test(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto* cmd = app.add_subcommand(
      "null-test",
      "B-mode null test: B power and B peak counts against rotated-noise realisations (chi^2, PTE)");
  auto cli = std::make_shared<NullTestCli>();
  auto& c = cli->config;
  add_catalogue_options(cmd, c.catalogue, cli->columns)->required();
  add_flat_options(cmd, c.flat, cli->center, "flat patch");
  whole_number(cmd->add_option("--realisations", c.realisations, "noise realisations (rotated ellipticities)")
                   ->capture_default_str(),
               10, 100000);
  whole_number(cmd->add_option("--seed", c.seed, "seed of the rotations")->capture_default_str(), 0, ~0ULL);
  cmd->add_option("--smooth", c.smoothing_arcmin, "Gaussian sigma [arcmin] of the B-mode peak counts")
      ->capture_default_str();
  cmd->add_option("--ell-bins", c.ell_bins, "logarithmic ell bins of the B-mode power")
      ->capture_default_str();
  cmd->add_option("--peak-snr", c.peak_edges, "S/N edges of the B-mode peak counts (the last bin open)")
      ->capture_default_str();
  cmd->add_option("-o,--output", c.output.path, "output FITS table (EXTNAME NULLTEST)")->required();
  cmd->add_flag("--overwrite", c.output.overwrite, "replace an existing output");
  cmd->callback([&action, &global, cli] {
    action = [&global, cli] {
      auto& c = cli->config;
      finish_catalogue_options(c.catalogue, cli->columns);
      finish_flat_options(c.flat, cli->center);
      c.output.command_line = global.command_line;
      const auto comm = distributed::Communicator::world();
      const auto report = pipeline::run_null_test(c, comm);
      if (comm.is_root()) {
        spdlog::info("{}", report.summary);
        for (const auto& w : report.written) spdlog::info("wrote {}", w);
      }
      return 0;
    };
  });
}

}  // namespace lofimap::jobs
