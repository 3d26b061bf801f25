#include "pipeline/products/patch_lofi_map.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "io/atomic_output.hpp"
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
#include "pipeline/products/binned_catalogue.hpp"
#include "pipeline/products/provenance.hpp"
#include "pipeline/products/quicklook_raster.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/survey/healpix_patch_pixels.hpp"

namespace lofimap::pipeline {

namespace {

// LoFi's input: the unsmoothed KS E/B maps on a flat grid, the galaxy counts per pixel and the shape noise.
struct InputGrid {
  FlatGrid patch;
  std::vector<double> kappa_e, kappa_b, counts;
  std::vector<double> g1, g2;  // the binned shear (from catalogues only): the Wiener channel's input
  double sigma_e = 0;
  std::vector<io::HeaderCard> cards;  // provenance of the output
  std::string summary;
};

// From catalogues: bin (all ranks; in the catalogue pass when the patch is given), KS on rank 0. Non-root
// ranks get an empty grid.
InputGrid grid_from_catalogue(const MapConfig& c, const FlatKsSettings& flat,
                              const distributed::Communicator& comm) {
  PhaseTimer timer;
  const FlatCatalogueGrid binned = bin_catalogue_flat(c.catalogue, flat, comm, timer);
  const FlatShearGrid& grid = binned.grid;
  InputGrid in;
  in.patch = grid.patch;
  in.sigma_e = c.sigma_e > 0 ? c.sigma_e : binned.sigma_e;
  if (!comm.is_root()) return in;
  auto ks = flat_kaiser_squires({in.patch.nx, in.patch.ny, grid.g1, grid.g2}, flat.pad, 0.0);
  in.kappa_e = std::move(ks.a), in.kappa_b = std::move(ks.b), in.counts = grid.count;
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
  const InputGrid in = c.ks_map.empty() ? grid_from_catalogue(c, flat, comm) : grid_from_ks_map(c);
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
  const std::vector<float> k =
      model.evaluate(patch, in.kappa_e, in.kappa_b, in.g1, in.g2, in.counts, sigma_e, xy);
  timer.lap("LoFi");
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
  if (to_list) {
    const std::vector<double> kappa(k.begin(), k.end());
    io::write_text_columns(out->temp_path(),
                           "LoFi convergence at the listed coordinates\nmodel " + model_path + " hash " +
                               hash + "\ncolumns: RA Dec kappa",
                           {&ra, &dec, &kappa});
  } else if (to_healpix) {
    auto cards = in.cards;
    cards.push_back({"LMMODEL", model_path, "LoFi weights"});
    cards.push_back({"LMHASH", hash, "LoFi model content hash"});
    io::write_healpix_fits(out->temp_path(), c.nside, {{"KAPPA", "", k.data()}}, cards, "C", pixels);
  } else {
    auto cards = in.cards;
    cards.push_back({"LMMODEL", model_path, "LoFi weights"});
    cards.push_back({"LMHASH", hash, "LoFi model content hash"});
    cards.push_back({"LMSIGE", sigma_e, "shape noise per component used for the noise channel"});
    cards.push_back({"LMINPIX", patch.pixel_arcmin, "[arcmin] input (KS) grid pixel"});
    const FlatGrid out_patch{patch.centre, out_pixel, ox, oy};
    io::write_flat_fits(out->temp_path(), tan_grid(out_patch), {{"KAPPA", "", k.data()}}, cards);
    if (png) {
      const std::vector<double> kappa(k.begin(), k.end());
      auto view = flat_view(kappa, out_patch);
      view.style.title = "LoFi convergence κ";
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
