// Lists of sky positions to evaluate a map at (`lofimap map --coords`): a FITS table with RA and DEC columns
// (first table HDU, degrees), or a text/CSV table whose first two columns are RA and Dec in degrees.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lofimap::io {

struct CoordinateList {
  std::vector<double> ra_deg, dec_deg;
};

// FITS is recognised by its first bytes ("SIMPLE"), not by the file name. Throws io::Error naming the file
// (and the missing column, or the bad line) on malformed input; an empty list is returned as such.
CoordinateList read_coordinate_list(const std::string& path);

// One share of the list, for ranks that each read their own: `range(total)` turns the list's row count into
// this reader's rows [first, last) (0-based data rows). A FITS table reads its header, then only those rows;
// a text table is parsed once, whole, and the rest dropped (large lists belong in FITS).
CoordinateList read_coordinate_share(
    const std::string& path, const std::function<std::pair<long long, long long>(long long total)>& range);

}  // namespace lofimap::io
