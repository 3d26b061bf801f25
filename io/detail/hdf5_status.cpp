#include "io/detail/hdf5_status.hpp"

#include "io/error.hpp"

namespace lofimap::io::detail {

namespace {
herr_t collect_message(unsigned, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<std::string*>(data);
  if (out->empty() && err->desc) *out = err->desc;
  return 0;
}
}  // namespace

void throw_hdf5_error(const std::string& file, const std::string& action) {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_message, &message);
  H5Eclear2(H5E_DEFAULT);
  throw Error(file, action, message.empty() ? "HDF5 call failed" : "HDF5: " + message);
}

}  // namespace lofimap::io::detail
