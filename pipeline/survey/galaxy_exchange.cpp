#include "pipeline/survey/galaxy_exchange.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <unordered_map>

#include "distributed/partition.hpp"
#include "pipeline/flat/flat_geometry.hpp"

namespace lofimap::pipeline {

std::vector<long long> RegionAssignment::mine() const {
  std::vector<long long> out;
  for (size_t i = 0; i < regions.size(); ++i)
    if (owner[i] == rank) out.push_back(regions[i]);
  return out;
}

RegionAssignment assign_regions(const ShearCatalogue& local, const SkyRegions& regions,
                                const distributed::Communicator& comm, int task, int tasks) {
  // Counts per region, summed over the ranks (12 nside^2 counters: 49,152 at region nside 64).
  std::vector<long long> counts(static_cast<size_t>(regions.count()), 0);
  for (size_t i = 0; i < local.size(); ++i)
    ++counts[static_cast<size_t>(regions.region_of(local.ra_deg[i], local.dec_deg[i]))];
  comm.allreduce_sum(counts.data(), counts.size());
  RegionAssignment a;
  a.rank = comm.rank();
  long long total = 0;
  for (long long r = 0; r < regions.count(); ++r)
    if (counts[static_cast<size_t>(r)] > 0) {
      a.regions.push_back(r);
      a.galaxies.push_back(counts[static_cast<size_t>(r)]);
      total += counts[static_cast<size_t>(r)];
    }
  std::vector<double> weights;
  for (long long g : a.galaxies)
    weights.push_back(static_cast<double>(g) / static_cast<double>(std::max(1LL, total)) +
                      1.0 / static_cast<double>(a.regions.size()));
  if (tasks > 1) {  // keep this task's contiguous share
    const auto task_of = distributed::partition_contiguous(weights, tasks);
    RegionAssignment kept;
    kept.rank = a.rank;
    std::vector<double> kept_weights;
    for (size_t i = 0; i < a.regions.size(); ++i)
      if (task_of[i] == task) {
        kept.regions.push_back(a.regions[i]);
        kept.galaxies.push_back(a.galaxies[i]);
        kept_weights.push_back(weights[i]);
      }
    a = std::move(kept);
    weights = std::move(kept_weights);
  }
  a.owner = distributed::partition_contiguous(weights, comm.size());
  return a;
}

std::vector<ShearCatalogue> exchange_galaxies(const ShearCatalogue& local, const SkyRegions& regions,
                                              const RegionAssignment& a,
                                              const distributed::Communicator& comm) {
  std::unordered_map<long long, size_t> index;  // region -> position in a.regions
  for (size_t i = 0; i < a.regions.size(); ++i) index[a.regions[i]] = i;
  // Records of 6 doubles (region, RA, Dec, g1, g2, weight), grouped by destination rank.
  constexpr size_t kFields = 6;
  std::vector<std::vector<double>> outgoing(static_cast<size_t>(comm.size()));
  // A galaxy goes to every mapped region whose grid it falls on (its own region and the neighbours whose
  // margins reach it). Candidates per home region are found once (HEALPix query_disc), then each candidate's
  // grid is tested by projecting onto its plane.
  struct Target {
    long long region;
    int owner;
    FlatGrid grid;
    GnomonicProjector project;
    double x, y, z, cos_reach;  // the grid's centre as a unit vector; cosine of its half-diagonal
  };
  constexpr double kDeg = 3.14159265358979323846 / 180.0;
  auto unit = [&](double ra, double dec, double v[3]) {
    v[0] = std::cos(dec * kDeg) * std::cos(ra * kDeg), v[1] = std::cos(dec * kDeg) * std::sin(ra * kDeg);
    v[2] = std::sin(dec * kDeg);
  };
  std::unordered_map<long long, std::vector<Target>> targets_of_home;
  std::vector<long long> reaching;
  auto targets = [&](long long home) -> const std::vector<Target>& {
    auto it = targets_of_home.find(home);
    if (it != targets_of_home.end()) return it->second;
    std::vector<Target> t;
    regions.regions_reaching(home, reaching);
    for (long long r : reaching) {
      const auto found = index.find(r);
      if (found == index.end())
        continue;  // a region without galaxies of its own (or another task's) is not mapped
      const auto g = regions.grid(r);
      double v[3];
      unit(g.centre.ra_deg, g.centre.dec_deg, v);
      // A point on the grid is at most atan(half-diagonal on the plane) from its centre (plus a pixel of
      // slack).
      const double reach =
          std::atan(0.5 * std::sqrt(2.0) * static_cast<double>(g.nx + 2) * g.pixel_deg() * kDeg);
      t.push_back(
          {r, a.owner[found->second], g, GnomonicProjector(g.centre), v[0], v[1], v[2], std::cos(reach)});
    }
    return targets_of_home.emplace(home, std::move(t)).first->second;
  };
  for (size_t i = 0; i < local.size(); ++i) {
    const double ra = local.ra_deg[i], dec = local.dec_deg[i];
    double v[3];
    unit(ra, dec, v);
    for (const auto& t : targets(regions.region_of(ra, dec))) {
      if (v[0] * t.x + v[1] * t.y + v[2] * t.z < t.cos_reach)
        continue;  // too far for its grid: no projection
      const auto xy = t.project(ra, dec);
      long ix = 0, iy = 0;
      if (!xy.valid || !t.grid.pixel_of(xy.x_deg, xy.y_deg, ix, iy)) continue;
      auto& out = outgoing[static_cast<size_t>(t.owner)];
      out.insert(out.end(),
                 {static_cast<double>(t.region), ra, dec, local.g1[i], local.g2[i], local.weight[i]});
    }
  }
  std::vector<double> send;
  std::vector<long long> send_counts;
  for (auto& out : outgoing) {
    send_counts.push_back(static_cast<long long>(out.size()));
    send.insert(send.end(), out.begin(), out.end());
    std::vector<double>().swap(out);
  }
  const auto received =
      comm.alltoallv(std::span<const double>(send), std::span<const long long>(send_counts));
  std::vector<double>().swap(send);

  const auto mine = a.mine();
  std::unordered_map<long long, size_t> slot;
  for (size_t i = 0; i < mine.size(); ++i) slot[mine[i]] = i;
  std::vector<ShearCatalogue> out(mine.size());
  // In arrival order (ranks in order, each rank's galaxies in its row order): the same order whatever the
  // number of ranks, so the binned sums are added in the same order.
  for (size_t k = 0; k + kFields <= received.size(); k += kFields) {
    const auto it = slot.find(static_cast<long long>(received[k]));
    if (it == slot.end())
      throw std::logic_error("galaxy exchange: a galaxy arrived for a region of another rank");
    out[it->second].push_back(received[k + 1], received[k + 2], received[k + 3], received[k + 4],
                              received[k + 5]);
  }
  return out;
}

}  // namespace lofimap::pipeline
