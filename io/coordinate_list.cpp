#include "io/coordinate_list.hpp"

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
  CoordinateList out;
  if (looks_like_fits(path)) {
    const FitsTable table(path, "");
    std::vector<std::vector<double>> cols;
    if (table.rows() > 0)
      table.read({table.require_column("RA"), table.require_column("DEC")}, 0, table.rows(), cols);
    if (!cols.empty()) out.ra_deg = std::move(cols[0]), out.dec_deg = std::move(cols[1]);
  } else {
    auto cols = read_text_columns(path, 2);
    out.ra_deg = std::move(cols[0]), out.dec_deg = std::move(cols[1]);
  }
  for (size_t i = 0; i < out.ra_deg.size(); ++i)
    if (!(out.dec_deg[i] >= -90 && out.dec_deg[i] <= 90) || !std::isfinite(out.ra_deg[i]))
      throw Error(path, "reading coordinates",
                  "row " + std::to_string(i + 1) + ": Dec outside [-90, 90] or RA not finite");
  return out;
}

}  // namespace lofimap::io
