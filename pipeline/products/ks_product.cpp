#include "pipeline/products/ks_product.hpp"

#include "pipeline/products/region_ks_product.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/catalogue_files.hpp"
#include "io/fits_maps.hpp"
#include "io/png_quicklook.hpp"
#include "pipeline/core/flat_grid_wcs.hpp"
#include "pipeline/core/map_statistics.hpp"
#include "pipeline/core/phase_timer.hpp"
#include "pipeline/flat/flat_binning.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/flat/flat_patch_settings.hpp"
#include "pipeline/flat/wiener_filter.hpp"
#include "pipeline/products/binned_catalogue.hpp"
#include "pipeline/products/provenance.hpp"
#include "pipeline/products/quicklook_raster.hpp"
#include "pipeline/sphere/sphere_binning.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/sphere/sphere_wiener_filter.hpp"

namespace lofimap::pipeline {

namespace {

std::vector<float> to_float(const std::vector<double>& v) {
  return std::vector<float>(v.begin(), v.end());
}

std::string stats_line(const char* name, const std::vector<double>& map, const std::vector<double>& mask) {
  std::ostringstream s;
  s << "  " << name << ": rms " << rms(map, mask) << ", skewness " << skewness(map, mask);
  return s.str();
}

// Writes FITS + PNGs to temporaries, then renames all of them into place.
class ProductSet {
 public:
  explicit ProductSet(const OutputOptions& o) {
    fits_ = std::make_unique<io::AtomicOutput>(o.path, o.overwrite);
    if (o.png)
      for (const auto& p : quicklook_paths(o.path))
        pngs_.push_back(std::make_unique<io::AtomicOutput>(p, o.overwrite));
  }
  const std::string& fits_temp() const { return fits_->temp_path(); }
  std::string png_temp(size_t i) const { return i < pngs_.size() ? pngs_[i]->temp_path() : ""; }
  std::vector<std::string> commit() {
    std::vector<io::AtomicOutput*> all{fits_.get()};
    for (auto& p : pngs_) all.push_back(p.get());
    io::commit_together(all);  // the map and its pictures together, or none of them
    std::vector<std::string> written;
    for (auto* o : all) written.push_back(o->target());
    return written;
  }

 private:
  std::unique_ptr<io::AtomicOutput> fits_;
  std::vector<std::unique_ptr<io::AtomicOutput>> pngs_;
};

// Symmetric colour limit: the 99.5th percentile of |value| over the drawn pixels.
double symmetric_limit(const io::Raster& raster) {
  std::vector<float> a;
  for (float v : raster.values)
    if (std::isfinite(v)) a.push_back(std::abs(v));
  if (a.empty()) return 1;
  const size_t k = static_cast<size_t>(0.995 * static_cast<double>(a.size() - 1));
  std::nth_element(a.begin(), a.begin() + static_cast<long>(k), a.end());
  return a[k] > 0 ? a[k] : 1;
}

void write_pngs(const ProductSet& out, const std::vector<QuicklookView>& views,
                const std::string& title_suffix) {
  const char* titles[] = {"Kaiser–Squires κ E-mode", "Kaiser–Squires κ B-mode", "Galaxies per pixel"};
  const double kappa_limit = symmetric_limit(views[0].raster);
  for (size_t i = 0; i < views.size(); ++i) {
    const std::string path = out.png_temp(i);
    if (path.empty()) continue;
    io::QuicklookStyle style = views[i].style;
    style.title = std::string(titles[i]) + title_suffix;
    style.colormap = i < 2 ? io::Colormap::Diverging : io::Colormap::Sequential;
    style.colorbar_label = i < 2 ? "κ" : "N";
    if (i < 2) {  // E and B on one colour scale (E's), so that their amplitudes can be compared by eye
      style.vmin = -kappa_limit;
      style.vmax = kappa_limit;
    }
    io::write_quicklook_png(path, views[i].raster, style);
  }
}

}  // namespace

ProductReport run_kaiser_squires(const KsConfig& c, const distributed::Communicator& comm) {
  c.validate();
  if (c.regions.enabled()) return run_region_kaiser_squires(c, comm);
  std::unique_ptr<ProductSet> products;
  if (comm.is_root()) products = std::make_unique<ProductSet>(c.output);  // fails early on unwritable outputs

  PhaseTimer timer;
  ProductReport report;
  std::ostringstream summary;
  const auto cards_for = [&](const CatalogueSummary& catalogue) {
    summary << catalogue.report() << "\n";
    auto cards = provenance_cards(c.output.command_line, catalogue);
    cards.push_back({"LMSMOOTH", c.smoothing_arcmin, "[arcmin] Gaussian smoothing sigma"});
    cards.push_back({"LMFLIP1", c.catalogue.flip_e1, "e1 sign flipped by the user"});
    cards.push_back({"LMFLIP2", c.catalogue.flip_e2, "e2 sign flipped by the user"});
    return cards;
  };

  if (!c.sphere) {
    // collective: before rank 0 goes on alone
    const FlatCatalogueGrid input = bin_catalogue_flat(c.catalogue, c.flat, comm, timer);
    if (!comm.is_root()) return report;
    auto cards = cards_for(input.catalogue);
    const FlatShearGrid& grid = input.grid;
    const FlatGrid& patch = grid.patch;
    const double sigma_e = input.sigma_e;
    const long long inside = input.catalogue.rows_valid - grid.outside;
    if (inside <= 0)
      throw std::invalid_argument("--center/--size: no galaxy falls inside the requested patch");
    check_smoothing(c.smoothing_arcmin,
                    static_cast<double>(std::min(patch.nx, patch.ny)) * patch.pixel_arcmin, "the patch");
    const double sigma_pix = c.smoothing_arcmin / patch.pixel_arcmin;
    const FlatFieldPair kappa =
        flat_kaiser_squires({patch.nx, patch.ny, grid.g1, grid.g2}, c.flat.pad, sigma_pix);
    timer.lap("Kaiser-Squires");
    summary << "flat patch: centre RA " << patch.centre.ra_deg << " Dec " << patch.centre.dec_deg << ", "
            << patch.nx << " x " << patch.ny << " pixels of " << patch.pixel_arcmin << " arcmin, "
            << grid.outside << " galaxies outside\n";
    summary << stats_line("kappa_E", kappa.a, grid.weight) << "\n"
            << stats_line("kappa_B", kappa.b, grid.weight);
    cards.push_back({"LMPIXAM", patch.pixel_arcmin, "[arcmin] pixel scale"});
    cards.push_back({"LMPAD", c.flat.pad, "FFT zero-padding factor"});
    cards.push_back({"LMSIGE", sigma_e, "measured shape noise per component (weighted rms)"});
    cards.push_back({"LMOUTSID", grid.outside, "valid galaxies outside the patch"});
    std::vector<io::NamedImage> images = {{"KAPPA_E", "", kappa.a.data()},
                                          {"KAPPA_B", "", kappa.b.data()},
                                          {"WEIGHT", "", grid.weight.data()},
                                          {"NGAL", "count", grid.count.data()}};
    std::vector<double> wf;
    if (!c.wiener_cl.empty()) {
      // The Wiener filter with this C_ell and the per-pixel noise sigma_e^2 / N_gal (unobserved pixels:
      // none). Its operators stay periodic (pad 1): zero-padded KS is not the exact adjoint of the
      // zero-padded forward model, and CG on that non-symmetric system stalls (1000 iterations without
      // converging on a 96^2 patch, against 5 periodic); the prior and the noise weights handle the patch
      // edges.
      auto result = wiener_filter(grid.g1, grid.g2, grid.count, sigma_e, read_cl_table(c.wiener_cl),
                                  FlatGrid::square(patch.nx, patch.pixel_arcmin));
      if (result.iterations >= WienerOptions{}.max_iterations)
        throw std::runtime_error("--wiener: the conjugate-gradient solve did not converge (residual " +
                                 std::to_string(result.residual) + ")");
      timer.lap("Wiener filter");
      wf = std::move(result.kappa);
      images.push_back({"KAPPA_WIENER", "", wf.data()});
      cards.push_back({"LMWFCL", c.wiener_cl, "C_ell table of the Wiener filter"});
      cards.push_back({"LMWFIT", static_cast<long long>(result.iterations), "Wiener filter CG iterations"});
      summary << "\n"
              << stats_line("kappa_Wiener", wf, grid.weight) << " (" << result.iterations
              << " CG iterations)";
    }
    io::write_flat_fits(products->fits_temp(), tan_grid(patch), images, cards);
    if (c.output.png)
      write_pngs(*products,
                 {flat_view(kappa.a, patch), flat_view(kappa.b, patch), flat_view(grid.count, patch)}, "");
  } else {
    // Beside the binned maps: about 70 bytes per pixel for the transforms' maps and the outputs, and four
    // a_lm sets (ten with the Wiener filter's conjugate gradients); 1.48 GB measured at nside 1024 with two
    // binning threads against 2.1 GB estimated.
    const double sky_pixels = 12.0 * static_cast<double>(c.nside) * static_cast<double>(c.nside);
    const double band_limit =
        c.sphere_options.lmax > 0 ? c.sphere_options.lmax : 2.0 * static_cast<double>(c.nside);
    const double transforms =
        70 * sky_pixels + 16 * 0.5 * (band_limit + 1) * (band_limit + 2) * (c.wiener_cl.empty() ? 4 : 10);
    // collective: before rank 0 goes on alone
    const SphereCatalogueMaps input = bin_catalogue_sphere(c.catalogue, c.nside, transforms, comm, timer);
    const SphereShearMaps& maps = input.maps;
    const double sigma_e = input.sigma_e;
    if (!comm.is_root()) return report;
    auto cards = cards_for(input.catalogue);
    SphereKsOptions options = c.sphere_options;
    options.smoothing_arcmin = c.smoothing_arcmin;
    const SphereFieldPair kappa = sphere_kaiser_squires(maps.q, maps.u, c.nside, options);
    timer.lap("spherical Kaiser-Squires");
    const int lmax = options.lmax > 0 ? options.lmax : static_cast<int>(2 * c.nside);
    // The spherical Wiener filter with this C_ell and the per-pixel noise sigma_e^2 / N_gal (none outside
    // the footprint).
    SphereWienerResult wiener;
    if (!c.wiener_cl.empty()) {
      SphereWienerOptions wo;
      wo.lmax = lmax;
      wiener =
          sphere_wiener_filter(maps.q, maps.u, maps.count, sigma_e, read_cl_table(c.wiener_cl), c.nside, wo);
      if (wiener.iterations >= wo.max_iterations)
        throw std::runtime_error("--wiener: the conjugate-gradient solve did not converge (residual " +
                                 std::to_string(wiener.residual) + ")");
      timer.lap("spherical Wiener filter");
      cards.push_back({"LMWFCL", c.wiener_cl, "C_ell table of the Wiener filter"});
      cards.push_back({"LMWFIT", static_cast<long long>(wiener.iterations), "Wiener filter CG iterations"});
    }
    long long observed = 0;
    for (double w : maps.weight) observed += w > 0;
    summary << "HEALPix nside " << c.nside << ", lmax " << lmax << ", " << observed << " observed pixels ("
            << 100.0 * static_cast<double>(observed) / static_cast<double>(maps.weight.size())
            << "% of the sky)\n";
    summary << stats_line("kappa_E", kappa.a, maps.weight) << "\n"
            << stats_line("kappa_B", kappa.b, maps.weight);
    cards.push_back({"LMLMAX", static_cast<long long>(lmax), "band limit of the spherical KS"});
    cards.push_back({"LMSHTIT", static_cast<long long>(options.iterations), "map2alm Jacobi iterations"});
    std::vector<long long> pixels;  // partial output: the observed pixels only
    if (c.partial)
      for (size_t p = 0; p < maps.weight.size(); ++p)
        if (maps.weight[p] > 0) pixels.push_back(static_cast<long long>(p));
    // Outside the footprint the transform leaves ringing, which a map viewer would show as signal: those
    // pixels of the full-sky kappa maps are UNSEEN (healpy's -1.6375e30), as healpy's own tools expect.
    constexpr double kUnseen = -1.6375e30;
    auto column = [&](const std::vector<double>& full) {
      if (!c.partial) return to_float(full);
      std::vector<float> v(pixels.size());
      for (size_t i = 0; i < pixels.size(); ++i)
        v[i] = static_cast<float>(full[static_cast<size_t>(pixels[i])]);
      return v;
    };
    auto unseen_outside = [&](std::vector<double> full) {
      for (size_t p = 0; p < full.size(); ++p)
        if (!(maps.weight[p] > 0)) full[p] = kUnseen;
      return full;
    };
    const auto ke = column(unseen_outside(kappa.a)), kb = column(unseen_outside(kappa.b)),
               w = column(maps.weight), n = column(maps.count);
    std::vector<io::HealpixColumn> columns = {{"KAPPA_E", "", ke.data()},
                                              {"KAPPA_B", "", kb.data()},
                                              {"WEIGHT", "", w.data()},
                                              {"NGAL", "count", n.data()}};
    std::vector<float> kw;
    if (!c.wiener_cl.empty()) {
      kw = column(unseen_outside(wiener.kappa));
      columns.push_back({"KAPPA_WIENER", "", kw.data()});
      summary << "\n"
              << stats_line("kappa_Wiener", wiener.kappa, maps.weight) << " (" << wiener.iterations
              << " CG iterations)";
    }
    io::write_healpix_fits(products->fits_temp(), c.nside, columns, cards, "C", pixels);
    if (c.output.png)
      write_pngs(*products,
                 {sphere_view(kappa.a, maps.weight, c.nside), sphere_view(kappa.b, maps.weight, c.nside),
                  sphere_view(maps.count, maps.weight, c.nside)},
                 ", nside " + std::to_string(c.nside));
  }
  report.written = products->commit();
  timer.lap("output");
  summary << "\ntimings: " << timer.text();
  report.summary = summary.str();
  return report;
}

}  // namespace lofimap::pipeline
