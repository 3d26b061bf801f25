#include "io/atomic_output.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

#include "io/error.hpp"

namespace lofimap::io {

namespace fs = std::filesystem;

namespace {

// The temporary paths of the live AtomicOutputs, for remove_temporary_outputs(). Fixed slots of atomic
// pointers: a signal handler may read them at any moment, and nothing here allocates.
constexpr std::size_t kSlots = 256;
std::array<std::atomic<const char*>, kSlots> g_temporaries{};

void register_temporary(const char* path) {
  for (auto& slot : g_temporaries) {
    const char* empty = nullptr;
    if (slot.compare_exchange_strong(empty, path)) return;
  }  // more than kSlots outputs at once: the destructor still removes it, only a signal would not
}

void forget_temporary(const char* path) {
  for (auto& slot : g_temporaries) {
    const char* mine = path;
    if (slot.compare_exchange_strong(mine, nullptr)) return;
  }
}

std::string host_name() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
  std::string name(host);
  for (char& c : name)
    if (c == '/') c = '_';
  return name.substr(0, 64);
}

// A run killed by SIGKILL (or the OOM killer, or a node failure) cannot remove its temporary file. The next
// run writing the same output removes the ones this host's dead processes left: "PREFIX<pid>" where no
// process <pid> runs any more. Files of other hosts are left alone (their processes cannot be asked).
void remove_stale_temporaries(const fs::path& dir, const std::string& prefix) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::error_code rm;
    if (fs::remove(it->path(), rm))
      spdlog::warn("removed {}: a temporary file left by process {}, which no longer runs (killed?)",
                   it->path().string(), pid);
  }
}

}  // namespace

void remove_temporary_outputs() noexcept {
  for (auto& slot : g_temporaries)
    if (const char* path = slot.load()) ::unlink(path);
}

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

void check_not_an_input(const std::string& output, const std::vector<std::string>& inputs) {
  std::error_code ec;
  if (!fs::exists(output, ec)) return;
  for (const auto& input : inputs)
    if (fs::equivalent(output, input, ec))
      throw Error(output, "checking output",
                  "is also an input of this run (" + input + "); choose another output");
}

AtomicOutput::AtomicOutput(std::string target, bool overwrite)
    : target_(std::move(target)), overwrite_(overwrite) {
  check_writable(target_, overwrite);
  const fs::path path(target_);
  const std::string file = path.filename().string();
  // ".NAME.tmp.HOST.PID" beside the target, appended piecewise (GCC 12 -Wrestrict misfires on a chain of
  // string operator+); a name too long for that (file names hold at most 255 bytes) gets
  // ".lofimap.HASH.tmp.HOST.PID". The host makes the name unique on a filesystem shared by cluster nodes.
  const std::string suffix = ".tmp." + host_name() + ".";
  const std::string pid = std::to_string(::getpid());
  std::string prefix(".");
  if (file.size() + 1 + suffix.size() + pid.size() <= 255) {
    prefix.append(file);
  } else {
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(file));
    prefix.append("lofimap.").append(hash);
  }
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  remove_stale_temporaries(dir, prefix + suffix);
  temp_ = (path.parent_path() / (prefix + suffix + pid)).string();
  std::error_code ec;
  fs::remove(temp_, ec);
  register_temporary(temp_.c_str());  // temp_ is not changed again: its characters stay where they are
}

AtomicOutput::~AtomicOutput() {
  forget_temporary(temp_.c_str());
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicOutput::commit() {
  if (!overwrite_) {
    // Exclusive: a hard link fails when the target exists, atomically (no window between check and rename).
    if (::link(temp_.c_str(), target_.c_str()) != 0) {
      const int err = errno;
      if (err == EEXIST)
        throw Error(
            target_, "moving the finished output into place",
            "appeared while this run was writing it (another run?); not replaced (pass --overwrite to "
            "replace it)");
      // Filesystems without hard links: the pre-flight check has to do.
      if (err != EPERM && err != EOPNOTSUPP && err != EXDEV && err != EMLINK)
        throw Error(target_, "moving the finished output into place", std::strerror(err));
    } else {
      forget_temporary(temp_.c_str());
      ::unlink(temp_.c_str());
      committed_ = true;
      return;
    }
  }
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) throw Error(target_, "renaming the finished temporary file into place", ec.message());
  forget_temporary(temp_.c_str());
  committed_ = true;
}

}  // namespace lofimap::io
