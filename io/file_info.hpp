// `lofimap info FILE`: a readable summary of a FITS or HDF5 file (HDUs or datasets, shapes, columns, the
// provenance and WCS/HEALPix keys).
#pragma once

#include <string>

namespace lofimap::io {

// Detects the format from the file's first bytes; throws io::Error for anything else.
std::string describe_file(const std::string& path);

}  // namespace lofimap::io
