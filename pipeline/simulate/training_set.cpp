#include "pipeline/simulate/training_set.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "io/atomic_output.hpp"
#include "io/hdf5_training_set.hpp"
#include "lofimap/build_info.hpp"
#include "pipeline/core/machine_resources.hpp"
#include "pipeline/core/random_stream.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/simulate/galaxy_sampling.hpp"
#include "pipeline/simulate/map_dealing.hpp"

namespace lofimap::pipeline {

void validate(const TrainingSetConfig& c) {
  if (c.maps < 1) throw std::invalid_argument("--maps: need at least one map");
  validate_grid(c.grid);
  // The range io::TrainingSetReader accepts: a set that could be written but not read would waste the run.
  if (!(c.grid.pixel_arcmin >= 1e-3 && c.grid.pixel_arcmin < 600))
    throw std::invalid_argument("--pixel: a training set's pixel must lie in [0.001, 600) arcmin");
  validate(c.sky);
  if (const auto& cl = c.sky.fixed_cl) {
    if (cl->ell.empty()) throw std::invalid_argument("training set: no C_ell given");
    if (c.grid.ell_max() > cl->ell.back() * 1.0001 || c.grid.ell_min() < cl->ell.front() * 0.9999)
      throw std::invalid_argument(
          "--npix/--pixel: the grid needs ell from " + std::to_string(c.grid.ell_min()) + " to " +
          std::to_string(c.grid.ell_max()) + ", beyond the C_ell table (" + std::to_string(cl->ell.front()) +
          " .. " + std::to_string(cl->ell.back()) + ")");
  }
  if (!(c.n_gal_min > 0 && c.n_gal_max >= c.n_gal_min))
    throw std::invalid_argument("--density: need 0 < MIN <= MAX");
  if (!(c.sigma_e_min >= 0 && c.sigma_e_max >= c.sigma_e_min && c.sigma_e_max < 1))
    throw std::invalid_argument("--sigma-e: need 0 <= MIN <= MAX < 1");
  if (!(c.masked_fraction >= 0 && c.masked_fraction < 0.9))
    throw std::invalid_argument("--masked-fraction: must lie in [0, 0.9)");
  if (!(c.pad >= 1)) throw std::invalid_argument("--pad: must be >= 1");
  // One map at a time per rank: its fields in double precision (truth, shear, counts, mask, KS E/B and the
  // haloes' and background's work arrays, about 25 doubles a pixel) and the padded transforms (three complex
  // buffers of pad^2 x 16 bytes). --npix 16384 ended in bad_alloc before this check.
  const double pixels = static_cast<double>(c.grid.nx) * static_cast<double>(c.grid.ny);
  require_memory(pixels * (200 + 48 * c.pad * c.pad), "a training map of " + std::to_string(c.grid.nx) +
                                                          " x " + std::to_string(c.grid.ny) +
                                                          " pixels (--npix)");
}

TrainingMapData simulate_training_map(const TrainingSetConfig& c, long index) {
  SkyFamilySampler sampler(c.sky);
  return simulate_training_map(sampler, c, index);
}

TrainingMapData simulate_training_map(SkyFamilySampler& sampler, const TrainingSetConfig& c, long index,
                                      const FootprintCatalogue* footprint) {
  const long n = c.grid.nx;
  const size_t nn = static_cast<size_t>(n * n);
  const std::uint64_t base = static_cast<std::uint64_t>(index) * 4;
  // Stream base + 0: the field; + 1: depth, noise and counts; + 2: the mask; 2^62 + index: the map's sky
  // parameters; 2^62 + 2^40 + index: its halo light cone.
  const std::uint64_t sky_streams = std::uint64_t{1} << 62, halo_offset = std::uint64_t{1} << 40;
  SkyParameters drawn;
  const auto kappa = sampler.draw(c.grid, index, c.seed, sky_streams + static_cast<std::uint64_t>(index),
                                  base, sky_streams + halo_offset + static_cast<std::uint64_t>(index), drawn);
  // A periodic field's shear is the periodic forward model (no padding); a light cone brings its own.
  auto own_shear = sampler.take_shear();
  const auto shear = own_shear ? std::move(*own_shear) : flat_shear_from_convergence({n, n, kappa, {}}, 1.0);

  RandomStream rng(c.seed, base + 1);
  TrainingMapData m;
  m.sky = drawn;
  m.n_gal = static_cast<float>(c.n_gal_min + (c.n_gal_max - c.n_gal_min) * rng.uniform());
  m.sigma_e = static_cast<float>(c.sigma_e_min + (c.sigma_e_max - c.sigma_e_min) * rng.uniform());

  std::vector<std::uint8_t> survey(nn, 1);
  if (c.masked_fraction > 0) {
    RandomStream holes(c.seed, base + 2);
    size_t masked = 0;
    while (static_cast<double>(masked) < c.masked_fraction * static_cast<double>(nn)) {
      const double cx = holes.uniform() * static_cast<double>(n),
                   cy = holes.uniform() * static_cast<double>(n);
      const double r = (0.5 + 3.5 * holes.uniform()) / c.grid.pixel_arcmin;  // 0.5' .. 4' radius, in pixels
      for (long iy = std::max(0L, static_cast<long>(cy - r));
           iy <= std::min(n - 1, static_cast<long>(cy + r)); ++iy)
        for (long ix = std::max(0L, static_cast<long>(cx - r));
             ix <= std::min(n - 1, static_cast<long>(cx + r)); ++ix) {
          const double dx = static_cast<double>(ix) + 0.5 - cx, dy = static_cast<double>(iy) + 0.5 - cy;
          auto& s = survey[static_cast<size_t>(iy * n + ix)];
          if (s && dx * dx + dy * dy <= r * r) s = 0, ++masked;
        }
    }
  }

  // The binned shear and the galaxies behind it: the footprint's own galaxies, or Poisson counts at the map's
  // depth with Gaussian shape noise.
  std::vector<double> g1(nn, 0.0), g2(nn, 0.0), counts(nn, 0.0);
  if (footprint) {
    auto seen =
        observe_through_footprint(*footprint, c.grid, shear.a, shear.b, kappa, c.reduced_shear, survey, rng);
    m.n_gal = static_cast<float>(seen.n_gal);
    m.sigma_e = static_cast<float>(footprint->sigma_e);
    g1 = std::move(seen.g1), g2 = std::move(seen.g2), counts = std::move(seen.counts);
  } else {
    const double per_pixel = static_cast<double>(m.n_gal) * c.grid.pixel_arcmin * c.grid.pixel_arcmin;
    for (size_t i = 0; i < nn; ++i) {
      counts[i] = survey[i] ? static_cast<double>(rng.poisson(per_pixel)) : 0.0;
      if (counts[i] > 0) {
        double s1 = shear.a[i], s2 = shear.b[i];
        if (c.reduced_shear) observed_reduced_shear(kappa[i], shear.a[i], shear.b[i], s1, s2);
        // Mean of `count` shapes with independent noise sigma_e per component.
        const double sigma = m.sigma_e / std::sqrt(counts[i]);
        g1[i] = s1 + sigma * rng.normal();
        g2[i] = s2 + sigma * rng.normal();
      }
    }
  }
  m.kappa.resize(nn), m.counts.resize(nn), m.mask.resize(nn), m.shear.resize(2 * nn);
  for (size_t i = 0; i < nn; ++i) {
    m.kappa[i] = static_cast<float>(kappa[i]);
    m.counts[i] = static_cast<float>(counts[i]);
    m.mask[i] = counts[i] > 0 ? 1 : 0;
    m.shear[i] = static_cast<float>(g1[i]);
    m.shear[nn + i] = static_cast<float>(g2[i]);
  }
  const auto ks = flat_kaiser_squires({n, n, g1, g2}, c.pad, 0.0);
  m.ks.resize(2 * nn);
  for (size_t i = 0; i < nn; ++i) {
    m.ks[i] = static_cast<float>(ks.a[i]);
    m.ks[nn + i] = static_cast<float>(ks.b[i]);
  }
  return m;
}

TrainingSetReport write_training_set(const TrainingSetConfig& c, const distributed::Communicator& comm) {
  validate(c);
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<io::AtomicOutput> out;
  std::string temp;
  if (comm.is_root()) {
    out = std::make_unique<io::AtomicOutput>(c.output, c.overwrite);
    temp = out->temp_path();
  }
  temp = comm.broadcast(temp);

  // Family names, in the order maps cycle through them (map i is of family i mod count).
  std::string families;
  for (auto f : c.sky.families) families += (families.empty() ? "" : ",") + family_name(f);
  SkyFamilySampler sampler(c.sky);
  std::optional<FootprintCatalogue> footprint;
  if (!c.footprint.empty()) footprint = load_footprint(c.footprint, c.footprint_preset);
  io::TrainingAttributes attrs;
  attrs.text = {
      {"lofimap_version", LOFIMAP_VERSION},
      {"lofimap_git", LOFIMAP_GIT_HASH},
      {"command", c.command_line},
      {"cl", c.cl_description},
      {"field", families},
      {"shear", c.reduced_shear ? "reduced" : "gamma"},
      {"footprint", c.footprint.empty() ? "uniform (Poisson counts)"
                                        : c.footprint + " (its positions, weights and rotated shapes)"},
      {"frame", "x = +RA (East), y = +Dec (North)"}};
  attrs.numbers = {{"pixel_arcmin", c.grid.pixel_arcmin},
                   {"npix", static_cast<double>(c.grid.nx)},
                   {"lambda_min", c.sky.lambda.min},
                   {"lambda_max", c.sky.lambda.max},
                   {"sigma8_min", c.sky.sigma8.min},
                   {"sigma8_max", c.sky.sigma8.max},
                   {"omega_m_min", c.sky.omega_m.min},
                   {"omega_m_max", c.sky.omega_m.max},
                   {"z_source_min", c.sky.z_source.min},
                   {"z_source_max", c.sky.z_source.max},
                   {"halo_min_mass", c.sky.halo_min_mass},
                   {"n_gal_min", c.n_gal_min},
                   {"n_gal_max", c.n_gal_max},
                   {"sigma_e_min", c.sigma_e_min},
                   {"sigma_e_max", c.sigma_e_max},
                   {"masked_fraction", c.masked_fraction},
                   {"ks_pad", c.pad},
                   {"seed", static_cast<double>(c.seed)},
                   {"maps", static_cast<double>(c.maps)}};
  // The set's datasets hold 25 bytes a pixel before compression (truth, shear, KS E/B and counts as float, a
  // byte of mask); shuffle + deflate leave 18.1 (20 Gaussian maps of 128^2). A set that cannot fit in 16
  // bytes a pixel fails now, not hours later.
  if (comm.is_root())
    require_disk(
        16.0 * static_cast<double>(c.maps) * static_cast<double>(c.grid.nx) * static_cast<double>(c.grid.ny),
        c.output,
        "a training set of " + std::to_string(c.maps) + " maps of " + std::to_string(c.grid.nx) +
            "^2 pixels (--maps, --npix)");
  io::TrainingSetWriter writer(temp, comm.size() > 1 ? comm.mpi_handle() : nullptr, c.maps, c.grid.nx, attrs);

  TrainingSetReport report;
  // Round r: each rank simulates and writes its r-th map (or an empty selection once it has none left).
  const auto pm = std::find(c.sky.families.begin(), c.sky.families.end(), SkyFamily::particle_mesh);
  const auto share =
      maps_of_rank(c.maps, static_cast<long>(c.sky.families.size()),
                   pm == c.sky.families.end() ? -1 : static_cast<long>(pm - c.sky.families.begin()),
                   comm.rank(), comm.size());
  const long rounds = share.rounds;
  long next_log = 0;
  for (long r = 0; r < rounds; ++r) {
    const long index = r < static_cast<long>(share.maps.size()) ? share.maps[static_cast<size_t>(r)] : -1;
    if (index >= 0) {
      const auto m = simulate_training_map(sampler, c, index, footprint ? &*footprint : nullptr);
      io::TrainingMapView view{m.kappa.data(),  m.shear.data(), m.ks.data(), m.mask.data(),
                               m.counts.data(), m.sigma_e,      m.n_gal};
      // The family's index in the "field" attribute's list.
      view.sky_family = static_cast<std::uint8_t>(static_cast<size_t>(index) % c.sky.families.size());
      view.sky_lambda = static_cast<float>(m.sky.lambda), view.sky_sigma8 = static_cast<float>(m.sky.sigma8);
      view.sky_omega_m = static_cast<float>(m.sky.omega_m),
      view.sky_z_source = static_cast<float>(m.sky.z_source);
      view.sky_haloes = static_cast<float>(m.sky.haloes);
      writer.write_round(index, &view);
      ++report.maps_written_here;
    } else {
      writer.write_round(-1, nullptr);
    }
    if (comm.is_root() && (r + 1 >= next_log || r + 1 == rounds)) {
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double done = static_cast<double>(r + 1) / static_cast<double>(rounds);
      spdlog::info("training set: {:5.1f}% ({} of {} maps), {:.1f} s elapsed, ETA {:.1f} s", 100 * done,
                   std::min(c.maps, (r + 1) * comm.size()), c.maps, elapsed, elapsed * (1 - done) / done);
      next_log = r + 1 + std::max(1L, rounds / 10);
    }
  }
  writer.close();
  report.boxes_simulated_here = sampler.boxes_simulated();
  comm.barrier();
  // Rank 0 renames the finished set into place; every rank returns only once it is there (callers open it
  // next, on every rank), and a failed rename fails every rank rather than leaving the others waiting.
  std::exception_ptr failure;
  std::string message;
  if (comm.is_root()) try {
      out->commit();
    } catch (const std::exception& e) {
      failure = std::current_exception();
      message = e.what();
    }
  message = comm.broadcast(message);
  if (failure) std::rethrow_exception(failure);
  if (!message.empty()) throw std::runtime_error("rank 0 could not complete the training set: " + message);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace lofimap::pipeline
