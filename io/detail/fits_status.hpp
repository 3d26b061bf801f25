// Internal to io/: turns a CFITSIO status code and its process-wide message stack into io::Error.
#pragma once

#include <string>

namespace lofimap::io::detail {

// Throws io::Error when status != 0. Clears CFITSIO's message stack either way.
void check_fits(int status, const std::string& file, const std::string& action);

}  // namespace lofimap::io::detail
