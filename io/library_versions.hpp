// Versions of the file-format libraries linked into io/ (for `lofimap version`).
#pragma once

#include <string>

namespace lofimap::io {

std::string cfitsio_version();
std::string hdf5_version();

}  // namespace lofimap::io
