// The format an output's name asks for, by its extension in any case: .h5/.hdf5 HDF5, .fits/.fit/.fts FITS.
// One place decides, for the writers' choice and for the checks made on a name before any work.
#pragma once

#include <string>

namespace lofimap::io {

bool names_hdf5(const std::string& path);
bool names_fits(const std::string& path);

}  // namespace lofimap::io
