#include "pipeline/survey/region_driver.hpp"

#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <map>
#include <span>
#include <sstream>

#include "io/atomic_output.hpp"
#include "io/catalogue_files.hpp"
#include "io/file_identity.hpp"
#include "io/healpix_partial_hdf5.hpp"
#include "io/healpix_partial_map.hpp"
#include "io/output_format.hpp"
#include "io/region_parts.hpp"
#include "pipeline/catalogue/survey_preset.hpp"
#include "pipeline/core/heap_policy.hpp"
#include "pipeline/core/stop_request.hpp"
#include "pipeline/survey/noise_rotation.hpp"
#include "pipeline/survey/region_map.hpp"

namespace lofimap::pipeline {

namespace {

// Rank 0 writes its share of the HEALPix map, then each other rank's in turn (their regions, hence pixels,
// ascend with the rank).
// The first column of rows in increasing NESTED pixel order averaged into the parents `levels` levels up
// (NESTED parent = pixel >> 2 levels), appended to `out`: a picture's worth of a map too fine to draw.
void degrade_into(const RegionRows& rows, int levels, std::vector<std::pair<long long, float>>& out) {
  if (rows.columns.empty()) return;
  const auto& v = rows.columns[0];
  size_t i = 0;
  while (i < rows.pixels.size()) {
    const long long parent = rows.pixels[i] >> (2 * levels);
    double sum = 0;
    long n = 0;
    for (; i < rows.pixels.size() && (rows.pixels[i] >> (2 * levels)) == parent; ++i)
      if (std::isfinite(v[i])) sum += v[i], ++n;
    if (n > 0) out.emplace_back(parent, static_cast<float>(sum / static_cast<double>(n)));
  }
}

// Parents averaged again where shares of several ranks met in one parent.
void merge_picture(std::vector<std::pair<long long, float>>& picture) {
  std::sort(picture.begin(), picture.end());
  size_t w = 0;
  for (size_t i = 0; i < picture.size();) {
    size_t j = i;
    double sum = 0;
    for (; j < picture.size() && picture[j].first == picture[i].first; ++j) sum += picture[j].second;
    picture[w++] = {picture[i].first, static_cast<float>(sum / static_cast<double>(j - i))};
    i = j;
  }
  picture.resize(w);
}

long long write_healpix_share(const RegionSettings& c, const RegionColumns& columns,
                              const std::vector<io::HeaderCard>& cards, const RegionRows& share,
                              const distributed::Communicator& comm, RegionRun& run) {
  // The picture's nside: the map's, at most 1024 (a 600-pixel picture resolves no finer).
  int levels = 0;
  while ((c.nside >> levels) > 1024) ++levels;
  run.picture_nside = c.nside >> levels;
  std::vector<std::pair<long long, float>> mine;
  const bool picture = c.output.png;  // the pixels are gathered for the picture only
  if (picture) degrade_into(share, levels, mine);
  if (io::names_hdf5(c.output.path)) {
    // HDF5: every rank writes its own share at its offset in one collective write (MPI-IO).
    const auto rows = comm.offset_of(static_cast<long long>(share.pixels.size()));
    std::unique_ptr<io::AtomicOutput> out;
    std::string temp;
    if (comm.is_root())
      out = std::make_unique<io::AtomicOutput>(c.output.path, c.output.overwrite), temp = out->temp_path();
    temp = comm.broadcast(temp);
    io::write_partial_healpix_hdf5(temp, comm.size() > 1 ? comm.mpi_handle() : nullptr, c.nside, "NESTED",
                                   columns, cards, share.pixels, share.columns, rows.first, rows.total);
    comm.barrier();  // every rank's share is in the file
    if (out) out->commit();
    if (!picture) return rows.total;
    if (!comm.is_root()) {
      std::vector<long long> p;
      std::vector<float> v;
      for (const auto& [pixel, value] : mine) p.push_back(pixel), v.push_back(value);
      comm.send(std::span<const long long>(p), 0);
      comm.send(std::span<const float>(v), 0);
    } else {
      run.picture = std::move(mine);
      for (int r = 1; r < comm.size(); ++r) {
        const auto p = comm.receive<long long>(r);
        const auto v = comm.receive<float>(r);
        for (size_t i = 0; i < p.size(); ++i) run.picture.emplace_back(p[i], v[i]);
      }
      merge_picture(run.picture);
    }
    return rows.total;
  }
  if (!comm.is_root()) {
    comm.send(std::span<const long long>(share.pixels), 0);
    for (const auto& column : share.columns) comm.send(std::span<const float>(column), 0);
    return 0;
  }
  io::PartialHealpixWriter writer(c.output.path, c.nside, io::HealpixOrdering::Nested, columns, cards,
                                  c.output.overwrite);
  writer.append(share.pixels, share.columns);
  run.picture = std::move(mine);
  for (int r = 1; r < comm.size(); ++r) {  // one rank's share at a time
    RegionRows theirs;
    theirs.pixels = comm.receive<long long>(r);
    for (size_t k = 0; k < columns.size(); ++k) theirs.columns.push_back(comm.receive<float>(r));
    writer.append(theirs.pixels, theirs.columns);
    if (picture) degrade_into(theirs, levels, run.picture);
  }
  merge_picture(run.picture);
  const long long rows = writer.rows();
  writer.commit();
  return rows;
}

}  // namespace

void prepare_large_scales(const RegionSettings& c, double smoothing_arcmin, RegionRun& run,
                          const distributed::Communicator& comm) {
  if (!c.regions.box_large_scales) {
    const SkyRegions regions(c.regions.nside, c.regions.margin_deg, c.pixel_arcmin);
    run.large = LargeScaleKappa::from_galaxies(*run.rows, c.regions.margin_deg, smoothing_arcmin,
                                               regions.grid_reach_deg(), comm);
  }
}

// Ingest, assignment, exchange, the work of every region of this rank, and the output.
// `record`: the options that shape the map, stored with the finished regions (a resume must match them).
void run_regions(const RegionSettings& c, const RegionColumns& columns, const std::string& record,
                 const RegionHooks& hooks, const distributed::Communicator& comm, PhaseTimer& timer,
                 RegionRun& run) {
  const auto& work = hooks.work;
  // Finished regions live in <output>.parts/ until the map is written; rank 0 prepares the folder.
  const std::string folder = c.output.path + ".parts";
  std::optional<io::RegionParts> parts;
  // The tasks of a job array share the folder: none of them removes what another finished.
  const bool keep_parts = c.regions.resume || c.regions.tasks > 1;
  if (comm.is_root()) parts.emplace(folder, record, keep_parts);
  comm.barrier();
  if (!comm.is_root()) parts.emplace(io::RegionParts::attach(folder, record));
  if (c.regions.reread_catalogue) {
    auto rereader = std::make_unique<CatalogueRereader>(c.catalogue, comm);
    run.catalogue.summary = rereader->summary();
    run.rows = std::move(rereader);
  } else {
    run.catalogue = load_catalogue(c.catalogue, comm);
    run.rows = std::make_unique<HeldRows>(run.catalogue.galaxies);
  }
  timer.lap("ingest");
  // From the large scales to the last region, freed memory stays in the heap for the next stage: the
  // large-scale pass's full-sky maps become the exchange's and the regions' buffers instead of being handed
  // back and faulted in again (a small region map with 4 KiB pages: 106,800 -> 70,300 page faults).
  std::optional<HeapReuse> reuse(std::in_place);
  hooks.prepare(run);
  if (!c.regions.box_large_scales) timer.lap("large scales");
  const SkyRegions regions(c.regions.nside, c.regions.margin_deg, c.pixel_arcmin);
  run.assignment = assign_regions(*run.rows, regions, comm, c.regions.task, c.regions.tasks);
  // Every region's rows, in region order (a rank's regions, hence pixels, ascend): the finished regions of
  // an interrupted run first, read back; their galaxies are not exchanged.
  std::map<long long, RegionRows> done;
  std::vector<long long> finished;
  const long long row_limit = hooks.row_limit ? hooks.row_limit() : 12LL * c.nside * c.nside;
  if (keep_parts)
    for (long long region : run.assignment.mine())
      if (auto part = parts->load(region, columns.size(), row_limit)) {
        done[region] = {std::move(part->pixels), std::move(part->columns)};
        finished.push_back(region);
      }
  finished = comm.allgatherv(std::span<const long long>(finished));
  const GalaxyExchange exchange(*run.rows, regions, run.assignment, finished,
                                c.regions.memory_gib * 1073741824.0, comm);
  run.held_per_galaxy = exchange.held_per_galaxy();
  run.waves = exchange.waves();
  if (hooks.planned) hooks.planned(exchange);
  timer.lap("exchange plan");

  // Wave by wave: the galaxies of a share of every rank's regions arrive, those regions are mapped, their
  // galaxies dropped. A stop request (or --stop-after) is honoured between regions (every finished one is on
  // disk) and agreed on by all ranks at the end of the wave.
  const auto started = std::chrono::steady_clock::now();
  long long total_to_map = static_cast<long long>(run.assignment.mine().size()) -
                           static_cast<long long>(done.size());  // this rank's, summed below
  comm.allreduce_sum(&total_to_map, 1);
  if (comm.is_root())
    spdlog::info(
        "regions: {} to map over {} rank(s) in {} wave(s){}", total_to_map, comm.size(), exchange.waves(),
        finished.empty() ? "" : ", " + std::to_string(finished.size()) + " kept from the interrupted run");
  double exchange_seconds = 0, region_seconds = 0;
  KernelUse exchange_use, region_use;
  long long mapped = 0;
  bool stopped = false;
  // A region's grids and FFT buffers come back for the next region instead of being faulted in anew (the
  // HeapReuse above); the galaxies' columns are mapped and unmapped by their own allocator
  // (PrefaultedAllocator) either way.
  for (int w = 0; w < exchange.waves(); ++w) {
    const auto t0 = std::chrono::steady_clock::now();
    const KernelUse u0 = KernelUse::now();
    auto galaxies = exchange.exchange(w);
    if (hooks.wave) hooks.wave(exchange, w);
    const auto t1 = std::chrono::steady_clock::now();
    const KernelUse u1 = KernelUse::now();
    const auto& wave = exchange.regions_of_wave(w);
    for (size_t i = 0; i < wave.size() && !stopped; ++i) {
      if (stop_requested() || (c.regions.stop_after > 0 && mapped >= c.regions.stop_after)) {
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
    exchange_use += u1 - u0;
    region_use += KernelUse::now() - u1;
    long long status[2] = {stopped ? 1 : 0, mapped};  // ranks stopped, regions mapped so far
    comm.allreduce_sum(status, 2);
    // Progress as it happens (a long MPI job's log must not wait for the end).
    if (comm.is_root())
      spdlog::info("regions: wave {} of {} done, {} of {} regions mapped in this run ({:.1f} s)", w + 1,
                   exchange.waves(), status[1], total_to_map,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (status[0] > 0) {
      stopped = true;
      if (comm.is_root())
        spdlog::warn(
            "stopped after {} of {} regions ({}): the finished regions are kept in {}.parts; run the "
            "same command with --resume to map the rest",
            status[1], total_to_map, stop_requested() ? "stop signal" : "--stop-after", c.output.path);
      break;
    }
  }
  reuse.reset();
  run.rows.reset();
  run.catalogue.galaxies = ShearCatalogue();  // every region has its galaxies now
  timer.record("exchange", exchange_seconds, exchange_use);
  timer.record("regions", region_seconds, region_use);
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
  if (c.regions.tasks > 1)
    return;  // one task of an array: its regions are in the folder; the merge writes the map

  run.observed = hooks.write ? hooks.write(share, run)
                             : write_healpix_share(c, columns, hooks.cards(run), share, comm, run);
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
void add_noise_columns(RegionRows& rows, const std::vector<float>& signal, const RegionSettings& c,
                       const ShearCatalogue& galaxies, const FlatGrid& grid, double smoothing_arcmin,
                       const std::function<std::vector<float>(const RegionInput&)>& estimate) {
  const long k_max = c.noise.realisations;
  if (k_max <= 0) return;
  const NoiseRotations rotations(galaxies, c.noise.seed);
  const ShearCatalogue plane = rotate_into_plane(galaxies, grid.centre);
  std::vector<double> sum(signal.size(), 0.0), sum2(signal.size(), 0.0);
  for (long k = 0; k < k_max; ++k) {
    const auto noise =
        estimate(region_input_in_plane(rotations.apply(plane, k), grid, c.pad, smoothing_arcmin, nullptr));
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

RegionColumns with_noise_columns(RegionColumns columns, const NoiseOptions& noise) {
  if (noise.realisations > 0) columns.push_back({"NOISE_STD", ""}), columns.push_back({"SNR", ""});
  return columns;
}

// What shapes a region's rows, one "name = value" line each (a refused --resume lists the lines that differ):
// every catalogue file with its identity (a file replaced at the same path is not the same input), catalogue
// handling, regions, grid, noise and the estimator.
std::string region_record(const RegionSettings& c, const std::string& estimator) {
  std::ostringstream s;
  for (const auto& p : io::expand_catalogue_paths(c.catalogue.inputs))
    s << "catalogue " << p << " = " << io::file_identity(p) << "\n";
  s << "--hdu = " << c.catalogue.hdu << "\n";
  for (const auto& [role, name] : c.catalogue.column_overrides)
    s << "--column " << role << " = " << name << "\n";
  std::string calibration = "(the preset's)";
  if (c.catalogue.calibration) calibration = name_of(calibration_names(), *c.catalogue.calibration);
  s << "--calibration = " << calibration << "\n--m-bias = " << c.catalogue.multiplicative_bias << "\n";
  s << "--preset = " << c.catalogue.preset << "\n--flip-e1 = " << c.catalogue.flip_e1
    << "\n--flip-e2 = " << c.catalogue.flip_e2 << "\n--regions = " << c.regions.nside
    << "\n--nside = " << c.nside << "\n--pixel = " << c.pixel_arcmin
    << "\n--margin = " << c.regions.margin_deg
    << "\n--large-scales = " << (c.regions.box_large_scales ? "box" : "sphere") << "\n--pad = " << c.pad
    << "\n--noise-realisations = " << c.noise.realisations << "\n--noise-seed = " << c.noise.seed
    << "\nestimator = " << estimator << "\n";
  return s.str();
}

std::string region_summary(const RegionSettings& c, const RegionRun& run,
                           const distributed::Communicator& comm, const PhaseTimer& timer) {
  // Peak resident memory of the ranks (collective): what a job must ask for per task.
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  double peak[2] = {static_cast<double>(usage.ru_maxrss) / (1 << 20),
                    -static_cast<double>(usage.ru_maxrss) / (1 << 20)};
  comm.allreduce_max(peak, 2);  // GiB: the largest, and minus the smallest
  std::ostringstream s;
  s << run.catalogue.summary.report() << "\n"
    << "regions: nside " << c.regions.nside << " (NESTED), " << run.assignment.regions.size()
    << " with galaxies over " << comm.size() << " rank(s)"
    << (run.resumed ? ", " + std::to_string(run.resumed) + " of them from the interrupted run" : "")
    << "; each galaxy held by " << std::setprecision(3) << run.held_per_galaxy << " regions (margin "
    << c.regions.margin_deg << " deg), exchanged in " << run.waves << " wave(s)"
    << (run.coordinates ? std::string("; ") : "; output nside " + std::to_string(c.nside) + ", ")
    << (run.interrupted ? "stopped early: finished regions kept in " + c.output.path + ".parts for --resume"
        : c.regions.tasks > 1
            ? "task " + std::to_string(c.regions.task) + " of " + std::to_string(c.regions.tasks) +
                  " done: its " + std::to_string(run.assignment.regions.size()) + " regions are in " +
                  c.output.path +
                  ".parts; when every task is done, the same command with --resume and without --task "
                  "writes the map"
        : run.coordinates ? std::to_string(run.observed) + " rows of the coordinate list written"
                          : std::to_string(run.observed) + " observed pixels")
    << "\n"
    << "timings: " << timer.text() << "\npeak memory per rank: " << std::setprecision(3) << -peak[1] << " to "
    << peak[0] << " GiB";

  return s.str();
}

}  // namespace lofimap::pipeline
