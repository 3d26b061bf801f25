#include "pipeline/catalogue/tomographic_bins.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "pipeline/catalogue/survey_preset.hpp"

namespace lofimap::pipeline {

namespace {

// Shortest text that reads back as the same double (CFITSIO parses it with strtod).
std::string exact(double v) {
  char buffer[64];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
  return std::string(buffer, end);
}

// A column name as CFITSIO's calculator reads it: plain names as they are, others between $ signs.
std::string column_term(const std::string& name) {
  for (char ch : name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) return "$" + name + "$";
  return name;
}

}  // namespace

std::string TomographicBins::bin_test(size_t i) const {
  const std::string c = column_term(column);
  return c + " > " + exact(edges.at(i)) + " && " + c + " <= " + exact(edges.at(i + 1));
}

std::string TomographicBins::selection(size_t i, const std::string& user_select) const {
  if (user_select.empty()) return bin_test(i);
  return "(" + user_select + ") && (" + bin_test(i) + ")";
}

TomographicBins parse_tomographic_bins(const std::vector<std::string>& arguments, const ColumnMap& columns) {
  TomographicBins bins;
  if (arguments.empty()) return bins;
  if (arguments.size() < 3)
    throw std::invalid_argument("--bins: expected COLUMN EDGE0 EDGE1 [EDGE2 ...] (at least one bin)");
  bins.column = arguments[0];
  if (bins.column == "z") {
    if (columns.z.empty())
      throw std::invalid_argument("--bins z: the preset names no redshift column; give the column's name");
    bins.column = columns.z;
  }
  for (size_t k = 1; k < arguments.size(); ++k) {
    const std::string& a = arguments[k];
    double v = 0;
    const auto parsed = std::from_chars(a.data(), a.data() + a.size(), v);
    if (parsed.ec != std::errc() || parsed.ptr != a.data() + a.size() || !std::isfinite(v))
      throw std::invalid_argument("--bins: edge '" + a + "' is not a finite number");
    if (!bins.edges.empty() && !(v > bins.edges.back()))
      throw std::invalid_argument("--bins: edges must increase strictly ('" + a + "' after " +
                                  exact(bins.edges.back()) + ")");
    bins.edges.push_back(v);
  }
  if (bins.count() > 99) throw std::invalid_argument("--bins: at most 99 bins");
  return bins;
}

}  // namespace lofimap::pipeline
