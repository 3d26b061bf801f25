#include "pipeline/products/ks_product.hpp"

#include "pipeline/products/region_ks_product.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/catalogue_files.hpp"
#include "io/fits_maps.hpp"
#include "io/png_quicklook.hpp"
#include "pipeline/catalogue/catalogue_loader.hpp"
#include "pipeline/core/flat_grid_wcs.hpp"
#include "pipeline/core/interval_calibration.hpp"
#include "pipeline/core/machine_resources.hpp"
#include "pipeline/core/map_statistics.hpp"
#include "pipeline/core/phase_timer.hpp"
#include "pipeline/flat/aperture_mass.hpp"
#include "pipeline/flat/flat_binning.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/flat/flat_patch_settings.hpp"
#include "pipeline/flat/footprint_mask.hpp"
#include "pipeline/flat/ks_noise_map.hpp"
#include "pipeline/flat/wiener_filter.hpp"
#include "pipeline/products/binned_catalogue.hpp"
#include "pipeline/products/provenance.hpp"
#include "pipeline/products/quicklook_raster.hpp"
#include "pipeline/products/wiener_prior.hpp"
#include "pipeline/sphere/sphere_binning.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/sphere/sphere_wiener_filter.hpp"
#include "pipeline/survey/noise_rotation.hpp"

namespace lofimap::pipeline {

namespace {

std::vector<float> to_float(const std::vector<double>& v) {
  return std::vector<float>(v.begin(), v.end());
}

std::string stats_line(const std::string& name, const std::vector<double>& map,
                       const std::vector<double>& mask) {
  std::ostringstream s;
  s << "  " << name << ": rms " << rms(map, mask) << ", skewness " << skewness(map, mask);
  return s.str();
}

// Writes FITS + PNGs to temporaries, then renames all of them into place.
class ProductSet {
 public:
  ProductSet(const OutputOptions& o, bool wiener) {
    fits_ = std::make_unique<io::AtomicOutput>(o.path, o.overwrite);
    if (o.png)
      for (const auto& p : quicklook_paths(o.path, wiener))
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

// What the pictures' titles name: the catalogue, its selection and the smoothing, and the grid.
std::string title_context(const KsConfig& c, const CatalogueSummary& catalogue, const std::string& grid) {
  return catalogue_label(catalogue.files, catalogue.select) + smoothing_label(c.smoothing_arcmin) + ", " +
         grid;
}

// E and B on one colour scale (E's, centred on its median), so that their amplitudes can be compared by eye;
// the Wiener map on its own scale (it is smoother); galaxy counts sequential.
void write_pngs(const ProductSet& out, const std::vector<QuicklookView>& views, const std::string& context) {
  const char* titles[] = {"Kaiser–Squires κ E-mode", "Kaiser–Squires κ B-mode", "Galaxies per pixel",
                          "Wiener-filtered κ"};
  io::QuicklookStyle e_style = views[0].style;
  e_style.colormap = io::Colormap::Diverging;
  const auto [e_lo, e_hi] = io::colour_limits(views[0].raster, e_style);
  for (size_t i = 0; i < views.size(); ++i) {
    const std::string path = out.png_temp(i);
    if (path.empty()) continue;
    io::QuicklookStyle style = views[i].style;
    style.title = std::string(titles[i]) + " — " + context;
    const bool counts = i == 2;
    style.colormap = counts ? io::Colormap::Sequential : io::Colormap::Diverging;
    style.colorbar_label = counts ? "N" : "κ";
    if (i < 2) style.vmin = e_lo, style.vmax = e_hi;
    io::write_quicklook_png(path, views[i].raster, style);
  }
}

// One set of flat maps: of all bins together, or of one bin. Valid on rank 0.
struct FlatKsMaps {
  CatalogueSummary catalogue;
  FlatShearGrid grid;
  FlatFieldPair kappa;
  std::vector<double> wiener;
  int wiener_iterations = 0;
  std::string wiener_prior;  // what the prior was (a table, or the Limber spectrum of the n(z))
  double sigma_e = 0;
  ApertureMassMaps aperture;  // with --aperture-mass
  // The shape-noise std of the KS maps (E and B alike): analytic, or from K rotated catalogues.
  std::vector<double> noise_std;
  std::vector<double> wiener_noise_std;  // with --wiener and K rotated catalogues: the Wiener map's
  // With --intervals / --samples: the Wiener posterior's std, 68% / 95% intervals and the draws.
  SampleIntervals wiener_intervals;
  std::vector<std::vector<double>> wiener_samples;
  int posterior_samples = 0;
};

// Mean-free std per pixel of the maps in sum / sum2 over k realisations (sample std, k - 1).
std::vector<double> realisation_std(const std::vector<double>& sum, const std::vector<double>& sum2, long k) {
  std::vector<double> out(sum.size());
  for (size_t i = 0; i < sum.size(); ++i) {
    const double mean = sum[i] / static_cast<double>(k);
    out[i] = std::sqrt(std::max(0.0, (sum2[i] - k * mean * mean) / static_cast<double>(k - 1)));
  }
  return out;
}

// Collective: bins the catalogue (all ranks), then KS and the Wiener filter on rank 0.
FlatKsMaps flat_ks_maps(const KsConfig& c, const CatalogueOptions& catalogue, const FlatKsSettings& flat,
                        const distributed::Communicator& comm, PhaseTimer& timer) {
  FlatCatalogueGrid input = bin_catalogue_flat(catalogue, flat, comm, timer);
  FlatKsMaps m;
  m.catalogue = input.catalogue;
  m.sigma_e = input.sigma_e;
  m.grid = std::move(input.grid);
  if (c.intervals || c.samples > 0) {  // on every rank, before any transform
    // The draws are held until written (8 bytes a pixel each, and a float copy for the file).
    const int n = c.samples > 0 ? c.samples : 32;
    require_memory(static_cast<double>(n) * static_cast<double>(m.grid.patch.pixels()) * 12,
                   "--samples " + std::to_string(n) + " posterior draws of " +
                       std::to_string(m.grid.patch.nx) + " x " + std::to_string(m.grid.patch.ny) + " pixels");
  }
  // The Wiener prior, read where every rank can fail alike.
  AngularSpectrum prior;
  if (!c.wiener_cl.empty()) prior = wiener_prior(c.wiener_cl, m.catalogue, catalogue, m.wiener_prior);
  const FlatGrid wiener_grid(m.grid.patch.centre, m.grid.patch.pixel_arcmin, m.grid.patch.nx,
                             m.grid.patch.ny);
  // Noise from K rotated catalogues (collective): the galaxies are read once more and kept, each realisation
  // binned on the same patch; the estimator(s) rerun on rank 0.
  if (c.noise.realisations > 0) {
    const LoadedCatalogue loaded = load_catalogue(catalogue, comm);
    const NoiseRotations rotations(loaded.galaxies, c.noise.seed);
    const size_t nn = static_cast<size_t>(m.grid.patch.pixels());
    std::vector<double> sum(nn, 0.0), sum2(nn, 0.0), wsum(nn, 0.0), wsum2(nn, 0.0);
    for (long k = 0; k < c.noise.realisations; ++k) {
      const FlatShearGrid noisy = bin_flat(rotations.apply(loaded.galaxies, k), m.grid.patch, comm);
      if (!comm.is_root()) continue;
      const auto ks = flat_kaiser_squires({noisy.patch.nx, noisy.patch.ny, noisy.g1, noisy.g2}, c.flat.pad,
                                          c.smoothing_arcmin / noisy.patch.pixel_arcmin);
      for (size_t i = 0; i < nn; ++i) sum[i] += ks.a[i], sum2[i] += ks.a[i] * ks.a[i];
      if (!c.wiener_cl.empty()) {
        const auto w = wiener_filter(noisy.g1, noisy.g2, noisy.count, m.sigma_e, prior, wiener_grid).kappa;
        for (size_t i = 0; i < nn; ++i) wsum[i] += w[i], wsum2[i] += w[i] * w[i];
      }
    }
    if (comm.is_root()) {
      m.noise_std = realisation_std(sum, sum2, c.noise.realisations);
      if (!c.wiener_cl.empty()) m.wiener_noise_std = realisation_std(wsum, wsum2, c.noise.realisations);
    }
    timer.lap("noise realisations");
  }
  if (!comm.is_root()) return m;
  const FlatGrid& patch = m.grid.patch;
  if (m.catalogue.rows_valid - m.grid.outside <= 0)
    throw std::invalid_argument(
        "--center/--size: no galaxy " +
        (catalogue.select.empty() ? std::string() : "of '" + catalogue.select + "' ") +
        "falls inside the requested patch");
  check_smoothing(c.smoothing_arcmin, static_cast<double>(std::min(patch.nx, patch.ny)) * patch.pixel_arcmin,
                  "the patch");
  m.kappa = flat_kaiser_squires({patch.nx, patch.ny, m.grid.g1, m.grid.g2}, c.flat.pad,
                                c.smoothing_arcmin / patch.pixel_arcmin);
  if (m.noise_std.empty())
    m.noise_std = flat_ks_noise_std(m.grid.count, patch.nx, patch.ny, m.sigma_e, c.flat.pad,
                                    c.smoothing_arcmin / patch.pixel_arcmin);
  timer.lap("Kaiser-Squires");
  if (c.aperture_mass_arcmin > 0) {
    if (c.aperture_mass_arcmin > 0.5 * static_cast<double>(std::min(patch.nx, patch.ny)) * patch.pixel_arcmin)
      throw std::invalid_argument("--aperture-mass: a filter radius beyond half the patch's side");
    m.aperture = aperture_mass(m.grid.g1, m.grid.g2, m.grid.count, patch, c.aperture_mass_arcmin, m.sigma_e);
    timer.lap("aperture mass");
  }
  if (!c.wiener_cl.empty()) {
    // The Wiener filter with this C_ell and the per-pixel noise sigma_e^2 / N_gal (unobserved pixels:
    // none), on the patch's own nx x ny grid. Its operators stay periodic (pad 1): zero-padded KS is not the
    // exact adjoint of the zero-padded forward model, and CG on that non-symmetric system stalls (1000
    // iterations without converging on a 96^2 patch, against 5 periodic); the prior and the noise weights
    // handle the patch edges.
    auto result = wiener_filter(m.grid.g1, m.grid.g2, m.grid.count, m.sigma_e, prior, wiener_grid);
    if (result.iterations >= WienerOptions{}.max_iterations)
      throw std::runtime_error("--wiener: the conjugate-gradient solve did not converge (residual " +
                               std::to_string(result.residual) + ")");
    timer.lap("Wiener filter");
    m.wiener = std::move(result.kappa);
    m.wiener_iterations = result.iterations;
    if (c.intervals || c.samples > 0) {
      // Exact posterior draws (Hoffman-Ribak); the interval mean +- t_N s with s about the known mean.
      const int n = c.samples > 0 ? c.samples : 32;
      auto posterior =
          wiener_posterior_samples(m.grid.count, m.sigma_e, prior, wiener_grid, m.wiener, n, c.noise.seed);
      m.posterior_samples = n;
      if (c.intervals) m.wiener_intervals = sample_intervals(m.wiener, posterior.samples);
      if (c.samples > 0) m.wiener_samples = std::move(posterior.samples);
      timer.lap("Wiener posterior samples");
    }
  }
  return m;
}

// NaN where the mask is 0 (a copy).
std::vector<double> masked(std::vector<double> map, const std::vector<double>& mask) {
  if (mask.empty()) return map;
  for (size_t i = 0; i < map.size(); ++i)
    if (!(mask[i] > 0)) map[i] = std::numeric_limits<double>::quiet_NaN();
  return map;
}

// Cards of one bin's HDUs (empty for all bins together): its selection and what it holds.
std::vector<io::HeaderCard> bin_cards(const TomographicBins& bins, size_t b, const FlatKsMaps& m) {
  return {{"LMBIN", static_cast<long long>(b + 1), "tomographic bin (1-based)"},
          {"LMBINCOL", bins.column, "column the bins divide"},
          {"LMBINLO", bins.edges[b], "bin: column > LMBINLO"},
          {"LMBINHI", bins.edges[b + 1], "bin: column <= LMBINHI"},
          {"LMSELECT", m.catalogue.select, "row selection of this bin (CFITSIO row filter)"},
          {"LMNGAL", m.catalogue.rows_valid, "valid galaxies in this bin"},
          {"LMSIGE", m.sigma_e, "measured shape noise per component in this bin"},
          {"LMMEANE1", m.catalogue.mean_e1, "weighted mean e1 subtracted in this bin"},
          {"LMMEANE2", m.catalogue.mean_e2, "weighted mean e2 subtracted in this bin"},
          {"LMRESP", m.catalogue.response, "shear response divided out in this bin"},
          {"LMWFCL", m.wiener_prior, "prior C_ell of this bin's Wiener filter"}};
}

}  // namespace

ProductReport run_kaiser_squires(const KsConfig& c, const distributed::Communicator& comm) {
  c.validate();
  if (c.regions.enabled()) return run_region_kaiser_squires(c, comm);
  std::unique_ptr<ProductSet> products;
  if (comm.is_root())  // fails early on unwritable outputs
    products = std::make_unique<ProductSet>(c.output, !c.wiener_cl.empty());

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

  // --wiener limber: the n(z) of each map's own rows, histogrammed in the catalogue pass.
  CatalogueOptions base = c.catalogue;
  if (c.wiener_cl == kLimberPrior) base.histogram_column = c.redshift_column;
  if (!c.sphere) {
    const FlatKsMaps all = flat_ks_maps(c, base, c.flat, comm, timer);
    // Each bin on the grid of all bins together, with its own calibration (mean shear, response).
    std::vector<FlatKsMaps> bins;
    FlatKsSettings fixed = c.flat;
    fixed.grid = all.grid.patch;
    for (size_t b = 0; b < c.bins.count(); ++b) {
      CatalogueOptions selected = base;
      selected.select = c.bins.selection(b, c.catalogue.select);
      bins.push_back(flat_ks_maps(c, selected, fixed, comm, timer));
    }
    if (!comm.is_root()) return report;
    auto cards = cards_for(all.catalogue);
    const FlatShearGrid& grid = all.grid;
    const FlatGrid& patch = grid.patch;
    // The footprint (pixels with galaxies, gaps closed) of all bins together: every bin shares it.
    const std::vector<double> mask = footprint_mask(grid.count, patch);
    const std::vector<double>& nan_mask = c.keep_outside ? std::vector<double>{} : mask;
    long long inside = 0;
    for (double v : mask) inside += v > 0;
    summary << "flat patch: centre RA " << patch.centre.ra_deg << " Dec " << patch.centre.dec_deg << ", "
            << patch.nx << " x " << patch.ny << " pixels of " << patch.pixel_arcmin << " arcmin, "
            << grid.outside << " galaxies outside; footprint " << inside << " pixels (closing radius "
            << footprint_closing_radius(grid.count, patch) << " pixels)"
            << (c.keep_outside ? "" : ", maps NaN outside") << "\n";
    cards.push_back({"LMPIXAM", patch.pixel_arcmin, "[arcmin] pixel scale"});
    cards.push_back({"LMPAD", c.flat.pad, "FFT zero-padding factor"});
    cards.push_back({"LMSIGE", all.sigma_e, "measured shape noise per component (weighted rms)"});
    cards.push_back({"LMOUTSID", grid.outside, "valid galaxies outside the patch"});
    cards.push_back({"LMNAN", !c.keep_outside, "maps NaN outside the footprint (MASK = 0)"});
    cards.push_back({"LMNOISE", c.noise.realisations > 0 ? "rotations" : "analytic",
                     "NOISE_STD: shape noise of KS (exact sum, or K rotated catalogues)"});
    if (c.noise.realisations > 0) {
      cards.push_back({"LMNOISEK", static_cast<long long>(c.noise.realisations),
                       "noise realisations (rotated ellipticities)"});
      cards.push_back({"LMNSEED", static_cast<long long>(c.noise.seed), "seed of the noise rotations"});
    }
    if (all.posterior_samples > 0) {
      cards.push_back({"LMWFPOST", static_cast<long long>(all.posterior_samples),
                       "Wiener posterior draws (Hoffman-Ribak)"});
      cards.push_back({"LMPSEED", static_cast<long long>(c.noise.seed), "seed of the posterior draws"});
      if (c.intervals)
        cards.push_back(
            {"LMWFINT", "posterior mean +- t_N s", "KAPPA_WIENER_LO/HI: exact Gaussian intervals"});
    }
    if (c.aperture_mass_arcmin > 0)
      cards.push_back({"LMAPTHET", c.aperture_mass_arcmin,
                       "[arcmin] aperture-mass filter radius (Schneider et al. 1998 polynomial Q)"});
    if (!c.wiener_cl.empty()) {
      cards.push_back({"LMWFCL", all.wiener_prior, "prior C_ell of the Wiener filter (all bins)"});
      cards.push_back({"LMWFIT", static_cast<long long>(all.wiener_iterations),
                       "Wiener filter CG iterations (all bins)"});
    }
    if (c.bins.enabled()) {
      cards.push_back({"LMNBINS", static_cast<long long>(c.bins.count()), "tomographic bins (HDUs *_BINn)"});
      cards.push_back({"LMBINCOL", c.bins.column, "column the bins divide (edge_i < value <= edge_i+1)"});
      for (size_t k = 0; k < c.bins.edges.size(); ++k)
        cards.push_back({"LMBINE" + std::to_string(k), c.bins.edges[k], "bin edge"});
    }
    // Kept alive until the file is written: the images point into them.
    std::vector<std::vector<double>> held;
    held.reserve((16 + static_cast<size_t>(c.samples)) * (bins.size() + 1));
    std::vector<io::NamedImage> images;
    const auto add_set = [&](const FlatKsMaps& m, const std::string& suffix,
                             const std::vector<io::HeaderCard>& extra) {
      const std::string label = suffix.empty() ? "" : " (bin " + suffix.substr(4) + ")";
      summary << stats_line("kappa_E" + label, m.kappa.a, m.grid.weight) << "\n"
              << stats_line("kappa_B" + label, m.kappa.b, m.grid.weight) << "\n";
      held.push_back(masked(m.kappa.a, nan_mask));
      images.push_back({"KAPPA_E" + suffix, "", held.back().data(), extra});
      held.push_back(masked(m.kappa.b, nan_mask));
      images.push_back({"KAPPA_B" + suffix, "", held.back().data(), extra});
      held.push_back(masked(m.noise_std, nan_mask));
      images.push_back({"NOISE_STD" + suffix, "", held.back().data(), extra});
      std::vector<double> snr(m.noise_std.size());
      for (size_t i = 0; i < snr.size(); ++i)
        snr[i] =
            m.noise_std[i] > 0 ? m.kappa.a[i] / m.noise_std[i] : std::numeric_limits<double>::quiet_NaN();
      held.push_back(masked(std::move(snr), nan_mask));
      images.push_back({"SNR" + suffix, "", held.back().data(), extra});
      if (!m.wiener.empty()) {
        summary << stats_line("kappa_Wiener" + label, m.wiener, m.grid.weight) << " (" << m.wiener_iterations
                << " CG iterations)\n";
        held.push_back(masked(m.wiener, nan_mask));
        images.push_back({"KAPPA_WIENER" + suffix, "", held.back().data(), extra});
        const std::pair<const char*, const std::vector<double>*> extras[] = {
            {"KAPPA_WIENER_NOISE", &m.wiener_noise_std},     {"KAPPA_WIENER_STD", &m.wiener_intervals.std},
            {"KAPPA_WIENER_LO68", &m.wiener_intervals.lo68}, {"KAPPA_WIENER_HI68", &m.wiener_intervals.hi68},
            {"KAPPA_WIENER_LO95", &m.wiener_intervals.lo95}, {"KAPPA_WIENER_HI95", &m.wiener_intervals.hi95}};
        for (const auto& [name, values] : extras)
          if (!values->empty()) {
            held.push_back(masked(*values, nan_mask));
            images.push_back({name + suffix, "", held.back().data(), extra});
          }
        for (size_t j = 0; j < m.wiener_samples.size(); ++j) {
          held.push_back(masked(m.wiener_samples[j], nan_mask));
          images.push_back(
              {"KAPPA_WIENER_S" + std::to_string(j + 1) + suffix, "", held.back().data(), extra});
        }
      }
      if (!m.aperture.map.empty()) {
        held.push_back(masked(m.aperture.map, nan_mask));
        images.push_back({"MAP" + suffix, "", held.back().data(), extra});
        held.push_back(masked(m.aperture.cross, nan_mask));
        images.push_back({"MAP_X" + suffix, "", held.back().data(), extra});
        held.push_back(masked(m.aperture.snr, nan_mask));
        images.push_back({"MAP_SNR" + suffix, "", held.back().data(), extra});
        held.push_back(masked(m.aperture.noise, nan_mask));
        images.push_back({"MAP_NOISE" + suffix, "", held.back().data(), extra});
      }
      images.push_back({"WEIGHT" + suffix, "", m.grid.weight.data(), extra});
      images.push_back({"NGAL" + suffix, "count", m.grid.count.data(), extra});
    };
    add_set(all, "", {});
    images.push_back({"MASK", "", mask.data(), {}});
    for (size_t b = 0; b < bins.size(); ++b) {
      summary << bins[b].catalogue.report() << "\n";
      add_set(bins[b], TomographicBins::suffix(b), bin_cards(c.bins, b, bins[b]));
    }
    io::write_flat_fits(products->fits_temp(), tan_grid(patch), images, cards);
    if (c.output.png) {
      std::vector<QuicklookView> views = {flat_view(held[0], patch), flat_view(held[1], patch),
                                          flat_view(grid.count, patch)};
      if (!all.wiener.empty()) views.push_back(flat_view(held[2], patch));
      char grid_text[96];
      std::snprintf(grid_text, sizeof grid_text, "%ld × %ld pixels of %g'", patch.nx, patch.ny,
                    patch.pixel_arcmin);
      write_pngs(*products, views, title_context(c, all.catalogue, grid_text));
    }
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
    SphereKsOptions options = c.sphere_options;
    options.smoothing_arcmin = c.smoothing_arcmin;
    const int lmax = options.lmax > 0 ? options.lmax : static_cast<int>(2 * c.nside);
    // One set of maps (all bins, or one bin): binned on all ranks, transformed on rank 0.
    struct SphereKsMaps {
      SphereCatalogueMaps input;
      SphereFieldPair kappa;
      SphereWienerResult wiener;
      AngularSpectrum prior;
      std::string prior_text;
    };
    const auto sphere_maps = [&](const CatalogueOptions& catalogue) {
      SphereKsMaps m;
      m.input = bin_catalogue_sphere(catalogue, c.nside, transforms, comm, timer);
      if (!c.wiener_cl.empty())
        m.prior = wiener_prior(c.wiener_cl, m.input.catalogue, catalogue, m.prior_text);
      if (!comm.is_root()) return m;
      const SphereShearMaps& maps = m.input.maps;
      m.kappa = sphere_kaiser_squires(maps.q, maps.u, c.nside, options);
      timer.lap("spherical Kaiser-Squires");
      // The spherical Wiener filter with this C_ell and the per-pixel noise sigma_e^2 / N_gal (none outside
      // the footprint).
      if (!c.wiener_cl.empty()) {
        SphereWienerOptions wo;
        wo.lmax = lmax;
        m.wiener = sphere_wiener_filter(maps.q, maps.u, maps.count, m.input.sigma_e, m.prior, c.nside, wo);
        if (m.wiener.iterations >= wo.max_iterations)
          throw std::runtime_error("--wiener: the conjugate-gradient solve did not converge (residual " +
                                   std::to_string(m.wiener.residual) + ")");
        timer.lap("spherical Wiener filter");
      }
      return m;
    };
    const SphereKsMaps all = sphere_maps(base);
    std::vector<SphereKsMaps> bins;
    for (size_t b = 0; b < c.bins.count(); ++b) {
      CatalogueOptions selected = base;
      selected.select = c.bins.selection(b, c.catalogue.select);
      bins.push_back(sphere_maps(selected));
    }
    if (!comm.is_root()) return report;
    const SphereShearMaps& maps = all.input.maps;
    auto cards = cards_for(all.input.catalogue);
    if (!c.wiener_cl.empty()) {
      cards.push_back({"LMWFCL", all.prior_text, "prior C_ell of the Wiener filter (all bins)"});
      cards.push_back(
          {"LMWFIT", static_cast<long long>(all.wiener.iterations), "Wiener filter CG iterations"});
    }
    long long observed = 0;
    for (double w : maps.weight) observed += w > 0;
    summary << "HEALPix nside " << c.nside << ", lmax " << lmax << ", " << observed << " observed pixels ("
            << 100.0 * static_cast<double>(observed) / static_cast<double>(maps.weight.size())
            << "% of the sky)\n";
    cards.push_back({"LMLMAX", static_cast<long long>(lmax), "band limit of the spherical KS"});
    cards.push_back({"LMSHTIT", static_cast<long long>(options.iterations), "map2alm Jacobi iterations"});
    cards.push_back({"LMNAN", !c.keep_outside, "maps UNSEEN outside the footprint (WEIGHT = 0)"});
    std::vector<long long> pixels;  // partial output: the observed pixels only
    if (c.partial)
      for (size_t p = 0; p < maps.weight.size(); ++p)
        if (maps.weight[p] > 0) pixels.push_back(static_cast<long long>(p));
    // Outside the footprint the transform leaves ringing, which a map viewer would show as signal: those
    // pixels of the full-sky kappa maps are UNSEEN (healpy's -1.6375e30), as healpy's own tools expect. The
    // footprint is that of all bins together, which every bin shares.
    auto column = [&](const std::vector<double>& full) {
      if (!c.partial) return to_float(full);
      std::vector<float> v(pixels.size());
      for (size_t i = 0; i < pixels.size(); ++i)
        v[i] = static_cast<float>(full[static_cast<size_t>(pixels[i])]);
      return v;
    };
    auto unseen_outside = [&](std::vector<double> full) {
      if (c.keep_outside) return full;
      for (size_t p = 0; p < full.size(); ++p)
        if (!(maps.weight[p] > 0)) full[p] = io::kHealpixUnseen;
      return full;
    };
    std::vector<std::vector<float>> held;  // the columns' values, alive until the file is written
    held.reserve(5 * (bins.size() + 1));
    std::vector<io::HealpixColumn> columns;
    const auto add_set = [&](const SphereKsMaps& m, const std::string& suffix) {
      const std::string label = suffix.empty() ? "" : " (bin " + suffix.substr(4) + ")";
      const auto& w = m.input.maps.weight;
      summary << stats_line("kappa_E" + label, m.kappa.a, w) << "\n"
              << stats_line("kappa_B" + label, m.kappa.b, w) << "\n";
      held.push_back(column(unseen_outside(m.kappa.a)));
      columns.push_back({"KAPPA_E" + suffix, "", held.back().data()});
      held.push_back(column(unseen_outside(m.kappa.b)));
      columns.push_back({"KAPPA_B" + suffix, "", held.back().data()});
      if (!c.wiener_cl.empty()) {
        summary << stats_line("kappa_Wiener" + label, m.wiener.kappa, w) << " (" << m.wiener.iterations
                << " CG iterations)\n";
        held.push_back(column(unseen_outside(m.wiener.kappa)));
        columns.push_back({"KAPPA_WIENER" + suffix, "", held.back().data()});
      }
      held.push_back(column(w));
      columns.push_back({"WEIGHT" + suffix, "", held.back().data()});
      held.push_back(column(m.input.maps.count));
      columns.push_back({"NGAL" + suffix, "count", held.back().data()});
    };
    add_set(all, "");
    if (c.bins.enabled()) {
      cards.push_back(
          {"LMNBINS", static_cast<long long>(c.bins.count()), "tomographic bins (columns *_BINn)"});
      cards.push_back({"LMBINCOL", c.bins.column, "column the bins divide (edge_i < value <= edge_i+1)"});
      for (size_t k = 0; k < c.bins.edges.size(); ++k)
        cards.push_back({"LMBINE" + std::to_string(k), c.bins.edges[k], "bin edge"});
    }
    for (size_t b = 0; b < bins.size(); ++b) {
      summary << bins[b].input.catalogue.report() << "\n";
      add_set(bins[b], TomographicBins::suffix(b));
      const std::string n = std::to_string(b + 1);
      cards.push_back({"LMB" + n + "NGAL", bins[b].input.catalogue.rows_valid, "valid galaxies in bin " + n});
      cards.push_back({"LMB" + n + "SIGE", bins[b].input.sigma_e, "shape noise per component in bin " + n});
      if (!c.wiener_cl.empty())
        cards.push_back({"LMB" + n + "WF", bins[b].prior_text, "Wiener prior of bin " + n});
    }
    io::write_healpix_fits(products->fits_temp(), c.nside, columns, cards, "C", pixels);
    if (c.output.png) {
      std::vector<QuicklookView> views = {sphere_view(all.kappa.a, maps.weight, c.nside),
                                          sphere_view(all.kappa.b, maps.weight, c.nside),
                                          sphere_view(maps.count, maps.weight, c.nside)};
      if (!c.wiener_cl.empty()) views.push_back(sphere_view(all.wiener.kappa, maps.weight, c.nside));
      write_pngs(*products, views, title_context(c, all.input.catalogue, "nside " + std::to_string(c.nside)));
    }
  }
  report.written = products->commit();
  timer.lap("output");
  summary << "\ntimings: " << timer.text();
  report.summary = summary.str();
  return report;
}

}  // namespace lofimap::pipeline
