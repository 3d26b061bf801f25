#include "pipeline/products/region_ks_product.hpp"

#include <string>

#include "pipeline/core/phase_timer.hpp"
#include "pipeline/products/region_cards.hpp"
#include "pipeline/products/provenance.hpp"
#include "pipeline/products/region_picture.hpp"
#include "pipeline/survey/region_driver.hpp"
#include "pipeline/survey/region_map.hpp"
#include "pipeline/survey/sky_regions.hpp"

namespace lofimap::pipeline {

ProductReport run_region_kaiser_squires(const KsConfig& config, const distributed::Communicator& comm) {
  const RegionSettings c = config.region_settings();
  const double smoothing_arcmin = config.smoothing_arcmin;
  const SkyRegions regions(c.regions.nside, c.regions.margin_deg, c.pixel_arcmin);
  PhaseTimer timer;
  RegionRun run;
  RegionHooks hooks;
  hooks.prepare = [&](RegionRun& r) { prepare_large_scales(c, smoothing_arcmin, r, comm); };
  hooks.work = [&](long long region, const ShearCatalogue& galaxies) {
    const auto in = region_input(galaxies, regions, region, c.pad, smoothing_arcmin, run.large_or_null());
    const auto px = region_output_pixels(galaxies, regions, region, c.nside, in);
    RegionRows rows{px.pixels,
                    {sample_on_pixels(in, in.kappa_e, px), sample_on_pixels(in, in.kappa_b, px), px.n_gal}};
    add_noise_columns(rows, rows.columns[0], c, galaxies, in.grid, smoothing_arcmin,
                      [&](const RegionInput& n) { return sample_on_pixels(n, n.kappa_e, px); });
    return rows;
  };
  hooks.cards = [&](const RegionRun& r) {
    auto cards = region_cards(c, r.catalogue.summary);
    cards.push_back({"LMSMOOTH", smoothing_arcmin, "[arcmin] Gaussian smoothing sigma"});
    return cards;
  };
  run_regions(c, with_noise_columns({{"KAPPA_E", ""}, {"KAPPA_B", ""}, {"NGAL", "galaxies"}}, c.noise),
              region_record(c, "ks smooth " + std::to_string(smoothing_arcmin)), hooks, comm, timer, run);
  ProductReport report;
  report.interrupted = run.interrupted;
  if (comm.is_root() && !run.interrupted && c.regions.tasks <= 1) {
    report.written.push_back(c.output.path);
    const auto& files = run.catalogue.summary.files;
    const std::string picture = write_region_picture(
        run, c.output, quicklook_path(c.output.path, "kappa_e"),
        "Kaiser–Squires κ E-mode in regions — " + catalogue_label(files, run.catalogue.summary.select) +
            smoothing_label(smoothing_arcmin) + ", nside " + std::to_string(c.nside));
    if (!picture.empty()) report.written.push_back(picture);
  }
  report.summary = region_summary(c, run, comm, timer);
  return report;
}

}  // namespace lofimap::pipeline
