#include "pipeline/products/patch_lofi_map.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/catalogue_files.hpp"
#include "io/coordinate_list.hpp"
#include "io/error.hpp"
#include "io/fits_maps.hpp"
#include "io/png_quicklook.hpp"
#include "io/text_table.hpp"
#include "pipeline/core/flat_grid_wcs.hpp"
#include "pipeline/core/machine_resources.hpp"
#include "pipeline/core/phase_timer.hpp"
#include "pipeline/flat/flat_binning.hpp"
#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/flat/flat_patch_settings.hpp"
#include "pipeline/flat/footprint_mask.hpp"
#include "pipeline/flat/posterior_width.hpp"
#include "pipeline/products/binned_catalogue.hpp"
#include "pipeline/products/lofi_intervals.hpp"
#include "pipeline/products/provenance.hpp"
#include "pipeline/products/quicklook_raster.hpp"
#include "pipeline/products/training_range_check.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/survey/healpix_patch_pixels.hpp"

namespace lofimap::pipeline {

namespace {

// LoFi's input: the unsmoothed KS E/B maps on a flat grid, the galaxy counts per pixel and the shape noise.
struct InputGrid {
  FlatGrid patch;
  std::vector<double> kappa_e, kappa_b, counts, weight;
  std::vector<double> g1, g2;  // the binned shear (from catalogues only): the Wiener channel's input
  double sigma_e = 0;
  std::vector<io::HeaderCard> cards;  // provenance of the output
  std::string summary;
};

// From catalogues: bin (all ranks; in the catalogue pass when the patch is given), KS on rank 0. Non-root
// ranks get an empty grid.
InputGrid grid_from_catalogue(const MapConfig& c, const CatalogueOptions& catalogue,
                              const FlatKsSettings& flat, const distributed::Communicator& comm) {
  PhaseTimer timer;
  const FlatCatalogueGrid binned = bin_catalogue_flat(catalogue, flat, comm, timer);
  const FlatShearGrid& grid = binned.grid;
  InputGrid in;
  in.patch = grid.patch;
  in.sigma_e = c.sigma_e > 0 ? c.sigma_e : binned.sigma_e;
  if (!comm.is_root()) return in;
  auto ks = flat_kaiser_squires({in.patch.nx, in.patch.ny, grid.g1, grid.g2}, flat.pad, 0.0);
  in.kappa_e = std::move(ks.a), in.kappa_b = std::move(ks.b), in.counts = grid.count, in.weight = grid.weight;
  in.g1 = grid.g1, in.g2 = grid.g2;
  in.cards = provenance_cards(c.output.command_line, binned.catalogue);
  in.summary = binned.catalogue.report();
  return in;
}

// From a flat product of `lofimap ks`: KAPPA_E, KAPPA_B and NGAL on its TAN grid, sigma_e from --sigma-e or
// the product's LMSIGE. LoFi was trained on unsmoothed KS maps, so a smoothed product is refused.
InputGrid grid_from_ks_map(const MapConfig& c) {
  const std::string& path = c.ks_map;
  const auto e = io::read_flat_fits(path, "KAPPA_E"), b = io::read_flat_fits(path, "KAPPA_B"),
             n = io::read_flat_fits(path, "NGAL");
  for (const auto* other : {&b, &n})
    if (other->grid.nx != e.grid.nx || other->grid.ny != e.grid.ny ||
        other->grid.pixel_arcmin != e.grid.pixel_arcmin)
      throw io::Error(path, "reading a KS map", "KAPPA_E, KAPPA_B and NGAL are not on the same grid");
  const auto smooth = io::read_primary_number(path, "LMSMOOTH");
  if (smooth && *smooth > 0)
    throw std::invalid_argument("--ks-map: " + path + " is smoothed (LMSMOOTH = " + std::to_string(*smooth) +
                                " arcmin); LoFi needs the unsmoothed map (lofimap ks without --smooth)");
  InputGrid in;
  in.patch = flat_grid(e.grid);
  in.kappa_e.assign(e.data.begin(), e.data.end());
  in.kappa_b.assign(b.data.begin(), b.data.end());
  in.counts.assign(n.data.begin(), n.data.end());
  try {
    const auto w = io::read_flat_fits(path, "WEIGHT");
    if (w.grid.nx == e.grid.nx && w.grid.ny == e.grid.ny) in.weight.assign(w.data.begin(), w.data.end());
  } catch (const io::Error&) {  // products of older versions: no WEIGHT
  }
  if (c.sigma_e > 0) {
    in.sigma_e = c.sigma_e;
  } else if (const auto recorded = io::read_primary_number(path, "LMSIGE")) {
    in.sigma_e = *recorded;
  } else {
    throw std::invalid_argument("--sigma-e: " + path +
                                " does not record the shape noise (no LMSIGE key): give --sigma-e");
  }
  in.cards = software_cards(c.output.command_line);
  in.cards.push_back({"LMKSMAP", path, "input KS map"});
  in.summary = "input KS map " + path;
  return in;
}

}  // namespace

ProductReport run_patch_lofi_map(const MapConfig& c, LofiEvaluator& model,
                                 const distributed::Communicator& comm) {
  const std::string model_path = c.model_path();
  const auto& mo = model.options();
  if (c.intervals) model_calibration(model, model_path);  // refused before the catalogue is read
  FlatKsSettings flat = c.flat;
  if (flat.pixel_arcmin == 0 && flat.npix == 0 && flat.size_deg == 0)
    flat.pixel_arcmin = mo.train_pixel_arcmin;
  validate_flat_settings(flat);
  if (mo.wiener_channel && !c.ks_map.empty())
    throw std::invalid_argument(
        "--ks-map: " + model_path +
        " reads the Wiener estimate of the binned shear, which a KS map does not hold; give "
        "the catalogue instead, or a model without that channel (--model "
        "share/lofimap/models/lognormal_compact.pt)");
  const bool to_list = !c.coords_file.empty();
  const bool to_healpix = c.nside > 0;
  std::unique_ptr<io::AtomicOutput> out, png;
  if (comm.is_root()) {
    out = std::make_unique<io::AtomicOutput>(c.output.path, c.output.overwrite);
    if (c.output.png && !to_list && !to_healpix)
      png = std::make_unique<io::AtomicOutput>(quicklook_path(c.output.path, "kappa"), c.output.overwrite);
  }
  PhaseTimer timer;
  ProductReport report;
  if (!c.ks_map.empty() && !comm.is_root()) return report;  // a KS map is read by rank 0 alone
  const InputGrid in =
      c.ks_map.empty() ? grid_from_catalogue(c, c.catalogue, flat, comm) : grid_from_ks_map(c);
  // Each tomographic bin on the grid of all bins together, with its own calibration and shape noise.
  std::vector<InputGrid> bins;
  FlatKsSettings fixed = flat;
  fixed.grid = in.patch;
  for (size_t b = 0; b < c.bins.count(); ++b) {
    CatalogueOptions selected = c.catalogue;
    selected.select = c.bins.selection(b, c.catalogue.select);
    bins.push_back(grid_from_catalogue(c, selected, fixed, comm));
  }
  timer.lap(c.ks_map.empty() ? "ingest, binning and Kaiser-Squires" : "reading the KS map");
  if (!comm.is_root()) return report;
  const FlatGrid& patch = in.patch;
  const double sigma_e = in.sigma_e;
  const long nx = patch.nx, ny = patch.ny;

  // Query coordinates in the patch's tangent plane [arcmin].
  std::vector<float> xy;
  std::vector<double> ra, dec;
  std::vector<long long> pixels;
  long ox = 0, oy = 0;
  double out_pixel = c.out_pixel_arcmin > 0 ? c.out_pixel_arcmin : patch.pixel_arcmin;
  if (to_list) {
    auto list = io::read_coordinate_list(c.coords_file);  // text, CSV or a FITS table with RA, DEC
    ra = std::move(list.ra_deg), dec = std::move(list.dec_deg);
    for (size_t i = 0; i < ra.size(); ++i) {
      const auto p = gnomonic_project(patch.centre, ra[i], dec[i]);
      if (!p.valid)
        throw std::invalid_argument("--coords: " + c.coords_file + " row " + std::to_string(i + 1) +
                                    " is on the far side of the sky");
      xy.push_back(static_cast<float>(p.x_deg * 60)), xy.push_back(static_cast<float>(p.y_deg * 60));
    }
  } else if (to_healpix) {
    pixels = sphere_pixels_in_patch(c.nside, patch);
    for (long long p : pixels) {
      double pra = 0, pdec = 0;
      sphere_pix2ang(c.nside, p, pra, pdec);
      const auto xy_deg = gnomonic_project(patch.centre, pra, pdec);
      xy.push_back(static_cast<float>(xy_deg.x_deg * 60)),
          xy.push_back(static_cast<float>(xy_deg.y_deg * 60));
    }
  } else {
    ox = c.out_npix > 0 ? c.out_npix
                        : std::max(1L, std::lround(static_cast<double>(nx) * patch.pixel_arcmin / out_pixel));
    oy = c.out_npix > 0 ? c.out_npix
                        : std::max(1L, std::lround(static_cast<double>(ny) * patch.pixel_arcmin / out_pixel));
    // Coordinates, values and their copies (~32 bytes an output pixel) and one batch of activations.
    require_memory(static_cast<double>(ox) * static_cast<double>(oy) * 32 +
                       static_cast<double>(c.model.batch) * mo.activation_floats_per_query() * 4,
                   "an output grid of " + std::to_string(ox) + " x " + std::to_string(oy) +
                       " pixels (--out-npix / --out-pixel)");
    const FlatGrid out_grid{patch.centre, out_pixel, ox, oy};
    for (long iy = 0; iy < oy; ++iy)
      for (long ix = 0; ix < ox; ++ix) {
        xy.push_back(static_cast<float>(out_grid.x_arcmin(static_cast<double>(ix))));
        xy.push_back(static_cast<float>(out_grid.y_arcmin(static_cast<double>(iy))));
      }
  }
  const long nq = static_cast<long>(xy.size() / 2);
  if (nq == 0) throw std::invalid_argument("--coords: the coordinate list is empty");
  // Inside the footprint of all bins (the closing of the pixels with galaxies): each query's input pixel.
  const std::vector<double> mask = footprint_mask(in.counts, patch);
  std::vector<char> inside(static_cast<size_t>(nq), 0);
  for (long q = 0; q < nq; ++q) {
    long ix = 0, iy = 0;
    inside[static_cast<size_t>(q)] = patch.pixel_of(xy[2 * q] / 60.0, xy[2 * q + 1] / 60.0, ix, iy) &&
                                     mask[static_cast<size_t>(iy * nx + ix)] > 0;
  }
  // Data outside what the model was trained on (density over the footprint, shape noise, input pixel).
  {
    const auto density = [&](const InputGrid& g) {
      double galaxies = 0, pixels = 0;
      for (size_t i = 0; i < mask.size(); ++i)
        if (mask[i] > 0) galaxies += g.counts[i], pixels += 1;
      return pixels > 0 ? galaxies / (pixels * patch.pixel_arcmin * patch.pixel_arcmin) : -1.0;
    };
    std::vector<std::string> warnings = {
        training_range_warning(mo, "the catalogue", density(in), sigma_e, patch.pixel_arcmin)};
    for (size_t b = 0; b < bins.size(); ++b)
      warnings.push_back(training_range_warning(mo, "bin " + std::to_string(b + 1), density(bins[b]),
                                                bins[b].sigma_e, patch.pixel_arcmin));
    for (const auto& w : warnings)
      if (!w.empty()) spdlog::warn("{}", w);
  }
  // Outside: NaN (flat grids, lists) or healpy's UNSEEN, unless kept.
  const float outside_value = to_healpix ? io::kHealpixUnseen : std::numeric_limits<float>::quiet_NaN();
  const auto mark_outside = [&](std::vector<float> v) {
    if (!c.keep_outside)
      for (size_t q = 0; q < v.size(); ++q)
        if (!inside[q]) v[q] = outside_value;
    return v;
  };
  // E, and with --b-mode B: the same network on the shear rotated by 45 degrees, gamma -> -i gamma, whose KS
  // maps are (kappa_B, -kappa_E).
  struct Maps {
    std::vector<float> e, b;
  };
  const auto lofi = [&](const InputGrid& g) {
    Maps m;
    m.e = mark_outside(model.evaluate(patch, g.kappa_e, g.kappa_b, g.g1, g.g2, g.counts, g.sigma_e, xy));
    if (c.b_mode) {
      std::vector<double> minus_e(g.kappa_e.size()), minus_g1(g.g1.size());
      for (size_t i = 0; i < minus_e.size(); ++i) minus_e[i] = -g.kappa_e[i];
      for (size_t i = 0; i < minus_g1.size(); ++i) minus_g1[i] = -g.g1[i];
      m.b = mark_outside(model.evaluate(patch, g.kappa_b, minus_e, g.g2, minus_g1, g.counts, g.sigma_e, xy));
    }
    return m;
  };
  const Maps all = lofi(in);
  std::vector<Maps> bin_maps;
  for (const auto& g : bins) bin_maps.push_back(lofi(g));
  const std::vector<float>& k = all.e;
  timer.lap("LoFi");
  // --intervals: each map's conformal quantiles times the width of its own counts and shape noise.
  std::vector<MapIntervals> intervals;
  if (c.intervals) {
    const IntervalCalibration calibration = model_calibration(model, model_path);
    const AngularSpectrum prior = interval_prior(mo);
    const auto of = [&](const InputGrid& g, const std::vector<float>& kappa) {
      const auto width = local_wiener_width(g.counts, g.sigma_e, prior, patch);
      MapIntervals iv = lofi_intervals(calibration, kappa, width, patch, xy,
                                       footprint_density(g.counts, mask, patch.pixel_arcmin));
      // Outside the footprint as the map is there (NaN, or UNSEEN on HEALPix, which is a finite number).
      for (auto* v : {&iv.std, &iv.lo68, &iv.hi68, &iv.lo95, &iv.hi95}) *v = mark_outside(std::move(*v));
      return iv;
    };
    intervals.push_back(of(in, all.e));
    for (size_t b = 0; b < bins.size(); ++b) intervals.push_back(of(bins[b], bin_maps[b].e));
    timer.lap("intervals");
  }
  const std::string hash = model.model_hash();
  std::ostringstream summary;
  summary << in.summary << "\ninput grid " << nx << " x " << ny << " at " << patch.pixel_arcmin
          << "' centred on RA " << patch.centre.ra_deg << " Dec " << patch.centre.dec_deg << "; sigma_e "
          << sigma_e
          << (c.sigma_e > 0      ? " (given)"
              : c.ks_map.empty() ? " (measured)"
                                 : " (recorded in the KS map)")
          << "\nmodel " << model_path << " (hash " << hash << "), "
          << (to_healpix ? std::to_string(nq) + " HEALPix pixels at nside " + std::to_string(c.nside)
              : to_list  ? std::to_string(nq) + " coordinates"
                         : std::to_string(ox) + " x " + std::to_string(oy) + " output pixels of " +
                              std::to_string(out_pixel) + "'");
  for (size_t b = 0; b < bins.size(); ++b)
    summary << "\nbin " << b + 1 << ": " << bins[b].summary << "; sigma_e " << bins[b].sigma_e;
  // Every map's name, its values and its bin (0: all bins together).
  struct Named {
    std::string name;
    const std::vector<float>* values;
    size_t bin;
  };
  std::vector<Named> maps = {{"KAPPA", &all.e, 0}};
  const auto add_intervals = [&](size_t bin) {
    if (intervals.empty()) return;
    const MapIntervals& iv = intervals[bin];
    const std::string suffix = bin == 0 ? "" : TomographicBins::suffix(bin - 1);
    maps.push_back({"KAPPA_STD" + suffix, &iv.std, bin});
    maps.push_back({"KAPPA_LO68" + suffix, &iv.lo68, bin});
    maps.push_back({"KAPPA_HI68" + suffix, &iv.hi68, bin});
    maps.push_back({"KAPPA_LO95" + suffix, &iv.lo95, bin});
    maps.push_back({"KAPPA_HI95" + suffix, &iv.hi95, bin});
  };
  add_intervals(0);
  if (c.b_mode) maps.push_back({"KAPPA_B", &all.b, 0});
  for (size_t b = 0; b < bins.size(); ++b) {
    maps.push_back({"KAPPA" + TomographicBins::suffix(b), &bin_maps[b].e, b + 1});
    add_intervals(b + 1);
    if (c.b_mode) maps.push_back({"KAPPA_B" + TomographicBins::suffix(b), &bin_maps[b].b, b + 1});
  }
  auto cards = in.cards;
  cards.push_back({"LMMODEL", model_path, "LoFi weights"});
  cards.push_back({"LMHASH", hash, "LoFi model content hash"});
  cards.push_back({"LMNAN", !c.keep_outside, "map NaN (UNSEEN on HEALPix) outside the footprint"});
  if (!intervals.empty()) {
    const auto calibration = IntervalCalibration::from_json(model.calibration_json());
    cards.push_back({"LMINTERV", "conformal x " + calibration.width,
                     "KAPPA_STD/LO/HI: calibrated quantiles x per-pixel width"});
    cards.push_back({"LMQ68", intervals[0].q68, "68% half-width / width (conformal, >= q95 z68/z95)"});
    cards.push_back({"LMQ95", intervals[0].q95, "95% quantile of |truth - LoFi| / width"});
    cards.push_back({"LMCALDEN", intervals[0].density, "[arcmin^-2] footprint density of the lookup"});
    cards.push_back({"LMCALSET", calibration.description.substr(0, 68), "calibration set (start)"});
  }
  if (c.bins.enabled()) {
    cards.push_back({"LMNBINS", static_cast<long long>(c.bins.count()), "tomographic bins (*_BINn)"});
    cards.push_back({"LMBINCOL", c.bins.column, "column the bins divide (edge_i < value <= edge_i+1)"});
    for (size_t e = 0; e < c.bins.edges.size(); ++e)
      cards.push_back({"LMBINE" + std::to_string(e), c.bins.edges[e], "bin edge"});
    for (size_t b = 0; b < bins.size(); ++b) {
      const std::string n = std::to_string(b + 1);
      cards.push_back({"LMB" + n + "SIGE", bins[b].sigma_e, "shape noise per component in bin " + n});
    }
  }
  if (to_list) {
    std::vector<std::vector<double>> columns;
    for (const auto& m : maps) columns.emplace_back(m.values->begin(), m.values->end());
    std::vector<const std::vector<double>*> pointers = {&ra, &dec};
    std::string names = "RA Dec";
    for (size_t i = 0; i < maps.size(); ++i) {
      pointers.push_back(&columns[i]);
      std::string lower = maps[i].name;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      names += " " + lower;
    }
    io::write_text_columns(out->temp_path(),
                           "LoFi convergence at the listed coordinates (NaN outside the footprint)\nmodel " +
                               model_path + " hash " + hash + "\ncolumns: " + names,
                           pointers);
  } else if (to_healpix) {
    std::vector<io::HealpixColumn> columns;
    for (const auto& m : maps) columns.push_back({m.name, "", m.values->data()});
    io::write_healpix_fits(out->temp_path(), c.nside, columns, cards, "C", pixels);
  } else {
    cards.push_back({"LMSIGE", sigma_e, "shape noise per component used for the noise channel"});
    cards.push_back({"LMINPIX", patch.pixel_arcmin, "[arcmin] input (KS) grid pixel"});
    const FlatGrid out_patch{patch.centre, out_pixel, ox, oy};
    // Galaxy counts and weights on the output grid when it is the input grid; the footprint mask always.
    const bool same_grid = ox == nx && oy == ny && out_pixel == patch.pixel_arcmin;
    const std::vector<double> out_mask = same_grid ? mask : resample_mask(mask, patch, out_patch);
    std::vector<io::NamedImage> images;
    for (const auto& m : maps) {
      std::vector<io::HeaderCard> extra;
      if (m.bin > 0) {
        const size_t b = m.bin - 1;
        extra = {{"LMBIN", static_cast<long long>(m.bin), "tomographic bin (1-based)"},
                 {"LMSELECT", c.bins.selection(b, c.catalogue.select), "row selection of this bin"},
                 {"LMSIGE", bins[b].sigma_e, "shape noise per component in this bin"}};
      }
      images.push_back({m.name, "", m.values->data(), extra});
      if (same_grid && !in.weight.empty() && (m.name == "KAPPA" || m.name.rfind("KAPPA_BIN", 0) == 0)) {
        const InputGrid& g = m.bin == 0 ? in : bins[m.bin - 1];
        const std::string suffix = m.bin == 0 ? "" : TomographicBins::suffix(m.bin - 1);
        images.push_back({"WEIGHT" + suffix, "", g.weight.data(), extra});
        images.push_back({"NGAL" + suffix, "count", g.counts.data(), extra});
      }
    }
    images.push_back({"MASK", "", out_mask.data(), {}});
    if (!same_grid)
      cards.push_back({"LMNOGAL", true, "NGAL/WEIGHT only on the input grid (ks); MASK resampled here"});
    io::write_flat_fits(out->temp_path(), tan_grid(out_patch), images, cards);
    if (png) {
      const std::vector<double> kappa(k.begin(), k.end());
      auto view = flat_view(kappa, out_patch);
      char grid_text[96];
      std::snprintf(grid_text, sizeof grid_text, "%ld × %ld pixels of %g'", ox, oy, out_pixel);
      const std::string source =
          c.ks_map.empty()
              ? catalogue_label(io::expand_catalogue_paths(c.catalogue.inputs), c.catalogue.select)
              : std::filesystem::path(c.ks_map).filename().string();
      view.style.title = "LoFi κ (" + model_label(model_path, hash) + ") — " + source + ", " + grid_text;
      view.style.colorbar_label = "κ";
      io::write_quicklook_png(png->temp_path(), view.raster, view.style);
    }
  }
  std::vector<io::AtomicOutput*> outputs{out.get()};
  if (png) outputs.push_back(png.get());
  io::commit_together(outputs);  // the map and its picture together, or neither
  for (auto* o : outputs) report.written.push_back(o->target());
  timer.lap("output");
  summary << "\ntimings: " << timer.text();
  report.summary = summary.str();
  return report;
}

}  // namespace lofimap::pipeline
