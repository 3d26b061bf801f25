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

RegionAssignment assign_regions(const RowSource& local, const SkyRegions& regions,
                                const distributed::Communicator& comm, int task, int tasks) {
  // Counts per region, summed over the ranks (12 nside^2 counters: 49,152 at region nside 64).
  std::vector<long long> counts(static_cast<size_t>(regions.count()), 0);
  local.for_each([&](const ShearCatalogue& g, long long) {
    for (size_t i = 0; i < g.size(); ++i)
      ++counts[static_cast<size_t>(regions.region_of(g.ra_deg[i], g.dec_deg[i]))];
  });
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

namespace {
constexpr size_t kFields = 6;                        // region, RA, Dec, g1, g2, weight
constexpr double kRecordBytes = 5 * sizeof(double);  // a galaxy in a region's ShearCatalogue
// The exchange runs in rounds of kRound galaxies of the global row order (rank r holds rows after rank
// r-1's), so the send and receive buffers stay small, and every region receives its galaxies in global row
// order whatever the number of ranks: the binned sums are added in the same order.
constexpr long long kRound = 4'000'000;
}  // namespace

GalaxyExchange::GalaxyExchange(const RowSource& local, const SkyRegions& regions, const RegionAssignment& a,
                               const std::vector<long long>& skip, double wave_bytes,
                               const distributed::Communicator& comm)
    : local_(local), assignment_(a), comm_(comm) {
  if (!(wave_bytes > 0)) throw std::invalid_argument("--region-memory: must be positive");
  auto& index = index_;
  for (size_t i = 0; i < a.regions.size(); ++i) index[a.regions[i]] = static_cast<int>(i);
  // A galaxy goes to its own region and to every mapped region within the margin of it. The regions within
  // the margin are found once per pixel of a fine HEALPix grid (16 x the region nside), for a disc of the
  // margin plus that pixel's radius around its centre: per galaxy only its fine pixel is computed.
  const SkyRegions fine(std::min(regions.nside() * 16, 8192L), regions.margin_deg(), 1.0);
  std::unordered_map<long long, std::int32_t> group_of_fine;
  std::vector<long long> near;
  std::vector<long long> group_rows;
  group_of_.resize(static_cast<size_t>(local.size()));
  target_begin_.push_back(0);
  local.for_each([&](const ShearCatalogue& g, long long first) {
    for (size_t j = 0; j < g.size(); ++j) {
      const long long f = fine.region_of(g.ra_deg[j], g.dec_deg[j]);
      const auto [it, added] =
          group_of_fine.try_emplace(f, static_cast<std::int32_t>(target_begin_.size() - 1));
      if (added) {
        const auto c = fine.centre(f);
        regions.regions_near(c.ra_deg, c.dec_deg, near, fine.pixel_radius_deg());  // includes the own region
        for (long long r : near)
          if (const auto found = index.find(r); found != index.end())  // regions without galaxies: not mapped
            target_list_.push_back(found->second);
        target_begin_.push_back(static_cast<std::int32_t>(target_list_.size()));
        group_rows.push_back(0);
      }
      group_of_[static_cast<size_t>(first) + j] = it->second;
      ++group_rows[static_cast<size_t>(it->second)];
    }
  });
  records_.assign(a.regions.size(), 0);
  for (size_t g = 0; g < group_rows.size(); ++g)
    for (std::int32_t t = target_begin_[g]; t < target_begin_[g + 1]; ++t)
      records_[static_cast<size_t>(target_list_[static_cast<size_t>(t)])] += group_rows[g];
  comm.allreduce_sum(records_.data(), records_.size());

  const auto rows = comm.offset_of(local.size());
  first_row_ = rows.first, total_rows_ = rows.total;
  double records = 0;
  for (long long n : records_) records += static_cast<double>(n);
  held_per_galaxy_ = total_rows_ > 0 ? records / static_cast<double>(total_rows_) : 1;

  // Waves: every rank's regions (a contiguous run of positions) cut into the same number of contiguous groups
  // of about equal galaxy counts, enough that the largest rank's groups fit in wave_bytes.
  wave_of_.assign(a.regions.size(), 0);
  for (long long r : skip)
    if (const auto found = index.find(r); found != index.end())
      wave_of_[static_cast<size_t>(found->second)] = -1;
  std::vector<double> held(static_cast<size_t>(comm.size()), 0.0), owned(held.size(), 0.0);
  for (size_t k = 0; k < records_.size(); ++k)
    if (wave_of_[k] >= 0) {
      held[static_cast<size_t>(a.owner[k])] += static_cast<double>(records_[k]);
      owned[static_cast<size_t>(a.owner[k])] += 1;
    }
  const double most = *std::max_element(held.begin(), held.end());
  // More waves than a rank has regions would only repeat collectives with nothing in them.
  const double most_regions = std::max(1.0, *std::max_element(owned.begin(), owned.end()));
  waves_ = static_cast<int>(std::clamp(std::ceil(most * kRecordBytes / wave_bytes), 1.0, most_regions));
  std::vector<double> before(static_cast<size_t>(comm.size()), 0.0);
  std::vector<double> wave_records(static_cast<size_t>(comm.size()) * static_cast<size_t>(waves_), 0.0);
  wave_regions_.assign(static_cast<size_t>(waves_), {});
  for (size_t k = 0; k < records_.size(); ++k) {
    if (wave_of_[k] < 0) continue;
    const size_t r = static_cast<size_t>(a.owner[k]);
    const double n = static_cast<double>(records_[k]);
    // The wave whose share of the rank's galaxies holds the region's middle galaxy.
    wave_of_[k] =
        static_cast<int>(std::min<double>(waves_ - 1, std::floor(waves_ * (before[r] + n / 2) / held[r])));
    before[r] += n;
    wave_records[r * static_cast<size_t>(waves_) + static_cast<size_t>(wave_of_[k])] += n;
    if (a.owner[k] == a.rank) wave_regions_[static_cast<size_t>(wave_of_[k])].push_back(a.regions[k]);
  }
  const double largest = *std::max_element(wave_records.begin(), wave_records.end());
  // A round's records by owner, their concatenation for MPI, and what arrives.
  const double round_bytes = 3.0 * static_cast<double>(kRound) * held_per_galaxy_ * kFields * sizeof(double);
  require_memory(
      largest * kRecordBytes + round_bytes,
      "a wave of the galaxy exchange (" + std::to_string(static_cast<long long>(largest)) +
          " galaxies with --regions " + std::to_string(regions.nside()) + ", --margin " +
          std::to_string(regions.margin_deg()) +
          " deg and --region-memory; every galaxy within the margin of a region is sent to it: use a "
          "smaller --region-memory, a finer --regions nside or a smaller margin)");
}

int GalaxyExchange::wave_of_region(long long region) const {
  const auto found = index_.find(region);
  return found == index_.end() ? -2 : wave_of_[static_cast<size_t>(found->second)];
}

int GalaxyExchange::owner_of_region(long long region) const {
  const auto found = index_.find(region);
  return found == index_.end() ? -1 : assignment_.owner[static_cast<size_t>(found->second)];
}

std::vector<ShearCatalogue> GalaxyExchange::exchange(int w) const {
  const RegionAssignment& a = assignment_;
  const auto& mine = regions_of_wave(w);
  std::unordered_map<long long, size_t> slot;
  for (size_t i = 0; i < mine.size(); ++i) slot[mine[i]] = i;
  std::vector<ShearCatalogue> out(mine.size());
  for (size_t k = 0; k < a.regions.size(); ++k)
    if (wave_of_[k] == w && a.owner[k] == a.rank)
      out[slot.at(a.regions[k])].reserve(static_cast<size_t>(records_[k]));
  // Groups with a target in this wave: only their galaxies are looked at.
  std::vector<char> active(target_begin_.size() - 1, 0);
  for (size_t g = 0; g + 1 < target_begin_.size(); ++g)
    for (std::int32_t t = target_begin_[g]; t < target_begin_[g + 1]; ++t)
      if (wave_of_[static_cast<size_t>(target_list_[static_cast<size_t>(t)])] == w) active[g] = 1;

  const long long mine_count = local_.size();
  const long long rounds = (total_rows_ + kRound - 1) / kRound;
  // One past this rank's last galaxy (local index) in round `round` of the global row order. Every rank takes
  // part in every round, with or without galaxies in it.
  auto round_end = [&](long long round) {
    return std::clamp((round + 1) * kRound - first_row_, 0LL, mine_count);
  };
  // The current round's records, by owner.
  std::vector<std::vector<double>> send_to(static_cast<size_t>(comm_.size()));
  std::vector<long long> send_counts(send_to.size());
  std::vector<double> send;
  long long round = 0;
  auto flush = [&] {  // the current round's exchange
    send.clear();
    for (size_t r = 0; r < send_to.size(); ++r) {
      send_counts[r] = static_cast<long long>(send_to[r].size());
      send.insert(send.end(), send_to[r].begin(), send_to[r].end());
      send_to[r].clear();
    }
    const auto received =
        comm_.alltoallv(std::span<const double>(send), std::span<const long long>(send_counts));
    for (size_t k = 0; k + kFields <= received.size(); k += kFields) {
      const auto it = slot.find(static_cast<long long>(received[k]));
      if (it == slot.end())
        throw std::logic_error("galaxy exchange: a galaxy arrived for a region of another rank or wave");
      out[it->second].push_back(received[k + 1], received[k + 2], received[k + 3], received[k + 4],
                                received[k + 5]);
    }
    ++round;
  };
  local_.for_each([&](const ShearCatalogue& chunk, long long first) {
    for (size_t j = 0; j < chunk.size(); ++j) {
      const long long i = first + static_cast<long long>(j);
      while (round < rounds && i >= round_end(round)) flush();
      const auto g = static_cast<size_t>(group_of_[static_cast<size_t>(i)]);
      if (!active[g]) continue;
      for (std::int32_t t = target_begin_[g]; t < target_begin_[g + 1]; ++t) {
        const auto k = static_cast<size_t>(target_list_[static_cast<size_t>(t)]);
        if (wave_of_[k] != w) continue;
        auto& to = send_to[static_cast<size_t>(a.owner[k])];
        to.insert(to.end(), {static_cast<double>(a.regions[k]), chunk.ra_deg[j], chunk.dec_deg[j],
                             chunk.g1[j], chunk.g2[j], chunk.weight[j]});
      }
    }
  });
  while (round < rounds) flush();
  return out;
}

}  // namespace lofimap::pipeline
