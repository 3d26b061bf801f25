#include "jobs/exit_codes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "distributed/communicator.hpp"
#include "io/error.hpp"
#include "pipeline/sphere/healpix_error.hpp"

namespace lofimap::jobs {

namespace {

// Messages may quote bytes from a corrupt file (CFITSIO and HDF5 echo what they read): control characters and
// bytes that are not UTF-8 text are shown as \xNN, so nothing but text reaches the terminal.
std::string printable(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    for (size_t k = 1; len > 1 && k < len; ++k)
      if (i + k >= text.size() || (static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) len = 0;
    if ((len == 1 && (c >= 0x20 || c == '\n' || c == '\t') && c != 0x7f) || len > 1) {
      out.append(text, i, std::max<size_t>(len, 1));
      i += std::max<size_t>(len, 1) - 1;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// The code, and whether it came from an exception.
std::pair<int, bool> exit_code_of(const std::function<int()>& action) {
  try {
    return {action(), false};
  } catch (const std::invalid_argument& e) {
    spdlog::error("{}", printable(e.what()));
    return {kBadOption, true};
  } catch (const io::Error& e) {
    spdlog::error("{}", printable(e.what()));
    return {kFileProblem, true};
  } catch (const std::exception& e) {
    spdlog::error("{}", printable(e.what()));
    return {kFailure, true};
  } catch (...) {  // not a std::exception: HEALPix's PlanckError is the one library error of that kind
    const std::string healpix = pipeline::healpix_error_message(std::current_exception());
    spdlog::error("{}", healpix.empty() ? "an unknown error (not a std::exception)"
                                        : "HEALPix: " + printable(healpix));
    return {kFailure, true};
  }
}

}  // namespace

int run_with_exit_code(const std::function<int()>& action) {
  const auto [code, threw] = exit_code_of(action);
  // Under mpirun/srun the other ranks may be waiting in a collective for this one: end them all.
  if (threw) distributed::abort_all_ranks(code);
  return code;
}

}  // namespace lofimap::jobs
