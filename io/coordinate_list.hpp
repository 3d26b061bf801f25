// Lists of sky positions to evaluate a map at (`lofimap map --coords`): a FITS table with RA and DEC columns
// (first table HDU, degrees), or a text/CSV table whose first two columns are RA and Dec in degrees.
#pragma once

#include <string>
#include <vector>

namespace lofimap::io {

struct CoordinateList {
  std::vector<double> ra_deg, dec_deg;
};

// FITS is recognised by its first bytes ("SIMPLE"), not by the file name. Throws io::Error naming the file
// (and the missing column, or the bad line) on malformed input; an empty list is returned as such.
CoordinateList read_coordinate_list(const std::string& path);

// Rows [first, last) of the list (0-based data rows), for ranks that each read their own share: a FITS table
// reads only those rows; a text table is parsed whole and the rest dropped (large lists belong in FITS).
// `total`, when given, receives the number of rows in the whole list.
CoordinateList read_coordinate_rows(const std::string& path, long long first, long long last,
                                    long long* total = nullptr);
// The number of rows in the list (a FITS header read, or a parse of a text table).
long long coordinate_rows(const std::string& path);

}  // namespace lofimap::io
