#include "pipeline/products/simulate_product.hpp"

#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/fits_maps.hpp"
#include "io/fits_table_writer.hpp"
#include "io/png_quicklook.hpp"
#include "io/text_table.hpp"
#include "lofimap/build_info.hpp"
#include "pipeline/catalogue/survey_preset.hpp"
#include "pipeline/core/flat_grid_wcs.hpp"
#include "pipeline/core/machine_resources.hpp"
#include "pipeline/core/map_statistics.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/products/quicklook_raster.hpp"
#include "pipeline/simulate/sky_family.hpp"
#include "pipeline/simulate/sphere_halo_sky.hpp"
#include "pipeline/simulate/sphere_particle_mesh_sky.hpp"
#include "pipeline/simulate/sphere_random_fields.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"

namespace lofimap::pipeline {

CosmologyParameters resolve_cosmology(const SpectrumOptions& o) {
  CosmologyParameters p;
  if (o.cosmology == "tng")
    p = planck2015_tng();
  else if (o.cosmology == "massivenus")
    p = massivenus_fiducial();
  else
    throw std::invalid_argument("--cosmology: unknown '" + o.cosmology + "' (tng, massivenus)");
  if (o.omega_m) p.omega_m = *o.omega_m;
  if (o.omega_b) p.omega_b = *o.omega_b;
  if (o.h) p.h = *o.h;
  if (o.n_s) p.n_s = *o.n_s;
  if (o.sigma8) p.sigma8 = *o.sigma8, p.a_s.reset();
  if (o.a_s) p.a_s = *o.a_s, p.sigma8.reset();
  return p;
}

AngularSpectrum make_spectrum(const SpectrumOptions& o, double lmin, double lmax, std::string& description) {
  if (!o.cl_file.empty()) {
    auto cl = read_cl_table(o.cl_file);
    if (cl.ell.front() > lmin * 1.0001 || cl.ell.back() < lmax * 0.9999) {
      std::ostringstream msg;
      msg << "--cl-file: " << o.cl_file << " covers ell " << cl.ell.front() << " .. " << cl.ell.back()
          << " but the grid needs " << lmin << " .. " << lmax
          << " (grid too small or too fine for the table)";
      throw std::invalid_argument(msg.str());
    }
    description = "table " + o.cl_file;
    return cl;
  }
  const Cosmology cosmo(resolve_cosmology(o));
  SourceDistribution sources;
  std::ostringstream d;
  d << "Limber, EH98 no-wiggle + Takahashi 2012 halofit; " << cosmo.parameters().describe();
  if (!o.nz_file.empty()) {
    sources = SourceDistribution::from_file(o.nz_file);
    d << "; n(z) " << o.nz_file;
  } else {
    if (!(o.z_source > 0 && o.z_source <= 6)) throw std::invalid_argument("--z-source: must lie in (0, 6]");
    sources.z_single = o.z_source;
    d << "; z_s " << o.z_source;
  }
  description = d.str();
  return convergence_cl_limber(cosmo, sources, log_ell_grid(std::max(1.0, 0.9 * lmin), 1.1 * lmax, 256));
}

std::string write_spectrum_table(const SpectrumOptions& o, double lmin, double lmax, int points,
                                 const std::string& output, bool overwrite) {
  if (!(lmin >= 1 && lmax > lmin)) throw std::invalid_argument("--lmin/--lmax: need 1 <= lmin < lmax");
  if (points < 2 || points > 1000000) throw std::invalid_argument("--points: between 2 and 1,000,000");
  io::AtomicOutput out(output, overwrite);
  std::string description;
  const auto ells = log_ell_grid(lmin, lmax, points);
  AngularSpectrum cl;
  if (o.cl_file.empty()) {
    const Cosmology cosmo(resolve_cosmology(o));
    SourceDistribution sources;
    if (!o.nz_file.empty())
      sources = SourceDistribution::from_file(o.nz_file);
    else
      sources.z_single = o.z_source;
    cl = convergence_cl_limber(cosmo, sources, ells);
    description = "convergence C_ell, Limber, EH98 no-wiggle + Takahashi 2012 halofit; " +
                  cosmo.parameters().describe() +
                  (o.nz_file.empty() ? "; z_s " + std::to_string(o.z_source) : "; n(z) " + o.nz_file);
  } else {
    throw std::invalid_argument("simulate cl computes a spectrum: --cl-file makes no sense here");
  }
  io::write_text_columns(out.temp_path(), description + "\ncolumns: ell C_ell\nlofimap " LOFIMAP_VERSION,
                         {&cl.ell, &cl.cl});
  out.commit();
  return output;
}

namespace {

std::vector<float> to_float(const std::vector<double>& v) {
  return {v.begin(), v.end()};
}

void quicklook(const std::string& path, const QuicklookView& view, const std::string& title) {
  io::QuicklookStyle style = view.style;
  style.title = title;
  style.colorbar_label = "κ";
  style.colormap = io::Colormap::Diverging;
  io::write_quicklook_png(path, view.raster, style);
}

std::string png_path(const std::string& fits) {
  const auto dot = fits.rfind(".fits");
  return (dot == std::string::npos ? fits : fits.substr(0, dot)) + ".png";
}

// The pasted haloes as a FITS table (one row per halo, in the order they were drawn).
void write_halo_list(const std::string& path, const std::vector<LightconeHalo>& haloes,
                     const std::vector<io::HeaderCard>& cards) {
  const std::vector<std::string> names = {"RA", "DEC", "Z", "M200M", "C200M", "THETA_T", "KAPPA_NORM"};
  io::FitsTableWriter writer(path, "HALOES", names, cards);
  constexpr size_t kRows = 1 << 16;
  std::vector<std::vector<double>> columns(names.size());
  for (size_t first = 0; first < haloes.size(); first += kRows) {
    const size_t n = std::min(kRows, haloes.size() - first);
    for (auto& c : columns) c.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const auto& h = haloes[first + i];
      columns[0][i] = h.ra_deg, columns[1][i] = h.dec_deg, columns[2][i] = h.z;
      columns[3][i] = h.m200m_msun, columns[4][i] = h.concentration, columns[5][i] = h.theta_t_arcmin;
      columns[6][i] = h.kappa_norm;
    }
    std::vector<const double*> pointers;
    for (const auto& c : columns) pointers.push_back(c.data());
    writer.append(pointers, static_cast<long>(n));
  }
  writer.close();
}

// The particle-mesh box behind a truth field, in its header.
void add_particle_mesh_cards(std::vector<io::HeaderCard>& cards, const FieldOptions& f) {
  const auto& pm = f.particle_mesh;
  cards.push_back({"LMPMBOX", pm.box_mpc, "particle-mesh box side [Mpc]"});
  cards.push_back({"LMPMPART", static_cast<long long>(pm.particles), "particles (= mesh cells) per side"});
  cards.push_back({"LMPMSTEP", static_cast<long long>(pm.steps), "kick-drift-kick steps"});
  cards.push_back({"LMPMZST", pm.z_start, "initial redshift (2LPT)"});
  cards.push_back(
      {"LMPMSLAB", static_cast<long long>(f.lightcone.slabs_per_box), "lens planes per box length"});
  cards.push_back({"LMPMREPL", "rotate+flip+shift", "box replicas along the line of sight"});
}

// A halo family's sampler settings with every range fixed at the command's cosmology (one family, one
// source plane or n(z)); validated, with the checks the command's options need first.
SkyFamilySettings halo_family_settings(const FieldOptions& f) {
  const auto family = parse_sky_family(f.family);
  if (!f.spectrum.cl_file.empty())
    throw std::invalid_argument("--family " + f.family + ": needs a cosmology for its haloes, not --cl-file");
  if (family == SkyFamily::lognormal_clusters && !(f.lambda > 0))
    throw std::invalid_argument("--family lognormal-clusters: give the background's shift with --lambda");
  SkyFamilySettings settings;
  settings.families = {family};
  settings.cosmology = resolve_cosmology(f.spectrum);
  const double sigma8 = Cosmology(settings.cosmology).sigma8();
  settings.sigma8 = {sigma8, sigma8};
  settings.omega_m = {settings.cosmology.omega_m, settings.cosmology.omega_m};
  settings.z_source = {f.spectrum.z_source, f.spectrum.z_source};
  if (!f.spectrum.nz_file.empty()) settings.nz = SourceDistribution::from_file(f.spectrum.nz_file);
  settings.lambda = {f.lambda, f.lambda};
  settings.halo_min_mass = f.halo_min_mass;
  settings.particle_mesh = f.particle_mesh;
  settings.lightcone = f.lightcone;
  validate(settings);
  return settings;
}

// A halo family on the sphere: the model of the flat sampler's settings, haloes over --halo-cap (else the
// catalogue's disc widened by 1 deg, else the whole sky).
SphereHaloSky sphere_halo_sky(const FieldOptions& f, const AngularSpectrum& cl, int lmax,
                              const std::optional<std::vector<double>>& disc, std::string& description) {
  const SkyFamilySettings settings = halo_family_settings(f);
  const bool clusters = settings.families.front() == SkyFamily::lognormal_clusters;
  SphereCap cap;
  if (!f.halo_cap.empty()) {
    if (f.halo_cap.size() != 3) throw std::invalid_argument("--halo-cap: give RA DEC RADIUS [deg]");
    cap = {f.halo_cap[0], f.halo_cap[1], f.halo_cap[2]};
  } else if (disc && disc->size() == 3) {
    cap = {(*disc)[0], (*disc)[1], (*disc)[2] + 1};
  }
  SourceDistribution sources;
  if (settings.nz)
    sources = *settings.nz;
  else
    sources.z_single = f.spectrum.z_source;
  HaloModelSettings hs;
  hs.m_min_msun = clusters ? settings.cluster_min_mass : settings.halo_min_mass;
  const HaloModel model(Cosmology(settings.cosmology), sources, hs);
  std::ostringstream d;
  d << "; " << f.family << " sky, haloes M200m >= " << hs.m_min_msun << " Msun over "
    << (cap.whole_sky() ? std::string("the whole sky")
                        : (std::ostringstream() << "a " << cap.radius_deg << " deg cap at (" << cap.ra_deg
                                                << ", " << cap.dec_deg << ")")
                              .str());
  description += d.str();
  return sphere_halo_model_sky(model, cl, f.nside, lmax, clusters ? f.lambda : 0.0, cap, f.seed, 0, 1);
}

}  // namespace

SimulateReport run_simulate(const SimulateRequest& r) {
  const FieldOptions& f = r.field;
  if (r.truth_output.empty() && r.catalogue_output.empty())
    throw std::invalid_argument("--output: nothing to write");
  if (r.catalogue && r.catalogue_output.empty())
    throw std::invalid_argument("--output: catalogue path missing");
  // Outputs checked before any work.
  if (!r.truth_output.empty() && !r.catalogue_output.empty() &&
      std::filesystem::path(r.truth_output).lexically_normal() ==
          std::filesystem::path(r.catalogue_output).lexically_normal())
    throw std::invalid_argument(
        "--truth/--output: the truth field and the catalogue need two different files");
  std::vector<std::unique_ptr<io::AtomicOutput>> outs;
  std::unique_ptr<io::AtomicOutput> truth_out, truth_png, cat_out, halo_out;
  if (!r.truth_output.empty()) {
    truth_out = std::make_unique<io::AtomicOutput>(r.truth_output, r.overwrite);
    if (r.png) truth_png = std::make_unique<io::AtomicOutput>(png_path(r.truth_output), r.overwrite);
  }
  if (!r.catalogue_output.empty())
    cat_out = std::make_unique<io::AtomicOutput>(r.catalogue_output, r.overwrite);
  if (!r.halo_list_output.empty()) {
    if (!f.sphere || f.family.empty() || f.family == "gaussian" || f.family == "lognormal" ||
        f.family == "particle-mesh")
      throw std::invalid_argument(
          "--halo-list: with --sphere and --family halo-model or lognormal-clusters only");
    for (const auto& other : {r.truth_output, r.catalogue_output})
      if (std::filesystem::path(other).lexically_normal() ==
          std::filesystem::path(r.halo_list_output).lexically_normal())
        throw std::invalid_argument("--halo-list: needs a file of its own (not " + other + ")");
    halo_out = std::make_unique<io::AtomicOutput>(r.halo_list_output, r.overwrite);
  }
  std::unique_ptr<SkyMask> mask;
  if (r.catalogue && !r.catalogue->mask.empty()) mask = std::make_unique<SkyMask>(r.catalogue->mask);
  if (r.catalogue) {
    survey_preset(r.catalogue->preset);
    // Rows expected inside the geometric cuts (an upper bound: mask files are not read), at about 12 float64
    // columns per row.
    const double area_arcmin2 =
        f.sphere ? r.catalogue->mask.geometric_area_bound_deg2() * 3600
                 : static_cast<double>(f.grid.pixels()) * f.grid.pixel_arcmin * f.grid.pixel_arcmin;
    require_disk(r.catalogue->density * area_arcmin2 * 96, r.catalogue_output,
                 (std::ostringstream()
                  << "--density " << r.catalogue->density << " over " << area_arcmin2 / 3600 << " deg^2")
                     .str());
  }
  if (f.lambda < 0) throw std::invalid_argument("--lambda: lognormal shift must be > 0 (0 = Gaussian)");

  SimulateReport report;
  std::ostringstream summary;
  std::string description;
  const std::vector<io::HeaderCard> common = {
      {"LMVERS", std::string(LOFIMAP_VERSION), "lofimap version"},
      {"LMGIT", std::string(LOFIMAP_GIT_HASH), "lofimap source revision"},
      {"LMCMD", r.command_line, "command line"},
      {"LMSEED", static_cast<long long>(f.seed), "random seed"},
      {"LMLAMBDA", f.lambda, "lognormal shift (0 = Gaussian field)"},
  };
  if (!f.sphere && !f.halo_cap.empty())
    throw std::invalid_argument("--halo-cap: haloes on the sphere only (with --sphere)");
  if (!f.sphere) {
    validate_grid(f.grid);
    const AngularSpectrum cl = make_spectrum(f.spectrum, f.grid.ell_min(), f.grid.ell_max(), description);
    FlatSky sky;
    sky.patch = f.grid;
    std::optional<FlatFieldPair> own_shear;  // a light cone's shear (not periodic)
    if (f.family.empty() || f.family == "gaussian" || f.family == "lognormal") {
      if (f.family == "lognormal" && !(f.lambda > 0))
        throw std::invalid_argument("--family lognormal: give the shift with --lambda");
      sky.kappa = f.lambda > 0 ? lognormal_field(cl, f.grid, f.lambda, f.seed, 0)
                               : gaussian_field(cl, f.grid, f.seed, 0);
    } else {
      // One map of the training sets' sampler, every range fixed at this command's cosmology.
      SkyFamilySettings settings = halo_family_settings(f);
      const SkyFamily family = settings.families.front();
      // A particle-mesh cone with an n(z) gives each simulated galaxy its own redshift and source plane.
      settings.source_planes = family == SkyFamily::particle_mesh && settings.nz && r.catalogue;
      SkyParameters drawn;
      SkyFamilySampler sampler(settings);
      sky.kappa = sampler.draw(f.grid, 0, f.seed, 2, 0, 1, drawn);
      own_shear = sampler.take_shear();
      if (auto planes = sampler.take_source_planes()) {
        sky.plane_z = std::move(planes->z);
        sky.plane_kappa = std::move(planes->kappa);
        sky.plane_gamma1 = std::move(planes->gamma1);
        sky.plane_gamma2 = std::move(planes->gamma2);
        sky.nz = *settings.nz;
        summary << "tomographic truth: " << sky.plane_z.size() - 1
                << " source planes up to z = " << sky.plane_z.back()
                << "; each galaxy's redshift drawn from --nz\n  ";
      }
      if (family == SkyFamily::particle_mesh)
        summary << "particle-mesh light cone: " << settings.particle_mesh.describe() << ", "
                << settings.lightcone.slabs_per_box << " lens planes per box\n  ";
      else
        summary << "halo-model sky: " << drawn.haloes << " haloes (M200m >= "
                << (family == SkyFamily::halo_model ? settings.halo_min_mass : settings.cluster_min_mass)
                << " Msun)\n  ";
      description += "; " + f.family + " sky";
    }
    if (!f.haloes.empty()) {
      const Cosmology cosmo(resolve_cosmology(f.spectrum));
      for (const auto& h : f.haloes)
        add_nfw(sky.kappa, f.grid, nfw_profile(cosmo, h, f.spectrum.z_source), h.ra_deg, h.dec_deg);
    }
    if (own_shear && !f.haloes.empty())
      throw std::invalid_argument("--nfw: not with --family particle-mesh (its shear comes from the cone)");
    const auto shear =
        own_shear ? *own_shear : flat_shear_from_convergence({f.grid.nx, f.grid.ny, sky.kappa, {}}, 1.0);
    sky.gamma1 = shear.a;
    sky.gamma2 = shear.b;
    summary << "flat field " << f.grid.nx << "^2 at " << f.grid.pixel_arcmin << "', kappa rms "
            << rms(sky.kappa) << ", skewness " << skewness(sky.kappa) << "\n  C_ell: " << description << "\n";
    if (truth_out) {
      auto cards = common;
      cards.push_back({"LMCL", description, "convergence spectrum"});
      if (f.family == "particle-mesh") add_particle_mesh_cards(cards, f);
      const auto k = to_float(sky.kappa), g1 = to_float(sky.gamma1), g2 = to_float(sky.gamma2);
      io::write_flat_fits(truth_out->temp_path(), tan_grid(f.grid),
                          {{"KAPPA", "", k.data()}, {"GAMMA1", "", g1.data()}, {"GAMMA2", "", g2.data()}},
                          cards);
      if (truth_png)
        quicklook(truth_png->temp_path(), flat_view(sky.kappa, sky.patch), "Truth convergence κ");
    }
    if (r.catalogue) {
      CatalogueWriter writer(cat_out->temp_path(), r.catalogue->preset, !sky.plane_z.empty());
      sample_flat_galaxies(sky, -1, r.catalogue->density, r.catalogue->noise, mask.get(), f.seed + 1, 1 << 20,
                           [&](const GalaxySample& s) { writer.append(s); });
      writer.close();
      summary << "catalogue: " << writer.rows() << " galaxies, preset " << r.catalogue->preset << "\n";
    }
  } else {
    validate_nside(f.nside);
    const int lmax = f.lmax > 0 ? f.lmax : static_cast<int>(3 * f.nside - 1);
    if (!f.haloes.empty()) throw std::invalid_argument("--nfw: haloes are pasted into flat fields only");
    // About 60 bytes per pixel (the convergence, Q and U as HEALPix maps and vectors, the forward model's
    // copies) and three sets of a_lm: 2.9 GB measured at nside 2048 against 3.9 GB estimated.
    const double pixels = 12.0 * static_cast<double>(f.nside) * static_cast<double>(f.nside),
                 coefficients = 0.5 * (lmax + 1.0) * (lmax + 2.0);
    require_memory(60 * pixels + 3 * 16 * coefficients,
                   "--sphere --nside " + std::to_string(f.nside) + " (lmax " + std::to_string(lmax) + ")");
    const AngularSpectrum cl = make_spectrum(f.spectrum, 2, lmax, description);
    SphereSimulation sim;
    if (f.family.empty() || f.family == "gaussian" || f.family == "lognormal") {
      if (f.family == "lognormal" && !(f.lambda > 0))
        throw std::invalid_argument("--family lognormal: give the shift with --lambda");
      sim = simulate_sphere(cl, f.nside, lmax, f.lambda, f.seed, 0, true);
    } else if (f.family == "particle-mesh") {
      // The cone inside --halo-cap, else the catalogue's --disc widened by 0.5 deg (its shear then feels mass
      // beyond the galaxies).
      const auto disc = r.catalogue ? r.catalogue->mask.disc : std::nullopt;
      SphereCap cap;
      if (f.halo_cap.size() == 3)
        cap = {f.halo_cap[0], f.halo_cap[1], f.halo_cap[2]};
      else if (disc && disc->size() == 3)
        cap = {(*disc)[0], (*disc)[1], (*disc)[2] + 0.5};
      else
        throw std::invalid_argument(
            "--family particle-mesh --sphere: give the cone's cap with --halo-cap RA DEC RADIUS "
            "(or a catalogue --disc)");
      SkyFamilySampler sampler(halo_family_settings(f));
      sim = sphere_particle_mesh_sky(sampler, f.nside, lmax, cap, f.seed);
      summary << "particle-mesh light cone in a " << cap.radius_deg << " deg cap at (" << cap.ra_deg << ", "
              << cap.dec_deg << "): " << f.particle_mesh.describe() << "\n  ";
      description += "; particle-mesh sky";
    } else {
      const auto disc = r.catalogue ? r.catalogue->mask.disc : std::nullopt;
      auto halo_sky = sphere_halo_sky(f, cl, lmax, disc, description);
      summary << "halo-model sky: " << halo_sky.haloes.size() << " haloes\n  ";
      if (halo_out) write_halo_list(halo_out->temp_path(), halo_sky.haloes, common);
      sim = std::move(halo_sky.sim);
    }
    summary << "HEALPix field nside " << f.nside << ", lmax " << lmax << ", kappa rms " << rms(sim.kappa)
            << ", skewness " << skewness(sim.kappa) << "\n  C_ell: " << description << "\n";
    if (truth_out) {
      auto cards = common;
      cards.push_back({"LMCL", description, "convergence spectrum"});
      if (f.family == "particle-mesh") add_particle_mesh_cards(cards, f);
      const auto k = to_float(sim.kappa), q = to_float(sim.q), u = to_float(sim.u);
      io::write_healpix_fits(truth_out->temp_path(), f.nside,
                             {{"KAPPA", "", k.data()}, {"Q", "", q.data()}, {"U", "", u.data()}}, cards);
      if (truth_png)
        quicklook(truth_png->temp_path(), sphere_view(sim.kappa, {}, f.nside), "Truth convergence κ");
    }
    if (r.catalogue) {
      CatalogueWriter writer(cat_out->temp_path(), r.catalogue->preset);
      sample_sphere_galaxies(sim, r.catalogue->density, r.catalogue->noise, mask.get(), f.seed + 1, 1 << 20,
                             [&](const GalaxySample& s) { writer.append(s); });
      writer.close();
      summary << "catalogue: " << writer.rows() << " galaxies, preset " << r.catalogue->preset << "\n";
    }
  }
  std::vector<io::AtomicOutput*> outputs;
  for (auto* o : {truth_out.get(), truth_png.get(), cat_out.get(), halo_out.get()})
    if (o) outputs.push_back(o);
  io::commit_together(outputs);  // truth, picture, catalogue and haloes together, or none of them
  for (auto* o : outputs) report.written.push_back(o->target());
  report.summary = summary.str();
  return report;
}

}  // namespace lofimap::pipeline
