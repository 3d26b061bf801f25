#include "io/detail/fits_status.hpp"

#include <fitsio.h>

#include "io/error.hpp"

namespace lofimap::io::detail {

void check_fits(int status, const std::string& file, const std::string& action) {
  if (status == 0) return;
  char text[FLEN_STATUS] = {0};
  fits_get_errstatus(status, text);
  std::string detail = text;
  // The message stack holds the more specific reasons (e.g. which keyword or which HDU); keep the first one.
  char message[FLEN_ERRMSG] = {0};
  if (fits_read_errmsg(message) && message[0] != '\0' && detail.find(message) == std::string::npos) {
    detail += " (" + std::string(message) + ")";
  }
  fits_clear_errmsg();
  throw Error(file, action, detail + " [CFITSIO status " + std::to_string(status) + "]");
}

}  // namespace lofimap::io::detail
