#include "pipeline/survey/coordinate_exchange.hpp"

#include <algorithm>
#include <limits>
#include <span>
#include <stdexcept>
#include <unordered_map>

namespace lofimap::pipeline {

CoordinateExchange::CoordinateExchange(std::vector<double> ra_deg, std::vector<double> dec_deg,
                                       long long first_row, const SkyRegions& regions,
                                       const GalaxyExchange& galaxies, const distributed::Communicator& comm)
    : ra_(std::move(ra_deg)),
      dec_(std::move(dec_deg)),
      first_row_(first_row),
      galaxies_(galaxies),
      comm_(comm) {
  region_.resize(ra_.size());
  wave_.resize(ra_.size());
  owner_.resize(ra_.size());
  long long unmapped = 0;
  for (size_t i = 0; i < ra_.size(); ++i) {
    region_[i] = regions.region_of(ra_[i], dec_[i]);
    wave_[i] = galaxies.wave_of_region(region_[i]);
    owner_[i] = galaxies.owner_of_region(region_[i]);
    if (owner_[i] < 0) ++unmapped;
  }
  comm.allreduce_sum(&unmapped, 1);
  unmapped_ = unmapped;
  const long long count = static_cast<long long>(ra_.size());
  const auto counts = comm.allgatherv(std::span<const long long>(&count, 1));
  first_rows_.assign(counts.size() + 1, 0);
  for (size_t r = 0; r < counts.size(); ++r) first_rows_[r + 1] = first_rows_[r] + counts[r];
  total_rows_ = first_rows_.back();
  if (first_rows_[static_cast<size_t>(comm.rank())] != first_row)
    throw std::logic_error("coordinate exchange: the ranks' rows are not consecutive");
}

std::vector<RegionPoints> CoordinateExchange::exchange(int w) const {
  constexpr size_t kFields = 4;  // region, row, RA, Dec
  std::vector<long long> send_counts(static_cast<size_t>(comm_.size()), 0);
  for (size_t i = 0; i < ra_.size(); ++i)
    if (wave_[i] == w) send_counts[static_cast<size_t>(owner_[i])] += kFields;
  std::vector<long long> offset(send_counts.size(), 0);
  for (size_t r = 1; r < offset.size(); ++r) offset[r] = offset[r - 1] + send_counts[r - 1];
  std::vector<double> send(static_cast<size_t>(offset.back() + send_counts.back()));
  for (size_t i = 0; i < ra_.size(); ++i)
    if (wave_[i] == w) {
      double* at = send.data() + offset[static_cast<size_t>(owner_[i])];
      // Rows and region numbers below 2^53 are exact in a double.
      at[0] = static_cast<double>(region_[i]),
      at[1] = static_cast<double>(first_row_ + static_cast<long long>(i));
      at[2] = ra_[i], at[3] = dec_[i];
      offset[static_cast<size_t>(owner_[i])] += kFields;
    }
  const auto received =
      comm_.alltoallv(std::span<const double>(send), std::span<const long long>(send_counts));
  const auto& mine = galaxies_.regions_of_wave(w);
  std::unordered_map<long long, size_t> slot;
  for (size_t i = 0; i < mine.size(); ++i) slot[mine[i]] = i;
  std::vector<RegionPoints> out(mine.size());
  for (size_t k = 0; k + kFields <= received.size(); k += kFields) {
    const auto it = slot.find(static_cast<long long>(received[k]));
    if (it == slot.end()) throw std::logic_error("coordinate exchange: a position arrived for another rank");
    auto& p = out[it->second];
    p.rows.push_back(static_cast<long long>(received[k + 1]));
    p.ra_deg.push_back(received[k + 2]);
    p.dec_deg.push_back(received[k + 3]);
  }
  return out;
}

std::vector<std::vector<float>> CoordinateExchange::return_values(
    const std::vector<long long>& rows, const std::vector<std::vector<float>>& columns) const {
  const size_t fields = 1 + columns.size();  // row, values
  auto reader_of = [&](long long row) {
    return static_cast<size_t>(std::upper_bound(first_rows_.begin(), first_rows_.end(), row) -
                               first_rows_.begin() - 1);
  };
  std::vector<long long> send_counts(static_cast<size_t>(comm_.size()), 0);
  for (long long row : rows)
    if (row < 0 || row >= total_rows_)
      throw std::runtime_error("coordinate list: row " + std::to_string(row) +
                               " of a finished region is not a row of "
                               "the list (" +
                               std::to_string(total_rows_) + " rows); remove <output>.parts/");
  for (long long row : rows) send_counts[reader_of(row)] += static_cast<long long>(fields);
  std::vector<long long> offset(send_counts.size(), 0);
  for (size_t r = 1; r < offset.size(); ++r) offset[r] = offset[r - 1] + send_counts[r - 1];
  std::vector<double> send(static_cast<size_t>(offset.back() + send_counts.back()));
  for (size_t i = 0; i < rows.size(); ++i) {
    double* at = send.data() + offset[reader_of(rows[i])];
    at[0] = static_cast<double>(rows[i]);
    for (size_t k = 0; k < columns.size(); ++k) at[1 + k] = columns[k][i];
    offset[reader_of(rows[i])] += static_cast<long long>(fields);
  }
  const auto received =
      comm_.alltoallv(std::span<const double>(send), std::span<const long long>(send_counts));
  std::vector<std::vector<float>> out(
      columns.size(), std::vector<float>(ra_.size(), std::numeric_limits<float>::quiet_NaN()));
  for (size_t k = 0; k + fields <= received.size(); k += fields) {
    const long long local = static_cast<long long>(received[k]) - first_row_;
    if (local < 0 || local >= static_cast<long long>(ra_.size()))
      throw std::logic_error("coordinate exchange: a value arrived for another rank's row");
    for (size_t c = 0; c < columns.size(); ++c)
      out[c][static_cast<size_t>(local)] = static_cast<float>(received[k + 1 + c]);
  }
  return out;
}

}  // namespace lofimap::pipeline
