#include "pipeline/products/region_lofi_map.hpp"

#include <spdlog/spdlog.h>

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "pipeline/catalogue/catalogue_loader.hpp"
#include "pipeline/core/machine_resources.hpp"
#include "pipeline/core/phase_timer.hpp"
#include "pipeline/flat/flat_patch_settings.hpp"
#include "pipeline/flat/footprint_mask.hpp"
#include "pipeline/flat/posterior_width.hpp"
#include "pipeline/products/lofi_intervals.hpp"
#include "pipeline/products/provenance.hpp"
#include "pipeline/products/region_cards.hpp"
#include "pipeline/products/region_picture.hpp"
#include "pipeline/products/training_range_check.hpp"
#include "pipeline/survey/region_coordinate_output.hpp"
#include "pipeline/survey/region_driver.hpp"
#include "pipeline/survey/region_map.hpp"
#include "pipeline/survey/sky_regions.hpp"

namespace lofimap::pipeline {

ProductReport run_region_lofi_map(const MapConfig& m, LofiEvaluator& model,
                                  const distributed::Communicator& comm) {
  // The regions' input pixel: --pixel, or the model's training pixel (checked with the regions here).
  const RegionSettings c =
      m.region_settings(m.flat.pixel_arcmin > 0 ? m.flat.pixel_arcmin : model.options().train_pixel_arcmin);
  validate_region_options(c.regions, c.nside, c.pixel_arcmin, c.pad);
  const SkyRegions regions(c.regions.nside, c.regions.margin_deg, c.pixel_arcmin);
  const bool to_mosaic = m.coords_file.empty() && m.out_pixel_arcmin > 0;  // a flat mosaic of the footprint
  const bool to_list = !m.coords_file.empty() || to_mosaic;
  CoordinateOutput coords(m.coords_file, m.output, regions, comm);
  PhaseTimer timer;
  RegionRun run;
  run.coordinates = to_list;
  double sigma_e = m.sigma_e;
  RegionColumns base = to_list ? RegionColumns{{"KAPPA", ""}, {"KAPPA_KS", ""}}
                               : RegionColumns{{"KAPPA", ""}, {"KAPPA_KS", ""}, {"NGAL", "galaxies"}};
  // --intervals: the calibration is read (and a missing one refused) before any galaxy is.
  IntervalCalibration calibration;
  AngularSpectrum prior;
  if (m.intervals) {
    calibration = model_calibration(model, m.model_path());
    prior = interval_prior(model.options());
    for (const char* name : {"KAPPA_STD", "KAPPA_LO68", "KAPPA_HI68", "KAPPA_LO95", "KAPPA_HI95"})
      base.push_back({name, ""});
  }
  const auto columns = with_noise_columns(base, c.noise);
  auto cards = [&](const RegionRun& r) {
    auto cards = region_cards(c, r.catalogue.summary);
    cards.push_back({"LMMODEL", m.model_path(), "LoFi weights"});
    cards.push_back({"LMHASH", model.model_hash(), "LoFi model content hash"});
    cards.push_back({"LMSIGE", sigma_e, "shape noise per component used for the noise channel"});
    if (m.intervals) {
      cards.push_back({"LMINTERV", "conformal x " + calibration.width,
                       "KAPPA_STD/LO/HI: calibrated quantiles x per-pixel width"});
      cards.push_back({"LMCALSET", calibration.description.substr(0, 68), "calibration set (start)"});
    }
    return cards;
  };
  RegionHooks hooks;
  hooks.prepare = [&](RegionRun& r) {  // collective: before the galaxies leave their ranks
    const double measured = measured_shape_noise(*r.rows, comm);
    if (!(sigma_e > 0)) sigma_e = measured;
    // The density varies from region to region and is not checked here; shape noise and pixel are.
    if (const auto w = training_range_warning(model.options(), "the catalogue", -1, sigma_e, c.pixel_arcmin);
        !w.empty() && comm.is_root())
      spdlog::warn("{}", w);
    prepare_large_scales(c, 0.0, r, comm);
    if (to_mosaic) {  // the TAN grid covering the catalogue's footprint at the mosaic's pixel
      FlatKsSettings settings;
      settings.pixel_arcmin = m.out_pixel_arcmin;
      try {
        coords.mosaic = resolve_flat_patch(settings, r.catalogue.galaxies, comm);
      } catch (const std::invalid_argument& e) {  // the grid options it names are the mosaic's: --out-pixel
        throw std::invalid_argument("--out-pixel " + std::to_string(m.out_pixel_arcmin) +
                                    ": the flat mosaic of the footprint: " + e.what());
      }
      // Rank 0 assembles the image (4 bytes a column per pixel, received and appended) and every rank holds
      // its share of the pixel positions (about 40 bytes each).
      const double pixels = static_cast<double>(coords.mosaic->pixels());
      require_memory(pixels * (8.0 * static_cast<double>(columns.size()) + 40.0 / comm.size()),
                     "a flat mosaic of " + std::to_string(coords.mosaic->nx) + " x " +
                         std::to_string(coords.mosaic->ny) + " pixels (--out-pixel " +
                         std::to_string(m.out_pixel_arcmin) + ")");
    }
  };
  if (to_mosaic) hooks.row_limit = [&] { return coords.mosaic->pixels(); };
  if (to_list && !to_mosaic) hooks.row_limit = [] { return std::numeric_limits<long long>::max(); };
  hooks.work = [&](long long region, const ShearCatalogue& galaxies) {
    // LoFi takes unsmoothed KS
    const auto in = region_input(galaxies, regions, region, c.pad, 0.0, run.large_or_null());
    const RegionPoints* points = to_list ? &coords.points_of(region) : nullptr;
    const auto px = to_list ? region_points(in, points->ra_deg, points->dec_deg)
                            : region_output_pixels(galaxies, regions, region, c.nside, in);
    auto estimate = [&](const RegionInput& n) {
      if (px.pixels.empty()) return std::vector<float>();
      return model.evaluate(n.grid, n.kappa_e, n.kappa_b, n.g1, n.g2, n.count, sigma_e, px.xy_arcmin);
    };
    RegionRows rows{px.pixels, {estimate(in), sample_on_pixels(in, in.kappa_e, px)}};
    if (to_list)  // the rows of the list, not the positions' indices within the region
      for (auto& p : rows.pixels) p = points->rows[static_cast<size_t>(p)];
    else
      rows.columns.push_back(px.n_gal);
    if (m.intervals) {
      // The width on the region's grid, the quantiles at the density of the region's footprint.
      const auto width = local_wiener_width(in.count, sigma_e, prior, in.grid);
      const double density =
          footprint_density(in.count, footprint_mask(in.count, in.grid), in.grid.pixel_arcmin);
      auto iv = density > 0
                    ? lofi_intervals(calibration, rows.columns[0], width, in.grid, px.xy_arcmin, density)
                    : MapIntervals{};
      for (auto* v : {&iv.std, &iv.lo68, &iv.hi68, &iv.lo95, &iv.hi95}) {
        v->resize(px.pixels.size(), std::numeric_limits<float>::quiet_NaN());
        rows.columns.push_back(std::move(*v));
      }
    }
    add_noise_columns(rows, rows.columns[0], c, galaxies, in.grid, 0.0, estimate);
    return rows;
  };
  hooks.cards = cards;
  if (to_list) {
    hooks.planned = [&](const GalaxyExchange& g) { coords.planned(g); };
    hooks.wave = [&](const GalaxyExchange& g, int w) { coords.wave(g, w); };
    hooks.write = [&](RegionRows& share, const RegionRun& r) {
      return coords.write(share, columns, cards(r));
    };
  }
  run_regions(c, columns,
              region_record(c, "lofi model " + model.model_hash() + " sigma_e " + std::to_string(m.sigma_e) +
                                   (to_mosaic ? "; mosaic pixel " + std::to_string(m.out_pixel_arcmin)
                                    : to_list ? "; coordinates " + m.coords_file
                                              : "")),
              hooks, comm, timer, run);
  ProductReport report;
  report.interrupted = run.interrupted;
  if (comm.is_root() && !run.interrupted && c.regions.tasks <= 1) {
    report.written.push_back(c.output.path);
    const std::string picture = write_region_picture(
        run, m.output, quicklook_path(m.output.path, "kappa"),
        "LoFi κ in regions (" + model_label(m.model_path(), model.model_hash()) + ") — " +
            catalogue_label(run.catalogue.summary.files, run.catalogue.summary.select) + ", nside " +
            std::to_string(c.nside));
    if (!picture.empty()) report.written.push_back(picture);
  }
  report.summary = region_summary(c, run, comm, timer) + "\nmodel " + m.model_path() + " (hash " +
                   model.model_hash() + "), sigma_e " + std::to_string(sigma_e);
  if (to_mosaic && !run.interrupted && c.regions.tasks <= 1)
    report.summary += "\nflat mosaic " + std::to_string(coords.mosaic->nx) + " x " +
                      std::to_string(coords.mosaic->ny) + " pixels of " + std::to_string(m.out_pixel_arcmin) +
                      "' centred on RA " + std::to_string(coords.mosaic->centre.ra_deg) + " Dec " +
                      std::to_string(coords.mosaic->centre.dec_deg) + ", " + std::to_string(coords.finite) +
                      " inside the footprint (the others NaN)";
  else if (to_list && !run.interrupted && c.regions.tasks <= 1)
    report.summary += "\n" + std::to_string(coords.list->total_rows()) + " coordinates, " +
                      std::to_string(coords.finite) + " inside the footprint (" +
                      std::to_string(coords.list->unmapped_rows()) +
                      " in regions without galaxies; the others NaN)";
  return report;
}

}  // namespace lofimap::pipeline
