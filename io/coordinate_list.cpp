#include "io/coordinate_list.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>

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
  return read_coordinate_rows(path, 0, std::numeric_limits<long long>::max());
}

CoordinateList read_coordinate_rows(const std::string& path, long long first, long long last,
                                    long long* total) {
  CoordinateList out;
  first = std::max(first, 0LL);
  if (looks_like_fits(path)) {
    const FitsTable table(path, "");
    const long long rows = table.rows();
    if (total) *total = rows;
    last = std::min(last, rows);
    std::vector<std::vector<double>> cols;
    if (last > first)
      table.read({table.require_column("RA"), table.require_column("DEC")}, static_cast<long>(first),
                 static_cast<long>(last - first), cols);
    if (!cols.empty()) out.ra_deg = std::move(cols[0]), out.dec_deg = std::move(cols[1]);
  } else {
    auto cols = read_text_columns(path, 2);
    const long long rows = static_cast<long long>(cols[0].size());
    if (total) *total = rows;
    last = std::min(last, rows);
    if (last > first) {
      out.ra_deg.assign(cols[0].begin() + first, cols[0].begin() + last);
      out.dec_deg.assign(cols[1].begin() + first, cols[1].begin() + last);
    }
  }
  for (size_t i = 0; i < out.ra_deg.size(); ++i)
    if (!(out.dec_deg[i] >= -90 && out.dec_deg[i] <= 90) || !std::isfinite(out.ra_deg[i]))
      throw Error(path, "reading coordinates",
                  "row " + std::to_string(static_cast<long long>(i) + first + 1) +
                      ": Dec outside [-90, 90] or RA not finite");
  return out;
}

long long coordinate_rows(const std::string& path) {
  if (looks_like_fits(path)) return FitsTable(path, "").rows();
  return static_cast<long long>(read_text_columns(path, 2)[0].size());
}

}  // namespace lofimap::io
