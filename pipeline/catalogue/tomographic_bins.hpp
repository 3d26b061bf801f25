// Tomographic bins: one map per range of a catalogue column (a photometric redshift), edge_i < value <=
// edge_{i+1}, each selected by a CFITSIO row filter so that a bin is exactly what `--select` with the same
// test keeps.
#pragma once

#include <string>
#include <vector>

namespace lofimap::pipeline {

struct ColumnMap;

struct TomographicBins {
  std::string column;  // the column's name in the file (a role such as `z` resolved through the preset)
  std::vector<double> edges;

  bool enabled() const { return !edges.empty(); }
  size_t count() const { return edges.empty() ? 0 : edges.size() - 1; }
  // Bin i's own test, `COLUMN > edge_i && COLUMN <= edge_{i+1}` (edges written to round-trip exactly).
  std::string bin_test(size_t i) const;
  // The row filter of bin i: its test joined with the user's own --select (may be empty).
  std::string selection(size_t i, const std::string& user_select) const;
  // "_BIN1", "_BIN2", ...: the suffix of bin i's HDUs and columns.
  static std::string suffix(size_t i) { return "_BIN" + std::to_string(i + 1); }
};

// From --bins COLUMN EDGE0 EDGE1 ...: COLUMN is a column name, or `z` for the preset's redshift column
// (--column z=NAME overrides it). Throws std::invalid_argument naming --bins: fewer than two edges, an edge
// that is not a finite number, edges not strictly increasing, more than 99 bins, or `z` with a preset that
// names no redshift column.
TomographicBins parse_tomographic_bins(const std::vector<std::string>& arguments, const ColumnMap& columns);

}  // namespace lofimap::pipeline
