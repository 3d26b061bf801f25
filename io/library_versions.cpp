#include "io/library_versions.hpp"

#include <fitsio.h>
#include <hdf5.h>

#include <cstdio>

namespace lofimap::io {

std::string cfitsio_version() {
  float v = 0;
  fits_get_version(&v);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(v));
  return buf;
}

std::string hdf5_version() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

}  // namespace lofimap::io
