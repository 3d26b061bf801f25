// The survey driver of maps in sky regions (`ks --regions`, `map --regions`): each rank reads its rows; the
// galaxies go to the owners of their regions (with margins) in waves; each region is mapped on its own
// tangent plane by the product's work and saved (<output>.parts/, for --resume); the rows of every rank are
// written by rank 0 one rank's share at a time (a partial NESTED HEALPix map by default): no rank holds the
// whole catalogue or the whole map. What a product does per region comes in as hooks.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "distributed/communicator.hpp"
#include "io/header_card.hpp"
#include "pipeline/catalogue/catalogue_loader.hpp"
#include "pipeline/core/phase_timer.hpp"
#include "pipeline/core/product_options.hpp"
#include "pipeline/core/row_source.hpp"
#include "pipeline/survey/galaxy_exchange.hpp"
#include "pipeline/survey/large_scale_kappa.hpp"
#include "pipeline/survey/region_map.hpp"
#include "pipeline/survey/region_options.hpp"

namespace lofimap::pipeline {

// What every region map shares, from the product's option groups.
struct RegionSettings {
  CatalogueOptions catalogue;
  RegionOptions regions;
  NoiseOptions noise;
  OutputOptions output;
  double pixel_arcmin = 0;  // every region's input grid
  double pad = 2;           // FFT zero padding of every region
  long nside = 0;           // output HEALPix nside (the region nside where the output is a list or a mosaic)
};

// One region's output rows: ascending NESTED pixels (or rows of a list) and one value per row in every
// column.
struct RegionRows {
  std::vector<long long> pixels;
  std::vector<std::vector<float>> columns;
};
using RegionColumns = std::vector<std::pair<std::string, std::string>>;  // name, unit

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
  // Rank 0, after a HEALPix map is written: its first column averaged into NESTED pixels of picture_nside
  // (at most 1024), for its picture; empty for other outputs.
  std::vector<std::pair<long long, float>> picture;
  long picture_nside = 0;
  // The whole catalogue's large scales (absent with --large-scales box).
  std::optional<LargeScaleKappa> large;
  const LargeScaleKappa* large_or_null() const { return large ? &*large : nullptr; }
};

// What a region map does besides the common steps. Collective hooks are called on every rank.
struct RegionHooks {
  std::function<void(RegionRun&)> prepare;  // collective, after ingest (large scales, shape noise)
  std::function<RegionRows(long long region, const ShearCatalogue& galaxies)> work;  // one region's rows
  std::function<std::vector<io::HeaderCard>(const RegionRun&)> cards;
  // Collective, optional: once the exchange is planned, and after each wave's galaxies arrived.
  std::function<void(const GalaxyExchange&)> planned;
  std::function<void(const GalaxyExchange&, int wave)> wave;
  // Collective, optional: writes the rows of every rank (the share of this one) and returns the rows written
  // (on rank 0); by default a partial NESTED HEALPix map written by rank 0, each rank's share in turn.
  std::function<long long(RegionRows& share, const RegionRun& run)> write;
  // Optional, after prepare: the rows a region may name (a mosaic's pixels; a list checks its own); by
  // default 12 nside^2. A finished region read back with a row outside is mapped again.
  std::function<long long()> row_limit;
};

// Ingest, assignment, exchange, the work of every region of this rank, and the output (collective).
// `record`: the options that shape the map, stored with the finished regions (a resume must match them).
void run_regions(const RegionSettings& settings, const RegionColumns& columns, const std::string& record,
                 const RegionHooks& hooks, const distributed::Communicator& comm, PhaseTimer& timer,
                 RegionRun& run);

// The large-scale maps of the catalogue, from the rows as read (collective; none with --large-scales box).
void prepare_large_scales(const RegionSettings& settings, double smoothing_arcmin, RegionRun& run,
                          const distributed::Communicator& comm);

// NOISE_STD and SNR of a region's map from the settings' K noise realisations (none when K = 0): `estimate`
// maps a region input made from the galaxies with randomly rotated ellipticities.
void add_noise_columns(RegionRows& rows, const std::vector<float>& signal, const RegionSettings& settings,
                       const ShearCatalogue& galaxies, const FlatGrid& grid, double smoothing_arcmin,
                       const std::function<std::vector<float>(const RegionInput&)>& estimate);
RegionColumns with_noise_columns(RegionColumns columns, const NoiseOptions& noise);

// What shapes a region's rows: inputs, catalogue handling, regions, grid, noise and `estimator`.
std::string region_record(const RegionSettings& settings, const std::string& estimator);

// The run's summary: catalogue, regions, exchange, output, timings and the ranks' peak memory (collective).
std::string region_summary(const RegionSettings& settings, const RegionRun& run,
                           const distributed::Communicator& comm, const PhaseTimer& timer);

}  // namespace lofimap::pipeline
