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

}  // namespace lofimap::io
