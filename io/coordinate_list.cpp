#include "io/coordinate_list.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "io/error.hpp"
#include "io/fits_table.hpp"
#include "io/text_table.hpp"

namespace lofimap::io {

namespace {
bool looks_like_fits(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, "reading coordinates", "cannot open (no such file?)");
  char head[6] = {};
  in.read(head, 6);
  return in.gcount() == 6 && std::string(head, 6) == "SIMPLE";
}
}  // namespace

CoordinateList read_coordinate_list(const std::string& path) {
  return read_coordinate_share(path, [](long long total) { return std::pair{0LL, total}; });
}

CoordinateList read_coordinate_share(
    const std::string& path, const std::function<std::pair<long long, long long>(long long total)>& range) {
  CoordinateList out;
  long long first = 0;
  if (looks_like_fits(path)) {
    const FitsTable table(path, "");
    auto [lo, hi] = range(table.rows());
    first = std::max(lo, 0LL), hi = std::min(hi, static_cast<long long>(table.rows()));
    std::vector<std::vector<double>> cols;
    if (hi > first)
      table.read({table.require_column("RA"), table.require_column("DEC")}, static_cast<long>(first),
                 static_cast<long>(hi - first), cols);
    if (!cols.empty()) out.ra_deg = std::move(cols[0]), out.dec_deg = std::move(cols[1]);
  } else {
    auto cols = read_text_columns(path, 2);
    auto [lo, hi] = range(static_cast<long long>(cols[0].size()));
    first = std::max(lo, 0LL), hi = std::min(hi, static_cast<long long>(cols[0].size()));
    if (hi > first) {
      out.ra_deg.assign(cols[0].begin() + first, cols[0].begin() + hi);
      out.dec_deg.assign(cols[1].begin() + first, cols[1].begin() + hi);
    }
  }
  for (size_t i = 0; i < out.ra_deg.size(); ++i)
    if (!(out.dec_deg[i] >= -90 && out.dec_deg[i] <= 90) || !std::isfinite(out.ra_deg[i]))
      throw Error(path, "reading coordinates",
                  "row " + std::to_string(static_cast<long long>(i) + first + 1) +
                      ": Dec outside [-90, 90] or RA not finite");
  return out;
}

}  // namespace lofimap::io
