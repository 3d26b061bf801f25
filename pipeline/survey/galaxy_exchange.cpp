#include "pipeline/survey/galaxy_exchange.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <unordered_map>

#include "distributed/partition.hpp"
#include "pipeline/core/machine_resources.hpp"

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
  // A galaxy goes to its own region and to every mapped region within the margin of it. The regions within
  // the margin are found once per pixel of a fine HEALPix grid (16 x the region nside), for a disc of the
  // margin plus that pixel's radius around its centre, and cached: per galaxy only its fine pixel is
  // computed.
  const SkyRegions fine(std::min(regions.nside() * 16, 8192L), regions.margin_deg(), 1.0);
  std::unordered_map<long long, std::vector<std::pair<long long, int>>> targets_of_fine;  // (region, owner)
  std::vector<long long> near;
  auto targets = [&](double ra, double dec) -> const std::vector<std::pair<long long, int>>& {
    const long long f = fine.region_of(ra, dec);
    auto it = targets_of_fine.find(f);
    if (it != targets_of_fine.end()) return it->second;
    const auto c = fine.centre(f);
    regions.regions_near(c.ra_deg, c.dec_deg, near, fine.pixel_radius_deg());  // includes the own region
    std::vector<std::pair<long long, int>> t;
    for (long long r : near)
      if (const auto found = index.find(r); found != index.end())  // regions without galaxies are not mapped
        t.push_back({r, a.owner[found->second]});
    return targets_of_fine.emplace(f, std::move(t)).first->second;
  };
  // The exchange runs in rounds of kRound galaxies of the global row order (rank r holds rows after rank
  // r-1's), so the send and receive buffers stay small, and every region receives its galaxies in global row
  // order whatever the number of ranks: the binned sums are added in the same order.
  constexpr size_t kFields = 6;  // region, RA, Dec, g1, g2, weight
  constexpr long long kRound = 4'000'000;
  const long long mine_count = static_cast<long long>(local.size());
  const auto sizes = comm.allgatherv(std::span<const long long>(&mine_count, 1));
  long long first_row = 0, total = 0;
  for (int r = 0; r < comm.size(); ++r) {
    if (r < comm.rank()) first_row += sizes[static_cast<size_t>(r)];
    total += sizes[static_cast<size_t>(r)];
  }
  // Memory: the galaxies each rank will hold for its regions (5 doubles a record; counted per region, so the
  // catalogues are allocated once) and one round's send and receive buffers (kRound galaxies, each sent to
  // as many regions as the average galaxy).
  std::vector<long long> per_region(a.regions.size(), 0);
  for (size_t i = 0; i < local.size(); ++i)
    for (const auto& [region, owner] : targets(local.ra_deg[i], local.dec_deg[i]))
      ++per_region[index.at(region)];
  comm.allreduce_sum(per_region.data(), per_region.size());
  std::vector<double> held(static_cast<size_t>(comm.size()), 0.0);
  for (size_t k = 0; k < per_region.size(); ++k)
    held[static_cast<size_t>(a.owner[k])] += static_cast<double>(per_region[k]);
  const double largest = *std::max_element(held.begin(), held.end());
  double records = 0;
  for (double h : held) records += h;
  const double per_galaxy = total > 0 ? records / static_cast<double>(total) : 1;
  const double round_bytes = 2.0 * static_cast<double>(kRound) * per_galaxy * kFields * sizeof(double);
  require_memory(largest * 5 * sizeof(double) + round_bytes,
                 "the galaxies of a rank's regions with --regions " + std::to_string(regions.nside()) +
                     " and --margin " + std::to_string(regions.margin_deg()) +
                     " deg (every galaxy within the margin of a region is sent to it; use more ranks, larger "
                     "regions or a smaller margin)");

  const auto mine = a.mine();
  std::unordered_map<long long, size_t> slot;
  for (size_t i = 0; i < mine.size(); ++i) slot[mine[i]] = i;
  std::vector<ShearCatalogue> out(mine.size());
  for (size_t i = 0; i < mine.size(); ++i) out[i].reserve(static_cast<size_t>(per_region[index.at(mine[i])]));
  const long long rounds = (total + kRound - 1) / kRound;
  std::vector<long long> send_counts(static_cast<size_t>(comm.size()));
  std::vector<double> send;
  std::vector<const std::vector<std::pair<long long, int>>*> round_targets;  // unordered_map values stay put
  for (long long round = 0; round < rounds; ++round) {
    const long long lo = std::clamp(round * kRound - first_row, 0LL, mine_count);
    const long long hi = std::clamp((round + 1) * kRound - first_row, 0LL, mine_count);
    std::fill(send_counts.begin(), send_counts.end(), 0);
    round_targets.clear();  // each galaxy's targets, looked up once per round
    for (long long i = lo; i < hi; ++i) {
      const auto& t = targets(local.ra_deg[static_cast<size_t>(i)], local.dec_deg[static_cast<size_t>(i)]);
      round_targets.push_back(&t);
      for (const auto& [region, owner] : t) send_counts[static_cast<size_t>(owner)] += kFields;
    }
    std::vector<long long> offset(send_counts.size(), 0);
    for (size_t r = 1; r < offset.size(); ++r) offset[r] = offset[r - 1] + send_counts[r - 1];
    send.assign(static_cast<size_t>(offset.back() + send_counts.back()), 0.0);
    for (long long i = lo; i < hi; ++i) {
      const size_t g = static_cast<size_t>(i);
      for (const auto& [region, owner] : *round_targets[static_cast<size_t>(i - lo)]) {
        double* at = send.data() + offset[static_cast<size_t>(owner)];
        at[0] = static_cast<double>(region), at[1] = local.ra_deg[g], at[2] = local.dec_deg[g];
        at[3] = local.g1[g], at[4] = local.g2[g], at[5] = local.weight[g];
        offset[static_cast<size_t>(owner)] += kFields;
      }
    }
    const auto received =
        comm.alltoallv(std::span<const double>(send), std::span<const long long>(send_counts));
    for (size_t k = 0; k + kFields <= received.size(); k += kFields) {
      const auto it = slot.find(static_cast<long long>(received[k]));
      if (it == slot.end())
        throw std::logic_error("galaxy exchange: a galaxy arrived for a region of another rank");
      out[it->second].push_back(received[k + 1], received[k + 2], received[k + 3], received[k + 4],
                                received[k + 5]);
    }
  }
  return out;
}

}  // namespace lofimap::pipeline
