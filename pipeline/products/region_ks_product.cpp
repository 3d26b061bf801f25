#include "pipeline/products/region_ks_product.hpp"

#include <cmath>
#include <memory>
#include <span>
#include <sstream>
#include <string>

#include "io/atomic_output.hpp"
#include "io/catalogue_files.hpp"
#include "io/healpix_partial_map.hpp"
#include "pipeline/core/phase_timer.hpp"
#include "pipeline/products/provenance.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/survey/galaxy_exchange.hpp"
#include "pipeline/survey/region_map.hpp"

namespace lofimap::pipeline {

void validate_region_settings(const KsConfig& c) {
  if (c.regions < 1 || c.regions > 1024 || (c.regions & (c.regions - 1)) != 0)
    throw std::invalid_argument(
        "--regions: the region nside must be a power of two between 1 and 1024, got " +
        std::to_string(c.regions));
  validate_nside(c.nside);
  if (c.nside < c.regions)
    throw std::invalid_argument("--nside: the output nside must be at least the region nside (--regions)");
  if (c.sphere) throw std::invalid_argument("--regions: flat regions replace --sphere; give one of them");
  if (!(c.flat.pixel_arcmin > 0)) throw std::invalid_argument("--pixel: the regions' input pixel is needed");
  if (c.flat.npix > 0 || c.flat.size_deg > 0 || c.flat.center_ra)
    throw std::invalid_argument("--npix/--size/--center: not with --regions (each region has its own grid)");
  if (!c.wiener_cl.empty()) throw std::invalid_argument("--wiener: not yet with --regions");
  if (!(c.flat.pad >= 1)) throw std::invalid_argument("--pad: zero-padding factor must be >= 1");
  SkyRegions(c.regions, c.margin_deg, c.flat.pixel_arcmin);  // throws on a margin or size out of range
}

KsReport run_region_kaiser_squires(const KsConfig& c, const distributed::Communicator& comm) {
  validate_region_settings(c);
  io::check_not_an_input(c.output, io::expand_catalogue_paths(c.catalogue.inputs));
  io::check_writable(c.output, c.overwrite);
  PhaseTimer timer;
  const LoadedCatalogue cat = load_catalogue(c.catalogue, comm);
  timer.lap("ingest");
  const SkyRegions regions(c.regions, c.margin_deg, c.flat.pixel_arcmin);
  const RegionAssignment assignment = assign_regions(cat.galaxies, regions, comm);
  const auto mine = assignment.mine();
  const auto galaxies = exchange_galaxies(cat.galaxies, regions, assignment, comm);
  timer.lap("exchange");

  // This rank's share: its regions in ascending order, so the concatenation over ranks is ascending too.
  std::vector<long long> pixels;
  std::vector<float> e, b, n;
  for (size_t i = 0; i < mine.size(); ++i) {
    const auto m = region_ks_map(galaxies[i], regions, mine[i], c.nside, c.flat.pad, c.smoothing_arcmin);
    pixels.insert(pixels.end(), m.pixels.begin(), m.pixels.end());
    e.insert(e.end(), m.kappa_e.begin(), m.kappa_e.end());
    b.insert(b.end(), m.kappa_b.begin(), m.kappa_b.end());
    n.insert(n.end(), m.n_gal.begin(), m.n_gal.end());
  }
  timer.lap("regions (binning, Kaiser-Squires, output pixels)");

  KsReport report;
  long long written = 0;
  if (comm.is_root()) {
    auto cards = provenance_cards(c.command_line, cat.summary);
    cards.push_back({"LMPIXAM", c.flat.pixel_arcmin, "[arcmin] input pixel of every region"});
    cards.push_back({"LMREGNS", static_cast<long long>(c.regions), "region nside (NESTED)"});
    cards.push_back({"LMMARGIN", c.margin_deg, "[deg] region margin"});
    cards.push_back({"LMPAD", c.flat.pad, "FFT zero-padding factor"});
    cards.push_back({"LMSMOOTH", c.smoothing_arcmin, "[arcmin] Gaussian smoothing sigma"});
    io::PartialHealpixWriter writer(c.output, c.nside, io::HealpixOrdering::Nested,
                                    {{"KAPPA_E", ""}, {"KAPPA_B", ""}, {"N_GAL", "galaxies"}}, cards,
                                    c.overwrite);
    writer.append(pixels, {e, b, n});
    for (int r = 1; r < comm.size(); ++r) {  // one rank's share at a time
      const auto their_pixels = comm.receive<long long>(r);
      auto te = comm.receive<float>(r), tb = comm.receive<float>(r), tn = comm.receive<float>(r);
      writer.append(their_pixels, {te, tb, tn});
    }
    written = writer.rows();
    writer.commit();
    report.written.push_back(c.output);
  } else {
    comm.send(std::span<const long long>(pixels), 0);
    comm.send(std::span<const float>(e), 0);
    comm.send(std::span<const float>(b), 0);
    comm.send(std::span<const float>(n), 0);
  }
  timer.lap("output");
  std::ostringstream summary;
  summary << cat.summary.report() << "\n"
          << "regions: nside " << c.regions << " (NESTED), " << assignment.regions.size()
          << " with galaxies over " << comm.size() << " rank(s); output nside " << c.nside << ", " << written
          << " observed pixels\n"
          << "timings: " << timer.text();
  report.summary = summary.str();
  return report;
}

}  // namespace lofimap::pipeline
