#include "io/atomic_output.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "io/error.hpp"

namespace lofimap::io {

namespace fs = std::filesystem;

void check_writable(const std::string& target, bool overwrite) {
  if (target.empty()) throw Error("(empty)", "checking output", "output path is empty");
  const fs::path path(target);
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::exists(dir, ec))
    throw Error(target, "checking output", "folder '" + dir.string() + "' does not exist");
  if (!fs::is_directory(dir, ec))
    throw Error(target, "checking output", "'" + dir.string() + "' is not a folder");
  if (::access(dir.c_str(), W_OK) != 0) throw Error(target, "checking output", "folder is not writable");
  if (fs::exists(path, ec)) {
    if (fs::is_directory(path, ec)) throw Error(target, "checking output", "is a folder");
    if (!overwrite) throw Error(target, "checking output", "already exists (pass --overwrite to replace it)");
  }
}

AtomicOutput::AtomicOutput(std::string target, bool overwrite) : target_(std::move(target)) {
  check_writable(target_, overwrite);
  const fs::path path(target_);
  // ".NAME.tmp.PID", appended piecewise (GCC 12 -Wrestrict misfires on a chain of string operator+).
  std::string name(".");
  name.append(path.filename().string()).append(".tmp.").append(std::to_string(::getpid()));
  temp_ = (path.parent_path() / name).string();
  std::error_code ec;
  fs::remove(temp_, ec);
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicOutput::commit() {
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) throw Error(target_, "renaming the finished temporary file into place", ec.message());
  committed_ = true;
}

}  // namespace lofimap::io
