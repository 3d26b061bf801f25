#include "pipeline/survey/region_coordinate_output.hpp"

#include <cmath>
#include <filesystem>
#include <span>

#include "distributed/partition.hpp"
#include "io/atomic_output.hpp"
#include "io/coordinate_list.hpp"
#include "io/fits_maps.hpp"
#include "io/fits_table_writer.hpp"
#include "io/output_format.hpp"
#include "io/text_table.hpp"
#include "pipeline/core/flat_grid_wcs.hpp"
#include "pipeline/flat/flat_geometry.hpp"

namespace lofimap::pipeline {

CoordinateOutput::CoordinateOutput(std::string coordinate_file, const OutputOptions& output_options,
                                   const SkyRegions& sky_regions,
                                   const distributed::Communicator& communicator)
    : coords_file(std::move(coordinate_file)),
      output(output_options),
      regions(sky_regions),
      comm(communicator) {}

void CoordinateOutput::planned(const GalaxyExchange& galaxies) {
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
  auto rows = io::read_coordinate_share(coords_file, [&](long long total) {
    const auto range = distributed::split_rows(total, comm.rank(), comm.size());
    first = range.begin;
    return std::pair{range.begin, range.end};
  });
  list.emplace(std::move(rows.ra_deg), std::move(rows.dec_deg), first, regions, galaxies, comm);
  if (list->total_rows() == 0) throw std::invalid_argument("--coords: " + coords_file + " holds no rows");
}
void CoordinateOutput::wave(const GalaxyExchange& galaxies, int w) {
  wave_points = list->exchange(w);
  slot.clear();
  const auto& mine = galaxies.regions_of_wave(w);
  for (size_t i = 0; i < mine.size(); ++i) slot[mine[i]] = i;
}

// Rank 0 assembles the image from the ranks' rows (their rows follow each other) and writes one image
// extension per column with the mosaic's TAN WCS.
long long CoordinateOutput::write_mosaic(const std::vector<std::vector<float>>& values,
                                         const RegionColumns& columns,
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
  io::AtomicOutput out(output.path, output.overwrite);
  io::write_flat_fits(out.temp_path(), tan_grid(*mosaic), images, all_cards);
  out.commit();
  return mosaic->pixels();
}

long long CoordinateOutput::write(const RegionRows& share, const RegionColumns& columns,
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
  io::AtomicOutput out(output.path, output.overwrite);
  const bool fits = io::names_fits(output.path);
  std::vector<std::string> names = {"RA", "DEC"};
  for (const auto& c : columns) names.push_back(c.first);
  std::optional<io::FitsTableWriter> table;
  std::optional<io::TextTableWriter> text;
  if (fits)
    table.emplace(out.temp_path(), "COORDS", names, cards);
  else {
    std::string header = "LoFi convergence at the listed coordinates (NaN: outside the footprint)\ncolumns:";
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

}  // namespace lofimap::pipeline
