#include "pipeline/simulate/sky_family.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "pipeline/core/random_stream.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/simulate/flat_random_fields.hpp"

namespace lofimap::pipeline {

std::string family_name(SkyFamily f) {
  switch (f) {
    case SkyFamily::gaussian:
      return "gaussian";
    case SkyFamily::lognormal:
      return "lognormal";
    case SkyFamily::halo_model:
      return "halo-model";
    case SkyFamily::lognormal_clusters:
      return "lognormal-clusters";
    case SkyFamily::particle_mesh:
      return "particle-mesh";
  }
  return "?";
}

SkyFamily parse_sky_family(const std::string& name) {
  for (auto f : {SkyFamily::gaussian, SkyFamily::lognormal, SkyFamily::halo_model,
                 SkyFamily::lognormal_clusters, SkyFamily::particle_mesh})
    if (family_name(f) == name) return f;
  throw std::invalid_argument("--family: unknown '" + name +
                              "' (gaussian, lognormal, halo-model, lognormal-clusters, particle-mesh)");
}

namespace {
bool needs_haloes(SkyFamily f) {
  return f == SkyFamily::halo_model || f == SkyFamily::lognormal_clusters;
}
bool needs_cosmology(SkyFamily f) {
  return needs_haloes(f) || f == SkyFamily::particle_mesh;
}
// Streams of the particle-mesh boxes: 2^61 + box for the box's parameters, 2^61 + 2^40 + 2^20 box + plane for
// its initial conditions (apart from the maps' streams, which start at 0 and at 2^62).
constexpr std::uint64_t kBoxStreams = std::uint64_t{1} << 61,
                        kBoxFieldStreams = kBoxStreams + (std::uint64_t{1} << 40);
bool needs_lambda(SkyFamily f) {
  return f == SkyFamily::lognormal || f == SkyFamily::lognormal_clusters;
}

void check_range(const ValueRange& r, double low, double high, const std::string& option) {
  if (!(r.min >= low && r.max <= high && r.min <= r.max))
    throw std::invalid_argument((std::ostringstream() << option << ": need " << low << " <= MIN <= MAX <= "
                                                      << high << ", got " << r.min << " " << r.max)
                                    .str());
}

double draw_in(const ValueRange& r, RandomStream& rng) {
  return r.min + (r.max - r.min) * rng.uniform();
}
}  // namespace

void validate(const SkyFamilySettings& s) {
  if (s.families.empty()) throw std::invalid_argument("--family: give at least one family");
  bool haloes = false, lambda = false, particle_mesh = false;
  for (auto f : s.families)
    haloes |= needs_cosmology(f), lambda |= needs_lambda(f), particle_mesh |= f == SkyFamily::particle_mesh;
  if (lambda) check_range(s.lambda, 1e-3, 10, "--lambda");
  if (particle_mesh) {
    validate(s.particle_mesh);
    validate(s.lightcone);
    if (!(s.cones_per_box >= 1)) throw std::invalid_argument("--cones-per-box: must be >= 1");
  }
  if (s.fixed_cl) {
    if (haloes)
      throw std::invalid_argument(
          "--family: halo-model, lognormal-clusters and particle-mesh skies need a cosmology, not --cl-file");
    if (!(s.sigma8.fixed() && s.omega_m.fixed() && s.z_source.fixed()))
      throw std::invalid_argument("--sigma8-range/--omega-m-range/--z-source-range: not with --cl-file");
    return;
  }
  check_range(s.sigma8, 0.4, 1.3, "--sigma8-range");
  check_range(s.omega_m, 0.1, 0.7, "--omega-m-range");
  if (!s.nz) check_range(s.z_source, 0.05, 6, "--z-source-range");
  if (!(s.halo_min_mass >= 1e10 && s.halo_min_mass < 1e15))
    throw std::invalid_argument("--halo-min-mass: must lie in [1e10, 1e15) Msun");
  if (!(s.cluster_min_mass >= 1e12 && s.cluster_min_mass < 1e15))
    throw std::invalid_argument("cluster minimum mass must lie in [1e12, 1e15) Msun");
}

struct SkyFamilySampler::Models {
  double sigma8 = 0, omega_m = 0, z_source = 0;
  long grid_pixels = 0;
  double grid_pixel = 0;
  AngularSpectrum cl;
  std::unique_ptr<HaloModel> haloes, clusters;  // made on first use
  std::optional<Cosmology> cosmology;
  SourceDistribution sources;
};

SkyFamilySampler::SkyFamilySampler(SkyFamilySettings settings) : settings_(std::move(settings)) {
  validate(settings_);
}
SkyFamilySampler::~SkyFamilySampler() = default;

SkyFamilySampler::Models& SkyFamilySampler::models_for(double sigma8, double omega_m, double z_source,
                                                       const FlatGrid& grid) {
  if (cached_ && cached_->sigma8 == sigma8 && cached_->omega_m == omega_m && cached_->z_source == z_source &&
      cached_->grid_pixels == grid.nx && cached_->grid_pixel == grid.pixel_arcmin)
    return *cached_;
  auto m = std::make_unique<Models>();
  m->sigma8 = sigma8, m->omega_m = omega_m, m->z_source = z_source;
  m->grid_pixels = grid.nx, m->grid_pixel = grid.pixel_arcmin;
  if (settings_.fixed_cl) {
    m->cl = *settings_.fixed_cl;
  } else {
    auto p = settings_.cosmology;
    p.sigma8 = sigma8, p.a_s.reset();
    p.omega_m = omega_m;
    m->cosmology.emplace(p);
    if (settings_.nz)
      m->sources = *settings_.nz;
    else
      m->sources.z_single = z_source;
    // The grid's corner modes reach sqrt(2) times the Nyquist multipole. 64 log-spaced multipoles interpolate
    // the spectrum to 0.1% (measured against 512 over 40 <= ell <= 6e4) at a quarter of the cost of 256: the
    // Limber integral is most of a map's time when the cosmology changes with every map.
    m->cl = convergence_cl_limber(*m->cosmology, m->sources,
                                  log_ell_grid(0.9 * grid.ell_min(), 1.5 * grid.ell_max(), 64));
  }
  cached_ = std::move(m);
  return *cached_;
}

std::vector<double> SkyFamilySampler::draw(const FlatGrid& grid, long index, std::uint64_t seed,
                                           std::uint64_t parameter_stream, std::uint64_t field_stream,
                                           std::uint64_t halo_stream, SkyParameters& drawn) {
  const auto& s = settings_;
  RandomStream rng(seed, parameter_stream);
  drawn = {};
  drawn.family = s.families[static_cast<size_t>(index) % s.families.size()];
  drawn.sigma8 = draw_in(s.sigma8, rng);
  drawn.omega_m = draw_in(s.omega_m, rng);
  drawn.z_source = s.nz ? 0 : draw_in(s.z_source, rng);
  drawn.lambda = needs_lambda(drawn.family) ? draw_in(s.lambda, rng) : 0;
  if (drawn.family == SkyFamily::particle_mesh)
    return draw_particle_mesh(grid, index, seed, halo_stream, drawn);
  auto& m = models_for(drawn.sigma8, drawn.omega_m, drawn.z_source, grid);
  switch (drawn.family) {
    case SkyFamily::gaussian:
      return gaussian_field(m.cl, grid, seed, field_stream);
    case SkyFamily::lognormal:
      return lognormal_field(m.cl, grid, drawn.lambda, seed, field_stream);
    case SkyFamily::particle_mesh:
      break;  // drawn above
    case SkyFamily::halo_model:
    case SkyFamily::lognormal_clusters: {
      const bool clusters = drawn.family == SkyFamily::lognormal_clusters;
      auto& model = clusters ? m.clusters : m.haloes;
      if (!model) {
        HaloModelSettings hs;
        hs.m_min_msun = clusters ? s.cluster_min_mass : s.halo_min_mass;
        model = std::make_unique<HaloModel>(*m.cosmology, m.sources, hs);
      }
      auto sky = halo_model_sky(*model, m.cl, grid,
                                clusters ? BackgroundField::lognormal : BackgroundField::gaussian,
                                drawn.lambda, seed, field_stream, halo_stream);
      drawn.haloes = static_cast<long>(sky.haloes.size());
      return std::move(sky.kappa);
    }
  }
  throw std::logic_error("unknown sky family");
}

std::vector<double> SkyFamilySampler::draw_particle_mesh(const FlatGrid& grid, long index, std::uint64_t seed,
                                                         std::uint64_t cone_stream, SkyParameters& drawn) {
  const auto& s = settings_;
  // Map `index` is the (index / F)-th particle-mesh map of a set cycling through F families, so a box serves
  // `cones_per_box` particle-mesh maps whatever the mix (counting all maps would leave it 1/F of them).
  const long cone = index / static_cast<long>(s.families.size());
  const long box = cone / s.cones_per_box;
  RandomStream box_rng(seed, kBoxStreams + static_cast<std::uint64_t>(box));
  drawn.sigma8 = draw_in(s.sigma8, box_rng);
  drawn.omega_m = draw_in(s.omega_m, box_rng);
  SourceDistribution sources;
  double z_max = s.z_source.max;
  if (s.nz) {
    sources = *s.nz;
    z_max = 0;
    for (size_t i = 0; i < sources.z.size(); ++i)
      if (sources.n[i] > 0) z_max = std::max(z_max, sources.z[i]);
  } else {
    sources.z_single = drawn.z_source;
  }
  if (box_index_ != box) {
    auto p = s.cosmology;
    p.sigma8 = drawn.sigma8, p.a_s.reset(), p.omega_m = drawn.omega_m;
    auto cone = s.lightcone;
    cone.z_max = z_max;
    // A field wider than the box at the furthest plane would see the same structure twice across the map.
    const double width = static_cast<double>(grid.nx) * grid.pixel_rad(),
                 chi = Cosmology(p).comoving_distance(z_max);
    if (width * chi > s.particle_mesh.box_mpc)
      throw std::invalid_argument("--npix/--pixel: the field spans " + std::to_string(width * chi) +
                                  " Mpc at z = " + std::to_string(z_max) +
                                  ", wider than the particle-mesh box (" +
                                  std::to_string(s.particle_mesh.box_mpc) + " Mpc; --pm-box)");
    // Cost up front: memory per rank (the box runs on this rank alone) and the planes it keeps.
    const double planes = std::ceil(chi / (s.particle_mesh.box_mpc / s.lightcone.slabs_per_box));
    const long families = static_cast<long>(s.families.size()), first = box * s.cones_per_box * families;
    spdlog::info(
        "particle-mesh box {} (maps {} to {}, every {}): {}, {} lens planes to z = {:.2f}, about {:.0f} MiB",
        box, first + index % families, first + (s.cones_per_box - 1) * families + index % families, families,
        s.particle_mesh.describe(), planes, z_max,
        particle_mesh_bytes_per_rank(s.particle_mesh, 1) / 1048576);
    box_.reset();  // free the previous box's planes first
    box_ = std::make_unique<LensPlanes>(
        LensPlanes::simulate(distributed::Communicator::self(), p, s.particle_mesh, cone, seed,
                             kBoxFieldStreams + (static_cast<std::uint64_t>(box) << 20)));
    box_index_ = box;
    ++boxes_simulated_;
    box_haloes_.reset();
  }
  // The cone on a grid twice as wide, its shear by the periodic forward model there, both cropped: the
  // shear of the kept part then feels the mass around it, as on the sky.
  const long n = grid.nx, wide = 2 * n, off = n / 2;
  const FlatGrid padded(grid.centre, grid.pixel_arcmin, wide, wide);
  auto kappa_wide = box_->convergence(padded, sources, seed, cone_stream);
  std::vector<LightconeHalo> haloes;
  if (s.submesh_haloes.enabled) {
    const double z_key = s.nz ? 0 : drawn.z_source;
    if (!box_haloes_ || box_haloes_z_ != z_key) {
      HaloModelSettings hs;
      hs.m_min_msun = s.submesh_haloes.m_min_msun;
      box_haloes_ = std::make_unique<HaloModel>(box_->cosmology(), sources, hs);
      box_haloes_z_ = z_key;
    }
    // The haloes draw from the cone's stream with bit 60 flipped (apart from every other stream of a set).
    haloes = place_submesh_haloes(padded, *box_, *box_haloes_, seed, cone_stream,
                                  cone_stream ^ (std::uint64_t{1} << 60));
    paste_compensated_haloes(kappa_wide, padded, *box_, haloes, s.submesh_haloes);
    drawn.haloes = static_cast<long>(haloes.size());
  }
  auto crop = [&](const std::vector<double>& wide_map) {
    std::vector<double> out(static_cast<size_t>(n * n));
    for (long y = 0; y < n; ++y)
      for (long x = 0; x < n; ++x)
        out[static_cast<size_t>(y * n + x)] = wide_map[static_cast<size_t>((y + off) * wide + x + off)];
    return out;
  };
  if (s.source_planes && s.nz) {
    // Single source planes every few lens planes (at most 16 beyond z = 0) up to the furthest source; the
    // haloes' convergence rescaled from the n(z) to each plane by the ratio of lensing efficiencies. kappa
    // grows smoothly with the source distance, so galaxies between planes interpolate linearly in z.
    SourcePlaneFields f;
    f.z.push_back(0);
    for (auto* v : {&f.kappa, &f.gamma1, &f.gamma2})
      v->push_back(std::vector<double>(static_cast<size_t>(n * n), 0.0));
    const auto& cosmo = box_->cosmology();
    const double thickness = box_->box() / box_->slabs_per_box(), chi_max = cosmo.comoving_distance(z_max);
    const double spacing = thickness * std::ceil(chi_max / (16 * thickness));
    for (double chi = spacing;; chi += spacing) {
      const double z_plane = chi >= chi_max ? z_max : cosmo.redshift_at_distance(chi);
      SourceDistribution single;
      single.z_single = z_plane;
      auto k = box_->convergence(padded, single, seed, cone_stream);
      auto scaled = haloes;
      std::erase_if(scaled, [&](LightconeHalo& h) {
        const double from = lensing_efficiency(cosmo, sources, h.z),
                     to = lensing_efficiency(cosmo, single, h.z);
        if (!(from > 0 && to > 0)) return true;
        h.kappa_norm *= to / from;
        return false;
      });
      paste_compensated_haloes(k, padded, *box_, scaled, s.submesh_haloes);
      const auto g = flat_shear_from_convergence({wide, wide, k, {}}, 1.0);
      f.z.push_back(z_plane);
      f.kappa.push_back(crop(k)), f.gamma1.push_back(crop(g.a)), f.gamma2.push_back(crop(g.b));
      if (chi >= chi_max) break;
    }
    last_planes_ = std::move(f);
  }
  const auto shear_wide = flat_shear_from_convergence({wide, wide, kappa_wide, {}}, 1.0);
  std::vector<double> kappa(static_cast<size_t>(n * n));
  FlatFieldPair shear{n, n, std::vector<double>(kappa.size()), std::vector<double>(kappa.size())};
  for (long y = 0; y < n; ++y)
    for (long x = 0; x < n; ++x) {
      const size_t i = static_cast<size_t>(y * n + x), j = static_cast<size_t>((y + off) * wide + x + off);
      kappa[i] = kappa_wide[j], shear.a[i] = shear_wide.a[j], shear.b[i] = shear_wide.b[j];
    }
  last_shear_ = std::move(shear);
  return kappa;
}

}  // namespace lofimap::pipeline
