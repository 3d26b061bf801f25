// `lofimap simulate {cl, field, catalogue, training-set}`: convergence spectra, truth fields, galaxy
// catalogues and HDF5 training sets. Options are parsed into pipeline structs; the work is in pipeline/.
#include <spdlog/spdlog.h>

#include <optional>
#include <sstream>

#include "distributed/communicator.hpp"
#include "jobs/command.hpp"
#include "pipeline/products/simulate_product.hpp"
#include "pipeline/simulate/training_set.hpp"

namespace lofimap::jobs {

namespace {

struct SimulateCli {
  pipeline::SimulateRequest request;
  pipeline::CatalogueSimOptions catalogue;
  std::vector<double> center, ra_range, dec_range, disc;
  std::vector<std::string> nfw;  // "M200,c,z_l,RA,DEC"
  std::string healpix_mask, image_mask;
  std::optional<double> lambda;  // absent: Gaussian fields
  // cl
  double lmin = 10, lmax = 1e5;
  int points = 200;
  std::string cl_output;
  // training set
  pipeline::TrainingSetConfig training;
  std::vector<double> density_range, sigma_e_range, lambda_range, sigma8_range, omega_m_range, z_source_range;
  std::vector<std::string> families;
};

// A range option given as N or MIN MAX; `fallback` when absent.
pipeline::ValueRange range_of(const std::vector<double>& v, double fallback) {
  if (v.empty()) return {fallback, fallback};
  return {v.front(), v.back()};
}

void add_spectrum_options(CLI::App* cmd, pipeline::SpectrumOptions& s) {
  cmd->add_option("--cl-file", s.cl_file, "C_ell table (ell, C_ell) instead of the Limber computation");
  cmd->add_option("--cosmology", s.cosmology, "base cosmology: tng (Planck 2015/IllustrisTNG) or massivenus")
      ->capture_default_str();
  cmd->add_option("--omega-m", s.omega_m, "Omega_m");
  cmd->add_option("--omega-b", s.omega_b, "Omega_b");
  cmd->add_option("--h", s.h, "H0 / (100 km/s/Mpc)");
  cmd->add_option("--n-s", s.n_s, "scalar spectral index");
  cmd->add_option("--sigma8", s.sigma8, "normalise to sigma8");
  cmd->add_option("--A-s", s.a_s, "normalise to A_s (k = 0.05/Mpc)");
  cmd->add_option("--z-source", s.z_source, "single source-plane redshift")->capture_default_str();
  cmd->add_option("--nz", s.nz_file, "n(z) table (z, n) instead of a single source plane");
}

// The particle-mesh box behind --family particle-mesh (and, for training sets, how many cones share a box).
void add_particle_mesh_options(CLI::App* cmd, pipeline::ParticleMeshSettings& pm, long* cones_per_box) {
  cmd->add_option("--pm-box", pm.box_mpc, "particle-mesh: box side [Mpc]")->capture_default_str();
  whole_number(cmd->add_option_function<long>(
                   "--pm-particles", [&pm](long n) { pm.particles = pm.mesh = n; },
                   "particle-mesh: particles per side, one per mesh cell (default 128)"),
               4, 2048);
  whole_number(
      cmd->add_option("--pm-steps", pm.steps, "particle-mesh: kick-drift-kick steps")->capture_default_str(),
      1, 1000);
  whole_number(
      cmd->add_option("--pm-threads", pm.threads, "particle-mesh: threads per rank")->capture_default_str(),
      1, 1024);
  if (cones_per_box)
    whole_number(cmd->add_option("--cones-per-box", *cones_per_box,
                                 "particle-mesh: consecutive maps that share one box (each its own cone)")
                     ->capture_default_str(),
                 1, 100000000);
}

void add_field_options(CLI::App* cmd, SimulateCli& c) {
  auto& f = c.request.field;
  add_spectrum_options(cmd, f.spectrum);
  cmd->add_flag("--sphere", f.sphere, "full-sky HEALPix field instead of a flat patch");
  whole_number(cmd->add_option("--npix", f.grid.nx, "flat grid pixels per side")->capture_default_str(), 2,
               1 << 20);
  cmd->add_option("--pixel", f.grid.pixel_arcmin, "flat pixel scale [arcmin]")->capture_default_str();
  cmd->add_option("--center", c.center, "flat patch centre RA DEC [deg]")->expected(2);
  cmd->add_option("--nside", f.nside, "HEALPix nside (with --sphere)")->capture_default_str();
  positive_only(cmd->add_option("--lmax", f.lmax, "HEALPix band limit (default 3 nside - 1)"));
  cmd->add_option("--lambda", c.lambda,
                  "lognormal field with this shift parameter (> 0); default: Gaussian field");
  cmd->add_option("--nfw", c.nfw, "NFW halo M200[Msun],c200,z_lens,RA,DEC (repeatable; flat only)");
  cmd->add_option("--family", f.family,
                  "gaussian, lognormal (with --lambda), halo-model (haloes on a Gaussian background), "
                  "lognormal-clusters (haloes above 1e14 Msun on a lognormal background; with --lambda) or "
                  "particle-mesh (Born light cone through an N-body box; flat only)");
  cmd->add_option("--halo-cap", f.halo_cap,
                  "with --sphere and a halo family: draw haloes within RA DEC RADIUS [deg] (default: the "
                  "catalogue's --disc widened by 1 deg, else the whole sky)")
      ->expected(3);
  cmd->add_option("--halo-list", c.request.halo_list_output,
                  "with --sphere and a halo family: also write the haloes (RA, DEC, Z, M200M [Msun], C200M, "
                  "THETA_T [arcmin], KAPPA_NORM) as a FITS table");
  cmd->add_option("--halo-min-mass", f.halo_min_mass, "halo-model: lightest pasted halo, M200m [Msun]")
      ->capture_default_str();
  add_particle_mesh_options(cmd, f.particle_mesh, nullptr);
  whole_number(cmd->add_option("--seed", f.seed, "random seed (outputs are reproducible bit for bit)")
                   ->capture_default_str(),
               0, ~0ULL);
  cmd->add_flag("--overwrite", c.request.overwrite, "replace existing outputs");
  cmd->add_flag(
      "--no-png", [&c](std::int64_t) { c.request.png = false; }, "skip the PNG quick-look");
}

std::vector<pipeline::NfwHalo> parse_nfw(const std::vector<std::string>& items) {
  std::vector<pipeline::NfwHalo> out;
  for (const auto& item : items) {
    std::vector<double> v;
    std::stringstream ss(item);
    std::string tok;
    try {
      while (std::getline(ss, tok, ',')) v.push_back(std::stod(tok));
    } catch (const std::exception&) {
      v.clear();
    }
    if (v.size() != 5)
      throw std::invalid_argument("--nfw: expected M200,c200,z_lens,RA,DEC, got '" + item + "'");
    out.push_back({v[0], v[1], v[2], v[3], v[4]});
  }
  return out;
}

double lognormal_shift(const std::optional<double>& lambda) {
  if (!lambda) return 0;  // Gaussian
  if (!(*lambda > 0))
    throw std::invalid_argument("--lambda: the lognormal shift must be > 0 (omit it for a Gaussian field)");
  return *lambda;
}

void finish_field(SimulateCli& c) {
  c.request.field.lambda = lognormal_shift(c.lambda);
  auto& grid = c.request.field.grid;
  grid.ny = grid.nx;  // square: --npix sets the side
  if (c.center.size() == 2) grid.centre = {c.center[0], c.center[1]};
  c.request.field.haloes = parse_nfw(c.nfw);
}

void log_report(const pipeline::SimulateReport& report) {
  spdlog::info("{}", report.summary);
  for (const auto& w : report.written) spdlog::info("wrote {}", w);
}

}  // namespace

void register_simulate(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto* sim =
      app.add_subcommand("simulate", "simulated lensing: C_ell, truth fields, catalogues, training sets");
  sim->require_subcommand(1);
  auto c = std::make_shared<SimulateCli>();

  auto* cl = sim->add_subcommand("cl", "convergence power spectrum (Limber) as a text table");
  add_spectrum_options(cl, c->request.field.spectrum);
  cl->add_option("--lmin", c->lmin, "smallest multipole")->capture_default_str();
  cl->add_option("--lmax", c->lmax, "largest multipole")->capture_default_str();
  cl->add_option("--points", c->points, "log-spaced multipoles")->capture_default_str();
  cl->add_option("-o,--output", c->cl_output, "output text file")->required();
  cl->add_flag("--overwrite", c->request.overwrite, "replace an existing output");
  cl->callback([&action, c] {
    action = [c] {
      const auto path = pipeline::write_spectrum_table(c->request.field.spectrum, c->lmin, c->lmax, c->points,
                                                       c->cl_output, c->request.overwrite);
      spdlog::info("wrote {}", path);
      return 0;
    };
  });

  auto* field =
      sim->add_subcommand("field", "truth convergence and shear: flat FITS images or a HEALPix map");
  add_field_options(field, *c);
  field->add_option("-o,--output", c->request.truth_output, "output FITS")->required();
  field->callback([&action, &global, c] {
    action = [&global, c] {
      finish_field(*c);
      c->request.command_line = global.command_line;
      log_report(pipeline::run_simulate(c->request));
      return 0;
    };
  });

  auto* cat = sim->add_subcommand("catalogue", "galaxy catalogue (and its truth) in any preset's columns");
  add_field_options(cat, *c);
  cat->add_option("-o,--output", c->request.catalogue_output, "output catalogue FITS")->required();
  cat->add_option("--truth", c->request.truth_output, "also write the truth field (FITS)");
  cat->add_option("--density", c->catalogue.density, "galaxies per arcmin^2")->capture_default_str();
  cat->add_option("--sigma-e", c->catalogue.noise.sigma_e, "shape noise per component")
      ->capture_default_str();
  cat->add_flag("--reduced-shear", c->catalogue.noise.reduced_shear, "apply g = gamma / (1 - kappa) exactly");
  cat->add_option("--preset", c->catalogue.preset, "column names and sign convention")->capture_default_str();
  cat->add_option("--mask-healpix", c->healpix_mask, "HEALPix mask FITS (column MASK, value > 0 = inside)");
  cat->add_option("--mask-image", c->image_mask,
                  "flat mask FITS image with TAN WCS (HDU MASK, value > 0 = inside)");
  cat->add_option("--ra-range", c->ra_range, "keep MIN <= RA <= MAX [deg] (MIN > MAX wraps through 0)")
      ->expected(2);
  cat->add_option("--dec-range", c->dec_range, "keep MIN <= Dec <= MAX [deg]")->expected(2);
  cat->add_option("--disc", c->disc, "keep a disc: RA DEC RADIUS [deg]")->expected(3);
  cat->callback([&action, &global, c] {
    action = [&global, c] {
      finish_field(*c);
      auto& m = c->catalogue.mask;
      m.healpix_file = c->healpix_mask;
      m.image_file = c->image_mask;
      if (c->ra_range.size() == 2) m.ra_range = std::make_pair(c->ra_range[0], c->ra_range[1]);
      if (c->dec_range.size() == 2) m.dec_range = std::make_pair(c->dec_range[0], c->dec_range[1]);
      if (c->disc.size() == 3) m.disc = c->disc;
      c->request.catalogue = c->catalogue;
      c->request.command_line = global.command_line;
      log_report(pipeline::run_simulate(c->request));
      return 0;
    };
  });

  auto* ts = sim->add_subcommand("training-set", "HDF5 set of (truth kappa, noisy shear, KS E/B, mask) maps");
  auto& t = c->training;
  add_spectrum_options(ts, c->request.field.spectrum);
  whole_number(ts->add_option("--maps", t.maps, "number of maps")->capture_default_str(), 1, 100000000);
  whole_number(ts->add_option("--npix", t.grid.nx, "pixels per side")->capture_default_str(), 8, 1 << 16);
  ts->add_option("--pixel", t.grid.pixel_arcmin, "pixel scale [arcmin]")->capture_default_str();
  ts->add_option(
        "--family", c->families,
        "sky families, maps cycling through them: gaussian, lognormal, halo-model, lognormal-clusters, "
        "particle-mesh (default: lognormal with --lambda, else gaussian)")
      ->delimiter(',');
  ts->add_option("--lambda", c->lambda_range, "lognormal shift: L or MIN MAX (uniform per map)")
      ->expected(1, 2);
  ts->add_option("--sigma8-range", c->sigma8_range, "sigma8 drawn per map: MIN MAX")->expected(2);
  ts->add_option("--omega-m-range", c->omega_m_range, "Omega_m drawn per map: MIN MAX")->expected(2);
  ts->add_option("--z-source-range", c->z_source_range, "source-plane redshift drawn per map: MIN MAX")
      ->expected(2);
  add_particle_mesh_options(ts, t.sky.particle_mesh, &t.sky.cones_per_box);
  ts->add_option("--halo-min-mass", t.sky.halo_min_mass,
                 "halo-model skies: lightest pasted halo, M200m [Msun]; lighter ones stay in the background")
      ->capture_default_str();
  ts->add_option("--density", c->density_range, "galaxies per arcmin^2: N or MIN MAX (uniform per map)")
      ->expected(1, 2);
  ts->add_option("--sigma-e", c->sigma_e_range, "shape noise: S or MIN MAX (uniform per map)")
      ->expected(1, 2);
  ts->add_option(
        "--footprint", t.footprint,
        "observe through this catalogue: its galaxy positions and weights, its ellipticities randomly "
        "rotated as shape noise (replaces --density and --sigma-e)")
      ->check(CLI::ExistingFile);
  ts->add_option("--preset", t.footprint_preset, "column names and calibration of the --footprint catalogue")
      ->capture_default_str();
  ts->add_option("--masked-fraction", t.masked_fraction, "fraction covered by random circular holes")
      ->capture_default_str();
  ts->add_flag("--reduced-shear", t.reduced_shear, "use g = gamma / (1 - kappa)");
  ts->add_option("--pad", t.pad, "KS zero-padding factor")->capture_default_str();
  whole_number(ts->add_option("--seed", t.seed, "random seed")->capture_default_str(), 0, ~0ULL);
  ts->add_option("-o,--output", t.output, "output HDF5 file")->required();
  ts->add_flag("--overwrite", t.overwrite, "replace an existing output");
  ts->callback([&action, &global, c] {
    action = [&global, c] {
      auto& t = c->training;
      t.grid.ny = t.grid.nx;  // square: --npix sets the side
      auto& sky = t.sky;
      sky.families.clear();
      for (const auto& f : c->families) sky.families.push_back(pipeline::parse_sky_family(f));
      if (sky.families.empty())
        sky.families = {c->lambda_range.empty() ? pipeline::SkyFamily::gaussian
                                                : pipeline::SkyFamily::lognormal};
      for (auto f : sky.families)
        if ((f == pipeline::SkyFamily::lognormal || f == pipeline::SkyFamily::lognormal_clusters) &&
            c->lambda_range.empty())
          throw std::invalid_argument("--family " + pipeline::family_name(f) +
                                      ": give the lognormal shift with --lambda L (or MIN MAX; 0.01-0.04 for "
                                      "z_s 0.8-1.4)");
      sky.lambda = range_of(c->lambda_range, 0.02);
      if (!c->density_range.empty())
        t.n_gal_min = c->density_range.front(), t.n_gal_max = c->density_range.back();
      if (!c->sigma_e_range.empty())
        t.sigma_e_min = c->sigma_e_range.front(), t.sigma_e_max = c->sigma_e_range.back();
      t.command_line = global.command_line;
      pipeline::validate_grid(t.grid);
      const auto& spectrum = c->request.field.spectrum;
      if (!spectrum.cl_file.empty()) {
        sky.fixed_cl =
            pipeline::make_spectrum(spectrum, t.grid.ell_min(), t.grid.ell_max(), t.cl_description);
      } else {
        // Limber spectra per map from the base cosmology, sigma8, Omega_m and z_s drawn from their ranges.
        sky.cosmology = pipeline::resolve_cosmology(spectrum);
        const pipeline::Cosmology base(sky.cosmology);
        sky.sigma8 = range_of(c->sigma8_range, base.sigma8());
        sky.omega_m = range_of(c->omega_m_range, sky.cosmology.omega_m);
        sky.z_source = range_of(c->z_source_range, spectrum.z_source);
        if (!spectrum.nz_file.empty()) sky.nz = pipeline::SourceDistribution::from_file(spectrum.nz_file);
        t.cl_description = "Limber, EH98 no-wiggle + Takahashi 2012 halofit; " + sky.cosmology.describe() +
                           (spectrum.nz_file.empty() ? "" : "; n(z) " + spectrum.nz_file) +
                           "; sigma8, Omega_m, z_s per map in the ranges of the attributes";
      }
      const auto comm = distributed::Communicator::world();
      const auto report = pipeline::write_training_set(t, comm);
      long long boxes = report.boxes_simulated_here;
      comm.allreduce_sum(&boxes, 1);
      if (comm.is_root())
        spdlog::info("wrote {}: {} maps of {}^2 at {}' in {:.1f} s on {} rank(s){}", t.output, t.maps,
                     t.grid.nx, t.grid.pixel_arcmin, report.seconds, comm.size(),
                     boxes > 0 ? fmt::format(", {} particle-mesh box(es) simulated", boxes) : "");
      return 0;
    };
  });
}

}  // namespace lofimap::jobs
