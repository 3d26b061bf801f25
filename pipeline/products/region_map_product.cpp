#include "pipeline/products/region_map_product.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <unordered_map>

#include "distributed/partition.hpp"
#include "io/atomic_output.hpp"
#include "io/catalogue_files.hpp"
#include "io/coordinate_list.hpp"
#include "io/fits_table_writer.hpp"
#include "io/healpix_partial_hdf5.hpp"
#include "io/healpix_partial_map.hpp"
#include "io/region_parts.hpp"
#include "io/text_table.hpp"
#include "pipeline/core/flat_grid_wcs.hpp"
#include "pipeline/core/machine_resources.hpp"
#include "pipeline/core/phase_timer.hpp"
#include "pipeline/core/stop_request.hpp"
#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/flat/flat_patch_settings.hpp"
#include "pipeline/products/lofi_plugin.hpp"
#include "pipeline/products/provenance.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/survey/coordinate_exchange.hpp"
#include "pipeline/survey/galaxy_exchange.hpp"
#include "pipeline/survey/noise_rotation.hpp"
#include "pipeline/survey/region_map.hpp"

namespace lofimap::pipeline {

namespace {

// One region's output rows: ascending NESTED pixels and one value per pixel in every column.
struct RegionRows {
  std::vector<long long> pixels;
  std::vector<std::vector<float>> columns;
};
using RegionWork = std::function<RegionRows(long long region, const ShearCatalogue& galaxies)>;

struct RegionRun {
  LoadedCatalogue catalogue;  // summary; galaxies only when held (not with --reread-catalogue)
  // The rank's galaxies for every pass: catalogue.galaxies, or read again from the files.
  std::unique_ptr<RowSource> rows;
  RegionAssignment assignment;
  long long observed = 0;
  long long resumed = 0;       // regions read back from an interrupted run (all ranks)
  double held_per_galaxy = 0;  // regions holding each galaxy on average (1 + the margins' share)
  int waves = 1;               // of the galaxy exchange
  bool coordinates = false;    // the output is a coordinate list (observed: its rows)
  bool interrupted = false;    // stopped early on some rank: nothing written, the finished regions kept
  // The whole catalogue's large scales (absent with --large-scales box).
  std::optional<LargeScaleKappa> large;
  const LargeScaleKappa* large_or_null() const { return large ? &*large : nullptr; }
};

// The large-scale maps of the catalogue, from the rows as read (collective).
void prepare_large_scales(const KsConfig& c, double smoothing_arcmin, RegionRun& run,
                          const distributed::Communicator& comm) {
  if (!c.box_large_scales)
    run.large = LargeScaleKappa::from_galaxies(*run.rows, c.margin_deg, smoothing_arcmin, comm);
}

// What a region map does besides the common steps. Collective hooks are called on every rank.
struct RegionHooks {
  std::function<void(RegionRun&)> prepare;  // collective, after ingest (large scales, shape noise)
  RegionWork work;                          // one region's rows from its galaxies
  std::function<std::vector<io::HeaderCard>(const RegionRun&)> cards;
  // Collective, optional: once the exchange is planned, and after each wave's galaxies arrived.
  std::function<void(const GalaxyExchange&)> planned;
  std::function<void(const GalaxyExchange&, int wave)> wave;
  // Collective, optional: writes the rows of every rank (the share of this one) and returns the rows written
  // (on rank 0); by default a partial NESTED HEALPix map written by rank 0, each rank's share in turn.
  std::function<long long(RegionRows& share, const RegionRun& run)> write;
};

// Rank 0 writes its share of the HEALPix map, then each other rank's in turn (their regions, hence pixels,
// ascend with the rank).
long long write_healpix_share(const KsConfig& c,
                              const std::vector<std::pair<std::string, std::string>>& columns,
                              const std::vector<io::HeaderCard>& cards, const RegionRows& share,
                              const distributed::Communicator& comm) {
  if (std::filesystem::path(c.output).extension() == ".h5") {
    // HDF5: every rank writes its own share at its offset in one collective write (MPI-IO).
    const auto rows = comm.offset_of(static_cast<long long>(share.pixels.size()));
    std::unique_ptr<io::AtomicOutput> out;
    std::string temp;
    if (comm.is_root())
      out = std::make_unique<io::AtomicOutput>(c.output, c.overwrite), temp = out->temp_path();
    temp = comm.broadcast(temp);
    io::write_partial_healpix_hdf5(temp, comm.size() > 1 ? comm.mpi_handle() : nullptr, c.nside, "NESTED",
                                   columns, cards, share.pixels, share.columns, rows.first, rows.total);
    comm.barrier();  // every rank's share is in the file
    if (out) out->commit();
    return rows.total;
  }
  if (!comm.is_root()) {
    comm.send(std::span<const long long>(share.pixels), 0);
    for (const auto& column : share.columns) comm.send(std::span<const float>(column), 0);
    return 0;
  }
  io::PartialHealpixWriter writer(c.output, c.nside, io::HealpixOrdering::Nested, columns, cards,
                                  c.overwrite);
  writer.append(share.pixels, share.columns);
  for (int r = 1; r < comm.size(); ++r) {  // one rank's share at a time
    RegionRows theirs;
    theirs.pixels = comm.receive<long long>(r);
    for (size_t k = 0; k < columns.size(); ++k) theirs.columns.push_back(comm.receive<float>(r));
    writer.append(theirs.pixels, theirs.columns);
  }
  const long long rows = writer.rows();
  writer.commit();
  return rows;
}

// Ingest, assignment, exchange, the work of every region of this rank, and the output.
// `record`: the options that shape the map, stored with the finished regions (a resume must match them).
void run_regions(const KsConfig& c, const std::vector<std::pair<std::string, std::string>>& columns,
                 const std::string& record, const RegionHooks& hooks, const distributed::Communicator& comm,
                 PhaseTimer& timer, RegionRun& run) {
  const auto& work = hooks.work;
  // Finished regions live in <output>.parts/ until the map is written; rank 0 prepares the folder.
  const std::string folder = c.output + ".parts";
  std::optional<io::RegionParts> parts;
  // The tasks of a job array share the folder: none of them removes what another finished.
  const bool keep_parts = c.resume || c.tasks > 1;
  if (comm.is_root()) parts.emplace(folder, record, keep_parts);
  comm.barrier();
  if (!comm.is_root()) parts.emplace(io::RegionParts::attach(folder));
  if (c.reread_catalogue) {
    auto rereader = std::make_unique<CatalogueRereader>(c.catalogue, comm);
    run.catalogue.summary = rereader->summary();
    run.rows = std::move(rereader);
  } else {
    run.catalogue = load_catalogue(c.catalogue, comm);
    run.rows = std::make_unique<HeldRows>(run.catalogue.galaxies);
  }
  timer.lap("ingest");
  hooks.prepare(run);
  if (!c.box_large_scales) timer.lap("large scales");
  const SkyRegions regions(c.regions, c.margin_deg, c.flat.pixel_arcmin);
  run.assignment = assign_regions(*run.rows, regions, comm, c.task, c.tasks);
  // Every region's rows, in region order (a rank's regions, hence pixels, ascend): the finished regions of
  // an interrupted run first, read back; their galaxies are not exchanged.
  std::map<long long, RegionRows> done;
  std::vector<long long> finished;
  if (keep_parts)
    for (long long region : run.assignment.mine())
      if (auto part = parts->load(region, columns.size())) {
        done[region] = {std::move(part->pixels), std::move(part->columns)};
        finished.push_back(region);
      }
  finished = comm.allgatherv(std::span<const long long>(finished));
  const GalaxyExchange exchange(*run.rows, regions, run.assignment, finished,
                                c.region_memory_gib * 1073741824.0, comm);
  run.held_per_galaxy = exchange.held_per_galaxy();
  run.waves = exchange.waves();
  if (hooks.planned) hooks.planned(exchange);
  timer.lap("exchange plan");

  // Wave by wave: the galaxies of a share of every rank's regions arrive, those regions are mapped, their
  // galaxies dropped. A stop request (or --stop-after) is honoured between regions (every finished one is on
  // disk) and agreed on by all ranks at the end of the wave.
  double exchange_seconds = 0, region_seconds = 0;
  long long mapped = 0;
  bool stopped = false;
  for (int w = 0; w < exchange.waves(); ++w) {
    const auto t0 = std::chrono::steady_clock::now();
    auto galaxies = exchange.exchange(w);
    if (hooks.wave) hooks.wave(exchange, w);
    const auto t1 = std::chrono::steady_clock::now();
    const auto& wave = exchange.regions_of_wave(w);
    for (size_t i = 0; i < wave.size() && !stopped; ++i) {
      if (stop_requested() || (c.stop_after > 0 && mapped >= c.stop_after)) {
        stopped = true;
        break;
      }
      RegionRows rows = work(wave[i], galaxies[i]);
      parts->save({wave[i], rows.pixels, rows.columns});
      done[wave[i]] = std::move(rows);
      ++mapped;
      galaxies[i] = ShearCatalogue();  // done with this region's galaxies
    }
    exchange_seconds += std::chrono::duration<double>(t1 - t0).count();
    region_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    long long any_stopped = stopped ? 1 : 0;
    comm.allreduce_sum(&any_stopped, 1);
    if (any_stopped > 0) {
      stopped = true;
      break;
    }
  }
  run.rows.reset();
  run.catalogue.galaxies = ShearCatalogue();  // every region has its galaxies now
  timer.record("exchange", exchange_seconds);
  timer.record("regions", region_seconds);
  RegionRows share;
  share.columns.resize(columns.size());
  for (auto& [region, rows] : done) {
    share.pixels.insert(share.pixels.end(), rows.pixels.begin(), rows.pixels.end());
    for (size_t k = 0; k < columns.size(); ++k)
      share.columns[k].insert(share.columns[k].end(), rows.columns[k].begin(), rows.columns[k].end());
    rows = RegionRows();
  }
  const long long resumed = static_cast<long long>(finished.size());
  run.resumed = resumed;
  if (stopped) {  // every rank stops; the finished regions stay for --resume
    run.interrupted = true;
    return;
  }
  if (c.tasks > 1) return;  // one task of an array: its regions are in the folder; the merge writes the map

  run.observed =
      hooks.write ? hooks.write(share, run) : write_healpix_share(c, columns, hooks.cards(run), share, comm);
  if (comm.is_root()) parts->remove_all();  // the map is in place: the finished regions are no longer needed
  timer.lap("output");
}

// NOISE_STD and SNR of a region's map from K noise realisations: the estimator rerun on the galaxies with
// randomly rotated ellipticities; the standard deviation over the realisations per pixel (K - 1 in the
// denominator), and the map divided by it.
// `estimate` takes a region input made from the noisy galaxies (already in the region's plane).
// The realisations rerun each region's own KS at every scale, without the spherical large scales (those would
// need a global transform per realisation, held for the whole run): on a pure-noise field (regions of nside
// 16, 4' pixels, K = 200) the NOISE_STD of both ways agreed to 0.06% on average and 1.8% at most.
void add_noise_columns(RegionRows& rows, const std::vector<float>& signal, const KsConfig& c,
                       const ShearCatalogue& galaxies, const FlatGrid& grid, double smoothing_arcmin,
                       const std::function<std::vector<float>(const RegionInput&)>& estimate) {
  const long k_max = c.noise_realisations;
  if (k_max <= 0) return;
  const NoiseRotations rotations(galaxies, c.noise_seed);
  const ShearCatalogue plane = rotate_into_plane(galaxies, grid.centre);
  std::vector<double> sum(signal.size(), 0.0), sum2(signal.size(), 0.0);
  for (long k = 0; k < k_max; ++k) {
    const auto noise = estimate(
        region_input_in_plane(rotations.apply(plane, k), grid, c.flat.pad, smoothing_arcmin, nullptr));
    for (size_t i = 0; i < noise.size(); ++i)
      sum[i] += noise[i], sum2[i] += static_cast<double>(noise[i]) * noise[i];
  }
  std::vector<float> std_dev(signal.size()), snr(signal.size());
  const double k = static_cast<double>(k_max);
  for (size_t i = 0; i < signal.size(); ++i) {
    const double var = (sum2[i] - sum[i] * sum[i] / k) / (k - 1);
    std_dev[i] = static_cast<float>(std::sqrt(std::max(var, 0.0)));
    snr[i] = std_dev[i] > 0 ? static_cast<float>(signal[i] / std_dev[i]) : 0.0f;
  }
  rows.columns.push_back(std::move(std_dev));
  rows.columns.push_back(std::move(snr));
}

std::vector<std::pair<std::string, std::string>> with_noise_columns(
    std::vector<std::pair<std::string, std::string>> columns, const KsConfig& c) {
  if (c.noise_realisations > 0) columns.push_back({"NOISE_STD", ""}), columns.push_back({"SNR", ""});
  return columns;
}

// What shapes a region's rows: inputs, catalogue handling, regions, grid and estimator.
std::string region_record(const KsConfig& c, const std::string& estimator) {
  std::ostringstream s;
  s << "inputs";
  for (const auto& p : io::expand_catalogue_paths(c.catalogue.inputs)) s << " " << p;
  s << "; preset " << c.catalogue.preset << ", flip " << c.catalogue.flip_e1 << c.catalogue.flip_e2
    << "; regions " << c.regions << ", nside " << c.nside << ", pixel " << c.flat.pixel_arcmin << ", margin "
    << c.margin_deg << (c.box_large_scales ? " (box)" : " (sphere large scales)") << ", pad " << c.flat.pad
    << "; noise realisations " << c.noise_realisations << " seed " << c.noise_seed << "; " << estimator;
  return s.str();
}

std::vector<io::HeaderCard> region_cards(const KsConfig& c, const CatalogueSummary& summary) {
  auto cards = provenance_cards(c.command_line, summary);
  cards.push_back({"LMPIXAM", c.flat.pixel_arcmin, "[arcmin] input pixel of every region"});
  cards.push_back({"LMREGNS", static_cast<long long>(c.regions), "region nside (NESTED)"});
  cards.push_back({"LMMARGIN", c.margin_deg, "[deg] region margin"});
  cards.push_back({"LMLARGE", std::string(c.box_large_scales ? "box" : "sphere"),
                   "scales > margin/4: region's own KS (box) or spherical KS"});
  cards.push_back({"LMPAD", c.flat.pad, "FFT zero-padding factor"});
  return cards;
}

std::string region_summary(const KsConfig& c, const RegionRun& run, const distributed::Communicator& comm,
                           const PhaseTimer& timer) {
  // Peak resident memory of the ranks (collective): what a job must ask for per task.
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  double peak[2] = {static_cast<double>(usage.ru_maxrss) / (1 << 20),
                    -static_cast<double>(usage.ru_maxrss) / (1 << 20)};
  comm.allreduce_max(peak, 2);  // GiB: the largest, and minus the smallest
  std::ostringstream s;
  s << run.catalogue.summary.report() << "\n"
    << "regions: nside " << c.regions << " (NESTED), " << run.assignment.regions.size()
    << " with galaxies over " << comm.size() << " rank(s)"
    << (run.resumed ? ", " + std::to_string(run.resumed) + " of them from the interrupted run" : "")
    << "; each galaxy held by " << std::setprecision(3) << run.held_per_galaxy << " regions (margin "
    << c.margin_deg << " deg), exchanged in " << run.waves << " wave(s)"
    << (run.coordinates ? std::string("; ") : "; output nside " + std::to_string(c.nside) + ", ")
    << (run.interrupted ? "stopped early: finished regions kept in " + c.output + ".parts for --resume"
        : c.tasks > 1
            ? "task " + std::to_string(c.task) + " of " + std::to_string(c.tasks) + " done: its " +
                  std::to_string(run.assignment.regions.size()) + " regions are in " + c.output +
                  ".parts; when every task is done, the same command with --resume and without --task "
                  "writes the map"
        : run.coordinates ? std::to_string(run.observed) + " rows of the coordinate list written"
                          : std::to_string(run.observed) + " observed pixels")
    << "\n"
    << "timings: " << timer.text() << "\npeak memory per rank: " << std::setprecision(3) << -peak[1] << " to "
    << peak[0] << " GiB";

  return s.str();
}

}  // namespace

void validate_region_settings(const KsConfig& c, bool need_pixel) {
  if (c.regions < 1 || c.regions > 1024 || (c.regions & (c.regions - 1)) != 0)
    throw std::invalid_argument(
        "--regions: the region nside must be a power of two between 1 and 1024, got " +
        std::to_string(c.regions));
  validate_nside(c.nside);
  if (c.nside < c.regions)
    throw std::invalid_argument("--nside: the output nside must be at least the region nside (--regions)");
  if (c.sphere) throw std::invalid_argument("--regions: flat regions replace --sphere; give one of them");
  if (need_pixel && !(c.flat.pixel_arcmin > 0))
    throw std::invalid_argument("--pixel: the regions' input pixel is needed");
  if (c.flat.npix > 0 || c.flat.size_deg > 0 || c.flat.center_ra)
    throw std::invalid_argument("--npix/--size/--center: not with --regions (each region has its own grid)");
  if (!c.wiener_cl.empty()) throw std::invalid_argument("--wiener: not yet with --regions");
  if (!(c.flat.pad >= 1)) throw std::invalid_argument("--pad: zero-padding factor must be >= 1");
  SkyRegions(c.regions, c.margin_deg, need_pixel ? c.flat.pixel_arcmin : 1.0);  // margin and size in range
  if (!(c.region_memory_gib >= 1e-4 && c.region_memory_gib <= 1e6))
    throw std::invalid_argument("--region-memory: between 0.0001 and 1,000,000 GiB, got " +
                                std::to_string(c.region_memory_gib));
  if (c.tasks < 1 || c.task < 0 || c.task >= c.tasks)
    throw std::invalid_argument("--task: expected I/N with 0 <= I < N, got " + std::to_string(c.task) + "/" +
                                std::to_string(c.tasks));
  if (c.noise_realisations == 1 || c.noise_realisations < 0 || c.noise_realisations > 10000)
    throw std::invalid_argument(
        "--noise-realisations: between 2 and 10,000 (a standard deviation needs two)");
  // The large-scale maps resolve sigma = margin / 4: below 0.25 deg they would need nside 8192 (25 GB to
  // bin).
  if (!c.box_large_scales && !(c.margin_deg >= 0.25))
    throw std::invalid_argument(
        "--margin: at least 0.25 deg with --large-scales sphere (it sets the scale the spherical map takes "
        "over); use --large-scales box for smaller margins");
}

KsReport run_region_kaiser_squires(const KsConfig& c, const distributed::Communicator& comm) {
  validate_region_settings(c);
  io::check_not_an_input(c.output, io::expand_catalogue_paths(c.catalogue.inputs));
  io::check_writable(c.output, c.overwrite);
  const SkyRegions regions(c.regions, c.margin_deg, c.flat.pixel_arcmin);
  PhaseTimer timer;
  RegionRun run;
  RegionHooks hooks;
  hooks.prepare = [&](RegionRun& r) { prepare_large_scales(c, c.smoothing_arcmin, r, comm); };
  hooks.work = [&](long long region, const ShearCatalogue& galaxies) {
    const auto in =
        region_input(galaxies, regions, region, c.flat.pad, c.smoothing_arcmin, run.large_or_null());
    const auto px = region_output_pixels(galaxies, regions, region, c.nside, in);
    RegionRows rows{px.pixels,
                    {sample_on_pixels(in, in.kappa_e, px), sample_on_pixels(in, in.kappa_b, px), px.n_gal}};
    add_noise_columns(rows, rows.columns[0], c, galaxies, in.grid, c.smoothing_arcmin,
                      [&](const RegionInput& n) { return sample_on_pixels(n, n.kappa_e, px); });
    return rows;
  };
  hooks.cards = [&](const RegionRun& r) {
    auto cards = region_cards(c, r.catalogue.summary);
    cards.push_back({"LMSMOOTH", c.smoothing_arcmin, "[arcmin] Gaussian smoothing sigma"});
    return cards;
  };
  run_regions(c, with_noise_columns({{"KAPPA_E", ""}, {"KAPPA_B", ""}, {"N_GAL", "galaxies"}}, c),
              region_record(c, "ks smooth " + std::to_string(c.smoothing_arcmin)), hooks, comm, timer, run);
  KsReport report;
  report.interrupted = run.interrupted;
  if (comm.is_root() && !run.interrupted && c.tasks <= 1) report.written.push_back(c.output);
  report.summary = region_summary(c, run, comm, timer);
  return report;
}

// `lofimap map --regions R --coords FILE`: every rank reads its rows of the list; each position goes to the
// owner of its home region with that region's wave; the values come back to the rank that read it and rank
// 0 writes the list in its own order (FITS table for a .fits output, text otherwise), one rank's rows at a
// time. Positions outside the footprint (their region holds no galaxy, or their coverage cell is empty) are
// NaN.
struct CoordinateOutput {
  CoordinateOutput(const MapConfig& config, const SkyRegions& sky_regions,
                   const distributed::Communicator& communicator)
      : m(config), regions(sky_regions), comm(communicator) {}
  const MapConfig& m;
  const SkyRegions& regions;
  const distributed::Communicator& comm;
  std::optional<CoordinateExchange> list;
  std::vector<RegionPoints> wave_points;  // of this rank's regions in the current wave
  std::unordered_map<long long, size_t> slot;
  long long finite = 0;  // rows with a value (all ranks)

  // A flat mosaic instead of a list (--out-pixel): its pixel centres, row-major [iy * nx + ix], are the list.
  std::optional<FlatGrid> mosaic;

  void planned(const GalaxyExchange& galaxies) {
    if (mosaic) {
      const auto range = distributed::split_rows(mosaic->pixels(), comm.rank(), comm.size());
      std::vector<double> ra, dec;
      for (long long k = range.begin; k < range.end; ++k) {
        double a = 0, d = 0;
        gnomonic_deproject(mosaic->centre, mosaic->x_of(static_cast<long>(k % mosaic->nx)),
                           mosaic->y_of(static_cast<long>(k / mosaic->nx)), a, d);
        ra.push_back(a), dec.push_back(d);
      }
      list.emplace(std::move(ra), std::move(dec), range.begin, regions, galaxies, comm);
      return;
    }
    long long first = 0;
    auto rows = io::read_coordinate_share(m.coords_file, [&](long long total) {
      const auto range = distributed::split_rows(total, comm.rank(), comm.size());
      first = range.begin;
      return std::pair{range.begin, range.end};
    });
    list.emplace(std::move(rows.ra_deg), std::move(rows.dec_deg), first, regions, galaxies, comm);
    if (list->total_rows() == 0) throw std::invalid_argument("--coords: " + m.coords_file + " holds no rows");
  }
  void wave(const GalaxyExchange& galaxies, int w) {
    wave_points = list->exchange(w);
    slot.clear();
    const auto& mine = galaxies.regions_of_wave(w);
    for (size_t i = 0; i < mine.size(); ++i) slot[mine[i]] = i;
  }
  const RegionPoints& points_of(long long region) const { return wave_points[slot.at(region)]; }

  // Rank 0 assembles the image from the ranks' rows (their rows follow each other) and writes one image
  // extension per column with the mosaic's TAN WCS.
  long long write_mosaic(const std::vector<std::vector<float>>& values,
                         const std::vector<std::pair<std::string, std::string>>& columns,
                         const std::vector<io::HeaderCard>& cards) {
    if (!comm.is_root()) {
      for (const auto& v : values) comm.send(std::span<const float>(v), 0);
      return 0;
    }
    std::vector<std::vector<float>> image = values;
    for (int r = 1; r < comm.size(); ++r)
      for (auto& column : image) {
        const auto theirs = comm.receive<float>(r);
        column.insert(column.end(), theirs.begin(), theirs.end());
      }
    std::vector<io::NamedImage> images;
    for (size_t k = 0; k < columns.size(); ++k)
      images.push_back({columns[k].first, columns[k].second, image[k].data()});
    auto all_cards = cards;
    all_cards.push_back({"LMOUTPIX", mosaic->pixel_arcmin, "[arcmin] mosaic pixel"});
    io::AtomicOutput out(m.ks.output, m.ks.overwrite);
    io::write_flat_fits(out.temp_path(), tan_grid(*mosaic), images, all_cards);
    out.commit();
    return mosaic->pixels();
  }

  long long write(const RegionRows& share, const std::vector<std::pair<std::string, std::string>>& columns,
                  const std::vector<io::HeaderCard>& cards) {
    const auto values = list->return_values(share.pixels, share.columns);
    long long local_finite = 0;
    for (float v : values[0]) local_finite += std::isfinite(v) ? 1 : 0;
    finite = local_finite;
    comm.allreduce_sum(&finite, 1);
    if (mosaic) return write_mosaic(values, columns, cards);
    if (!comm.is_root()) {
      comm.send(std::span<const double>(list->ra_deg()), 0);
      comm.send(std::span<const double>(list->dec_deg()), 0);
      for (const auto& v : values) comm.send(std::span<const float>(v), 0);
      return 0;
    }
    io::AtomicOutput out(m.ks.output, m.ks.overwrite);
    const bool fits = std::filesystem::path(m.ks.output).extension() == ".fits";
    std::vector<std::string> names = {"RA", "DEC"};
    for (const auto& c : columns) names.push_back(c.first);
    std::optional<io::FitsTableWriter> table;
    std::optional<io::TextTableWriter> text;
    if (fits)
      table.emplace(out.temp_path(), "COORDS", names, cards);
    else {
      std::string header =
          "LoFi convergence at the listed coordinates (NaN: outside the footprint)\ncolumns:";
      for (const auto& n : names) header += " " + n;
      text.emplace(out.temp_path(), header);
    }
    auto append = [&](const std::vector<double>& ra, const std::vector<double>& dec,
                      const std::vector<std::vector<float>>& v) {
      std::vector<std::vector<double>> wide;
      for (const auto& column : v) wide.emplace_back(column.begin(), column.end());
      std::vector<const double*> data = {ra.data(), dec.data()};
      for (const auto& column : wide) data.push_back(column.data());
      if (table) table->append(data, static_cast<long>(ra.size()));
      if (text) text->append(data, ra.size());
    };
    append(list->ra_deg(), list->dec_deg(), values);
    for (int r = 1; r < comm.size(); ++r) {  // one rank's rows at a time, in the list's order
      const auto ra = comm.receive<double>(r), dec = comm.receive<double>(r);
      std::vector<std::vector<float>> theirs;
      for (size_t k = 0; k < values.size(); ++k) theirs.push_back(comm.receive<float>(r));
      append(ra, dec, theirs);
    }
    if (table) table->close();
    if (text) text->close();
    out.commit();
    return list->total_rows();
  }
};

MapReport run_region_lofi_map(const MapConfig& given, const distributed::Communicator& comm) {
  given.validate();
  MapConfig m = given;
  KsConfig& c = m.ks;
  auto evaluator = lofi_plugin().open_model(m.model_path(), m.device, m.precision, m.batch, comm);
  if (!(c.flat.pixel_arcmin > 0)) c.flat.pixel_arcmin = evaluator->train_pixel_arcmin();
  validate_region_settings(c);
  const SkyRegions regions(c.regions, c.margin_deg, c.flat.pixel_arcmin);
  const bool to_mosaic = m.coords_file.empty() && m.out_pixel_arcmin > 0;  // a flat mosaic of the footprint
  const bool to_list = !m.coords_file.empty() || to_mosaic;
  CoordinateOutput coords(m, regions, comm);
  PhaseTimer timer;
  RegionRun run;
  run.coordinates = to_list;
  double sigma_e = m.sigma_e;
  const auto columns = with_noise_columns(
      to_list ? std::vector<std::pair<std::string, std::string>>{{"KAPPA", ""}, {"KAPPA_KS", ""}}
              : std::vector<std::pair<std::string, std::string>>{{"KAPPA", ""},
                                                                 {"KAPPA_KS", ""},
                                                                 {"N_GAL", "galaxies"}},
      c);
  auto cards = [&](const RegionRun& r) {
    auto cards = region_cards(c, r.catalogue.summary);
    cards.push_back({"LMMODEL", m.model_path(), "LoFi weights"});
    cards.push_back({"LMHASH", evaluator->model_hash(), "LoFi model content hash"});
    cards.push_back({"LMSIGE", sigma_e, "shape noise per component used for the noise channel"});
    return cards;
  };
  RegionHooks hooks;
  hooks.prepare = [&](RegionRun& r) {  // collective: before the galaxies leave their ranks
    const double measured = measured_shape_noise(*r.rows, comm);
    if (!(sigma_e > 0)) sigma_e = measured;
    prepare_large_scales(c, 0.0, r, comm);
    if (to_mosaic) {  // the TAN grid covering the catalogue's footprint at the mosaic's pixel
      FlatKsSettings settings;
      settings.pixel_arcmin = m.out_pixel_arcmin;
      coords.mosaic = resolve_flat_patch(settings, r.catalogue.galaxies, comm);
      // Rank 0 assembles the image (4 bytes a column per pixel, received and appended) and every rank holds
      // its share of the pixel positions (about 40 bytes each).
      const double pixels = static_cast<double>(coords.mosaic->pixels());
      require_memory(pixels * (8.0 * static_cast<double>(columns.size()) + 40.0 / comm.size()),
                     "a flat mosaic of " + std::to_string(coords.mosaic->nx) + " x " +
                         std::to_string(coords.mosaic->ny) + " pixels (--out-pixel " +
                         std::to_string(m.out_pixel_arcmin) + ")");
    }
  };
  hooks.work = [&](long long region, const ShearCatalogue& galaxies) {
    // LoFi takes unsmoothed KS
    const auto in = region_input(galaxies, regions, region, c.flat.pad, 0.0, run.large_or_null());
    const RegionPoints* points = to_list ? &coords.points_of(region) : nullptr;
    const auto px = to_list ? region_points(in, points->ra_deg, points->dec_deg)
                            : region_output_pixels(galaxies, regions, region, c.nside, in);
    auto estimate = [&](const RegionInput& n) {
      if (px.pixels.empty()) return std::vector<float>();
      return evaluator->evaluate(n.grid, n.kappa_e, n.kappa_b, n.g1, n.g2, n.count, sigma_e, px.xy_arcmin);
    };
    RegionRows rows{px.pixels, {estimate(in), sample_on_pixels(in, in.kappa_e, px)}};
    if (to_list)  // the rows of the list, not the positions' indices within the region
      for (auto& p : rows.pixels) p = points->rows[static_cast<size_t>(p)];
    else
      rows.columns.push_back(px.n_gal);
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
  run_regions(
      c, columns,
      region_record(c, "lofi model " + evaluator->model_hash() + " sigma_e " + std::to_string(m.sigma_e) +
                           (to_mosaic ? "; mosaic pixel " + std::to_string(m.out_pixel_arcmin)
                            : to_list ? "; coordinates " + m.coords_file
                                      : "")),
      hooks, comm, timer, run);
  MapReport report;
  report.interrupted = run.interrupted;
  if (comm.is_root() && !run.interrupted && c.tasks <= 1) report.written.push_back(c.output);
  report.summary = region_summary(c, run, comm, timer) + "\nmodel " + m.model_path() + " (hash " +
                   evaluator->model_hash() + "), sigma_e " + std::to_string(sigma_e);
  if (to_mosaic && !run.interrupted && c.tasks <= 1)
    report.summary += "\nflat mosaic " + std::to_string(coords.mosaic->nx) + " x " +
                      std::to_string(coords.mosaic->ny) + " pixels of " + std::to_string(m.out_pixel_arcmin) +
                      "' centred on RA " + std::to_string(coords.mosaic->centre.ra_deg) + " Dec " +
                      std::to_string(coords.mosaic->centre.dec_deg) + ", " + std::to_string(coords.finite) +
                      " inside the footprint (the others NaN)";
  else if (to_list && !run.interrupted && c.tasks <= 1)
    report.summary += "\n" + std::to_string(coords.list->total_rows()) + " coordinates, " +
                      std::to_string(coords.finite) + " inside the footprint (" +
                      std::to_string(coords.list->unmapped_rows()) +
                      " in regions without galaxies; the others NaN)";
  return report;
}

}  // namespace lofimap::pipeline
