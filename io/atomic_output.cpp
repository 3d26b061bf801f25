#include "io/atomic_output.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <climits>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>

#include "io/error.hpp"
#include "io/output_format.hpp"

namespace lofimap::io {

namespace fs = std::filesystem;

namespace {

// The temporary names of the live AtomicOutputs, for remove_temporary_outputs(). Fixed slots of atomic
// pointers: a signal handler may read them at any moment, and nothing here allocates.
constexpr std::size_t kSlots = 256;
std::array<std::atomic<const AtomicOutput::Names*>, kSlots> g_temporaries{};

void register_temporary(const AtomicOutput::Names* names) {
  for (auto& slot : g_temporaries) {
    const AtomicOutput::Names* empty = nullptr;
    if (slot.compare_exchange_strong(empty, names)) return;
  }  // more than kSlots outputs at once: the destructor still removes it, only a signal would not
}

void forget_temporary(const AtomicOutput::Names* names) {
  for (auto& slot : g_temporaries) {
    const AtomicOutput::Names* mine = names;
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

fs::path folder_of(const fs::path& path) {
  return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

constexpr const char* kPrevious = ".previous";  // the earlier target, hard-linked inside the private folder

// The longest name a file in `dir` may have (255 on Linux filesystems).
long name_max(const fs::path& dir) {
  errno = 0;
  const long n = ::pathconf(dir.c_str(), _PC_NAME_MAX);
  return n > 0 ? n : 255;
}

// ".NAME.tmp.HOST." (or ".lofimap.HASH.tmp.HOST." when NAME is too long for a folder name with the process id
// and the mkdtemp suffix after it). The host makes the name unique on a filesystem shared by cluster nodes.
std::string temporary_prefix(const std::string& file, const std::string& host, long max_name) {
  std::string prefix(".");
  const std::string suffix = ".tmp." + host + ".";
  if (static_cast<long>(file.size() + 1 + suffix.size() + 10 + 7) <= max_name) {
    prefix.append(file);
  } else {
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(file));
    prefix.append("lofimap.").append(hash);
  }
  return prefix + suffix;
}

// A run killed by SIGKILL (or the OOM killer, or a node failure) cannot remove its temporaries. The next run
// writing the same output removes what this host's dead processes left: "PREFIX<pid>.XXXXXX/" folders (and
// "PREFIX<pid>" files of older versions) where no process <pid> runs any more. Only lofimap's own names are
// removed from such a folder; files of other hosts are left alone (their processes cannot be asked).
void remove_stale_temporaries(const fs::path& dir, const std::string& prefix, const std::string& file) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    const std::string digits = rest.substr(0, rest.find('.'));
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::error_code rm;
    if (it->is_directory(rm) && !it->is_symlink(rm)) {
      fs::remove(it->path() / file, rm);
      fs::remove(it->path() / kPrevious, rm);
    }
    if (fs::remove(it->path(), rm))
      spdlog::warn("removed {}: a temporary left by process {}, which no longer runs (killed?)",
                   it->path().string(), pid);
  }
}

}  // namespace

void remove_temporary_outputs() noexcept {
  for (auto& slot : g_temporaries)
    if (const AtomicOutput::Names* n = slot.load()) {
      if (n->file) ::unlink(n->file);
      if (n->previous) ::unlink(n->previous);
      if (n->folder) ::rmdir(n->folder);
    }
}

void check_path_length(const std::string& target, std::size_t limit) {
  const fs::path path(target);
  const fs::path dir = folder_of(path);
  const std::string file = path.filename().string();
  const long max_name = name_max(dir);
  if (static_cast<long>(file.size()) > max_name)
    throw Error(target, "checking output",
                "the file name has " + std::to_string(file.size()) + " bytes; this filesystem allows " +
                    std::to_string(max_name));
  // The temporary lives one folder deeper (".NAME.tmp.HOST.PID.XXXXXX/NAME"): that whole path, as the writer
  // is given it (relative or not), must fit.
  const std::size_t temporary = dir.string().size() + 1 +
                                temporary_prefix(file, host_name(), max_name).size() + 10 + 7 + 1 +
                                file.size();
  if (temporary > std::min<std::size_t>(limit, PATH_MAX - 1))
    throw Error(
        target, "checking output",
        "the path has " + std::to_string(target.size()) + " bytes; with its temporary folder (" +
            std::to_string(temporary) + " bytes) it would pass the limit of " +
            std::to_string(std::min<std::size_t>(limit, PATH_MAX - 1)) +
            (limit < PATH_MAX - 1 ? " bytes of the file's writer (CFITSIO)" : " bytes of the system") +
            ": choose a shorter folder or name");
}

void check_writable(const std::string& target, bool overwrite) {
  if (target.empty()) throw Error("(empty)", "checking output", "output path is empty");
  const fs::path path(target);
  const fs::path dir = folder_of(path);
  std::error_code ec;
  if (!fs::exists(dir, ec))
    throw Error(target, "checking output", "folder '" + dir.string() + "' does not exist");
  if (!fs::is_directory(dir, ec))
    throw Error(target, "checking output", "'" + dir.string() + "' is not a folder");
  if (::access(dir.c_str(), W_OK) != 0) throw Error(target, "checking output", "folder is not writable");
  const std::string file = path.filename().string();
  if (file.empty() || file == "." || file == "..")
    throw Error(target, "checking output", "names a folder, not a file");
  check_path_length(target, names_fits(target) ? kMaxFitsPath : PATH_MAX - 1);  // CFITSIO writes .fits names
  const auto link_status = fs::symlink_status(path, ec);
  if (fs::is_symlink(link_status) && !fs::exists(path, ec))
    throw Error(target, "checking output",
                "is a symbolic link to a file that does not exist ('" + fs::read_symlink(path, ec).string() +
                    "'); remove the link or choose another name");
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

void check_distinct_outputs(const std::vector<std::string>& outputs) {
  std::error_code ec;
  for (std::size_t i = 0; i < outputs.size(); ++i)
    for (std::size_t j = i + 1; j < outputs.size(); ++j) {
      const bool same_name = fs::weakly_canonical(outputs[i], ec) == fs::weakly_canonical(outputs[j], ec);
      std::error_code eq;
      if (same_name || fs::equivalent(outputs[i], outputs[j], eq))
        throw Error(outputs[j], "checking output",
                    "is the same file as another output of this run (" + outputs[i] +
                        "); one would replace the other: choose different names");
    }
}

AtomicOutput::AtomicOutput(std::string target, bool overwrite)
    : target_(std::move(target)), overwrite_(overwrite) {
  check_writable(target_, overwrite);
  const fs::path path(target_);
  const fs::path dir = folder_of(path);
  const std::string file = path.filename().string();
  const std::string prefix = temporary_prefix(file, host_name(), name_max(dir));
  remove_stale_temporaries(dir, prefix, file);
  std::string pattern = (dir / (prefix + std::to_string(::getpid()) + ".XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw Error(target_, "creating the temporary folder beside it", std::strerror(errno));
  folder_ = pattern;
  temp_ = (fs::path(folder_) / file).string();
  previous_ = (fs::path(folder_) / kPrevious).string();
  // The strings are not changed again: their characters stay where they are for the signal handler.
  names_ = {temp_.c_str(), previous_.c_str(), folder_.c_str()};
  register_temporary(&names_);
}

AtomicOutput::~AtomicOutput() {
  forget_temporary(&names_);
  if (!committed_) {
    if (placed_) undo_place();
    ::unlink(temp_.c_str());
    ::unlink(previous_.c_str());
    ::rmdir(folder_.c_str());
  }
}

void AtomicOutput::keep_previous() {
  if (!overwrite_) return;
  std::error_code ec;
  const auto status = fs::symlink_status(target_, ec);
  if (!fs::exists(status) || fs::is_directory(status)) return;
  // Filesystems without hard links: no rollback for this file (the move into place itself is still atomic).
  has_previous_ = ::link(target_.c_str(), previous_.c_str()) == 0;
}

void AtomicOutput::place() {
  if (!overwrite_) {
    // Exclusive: a hard link fails when the target exists, atomically (no window between check and rename).
    if (::link(temp_.c_str(), target_.c_str()) == 0) {
      ::unlink(temp_.c_str());
      placed_ = true;
      return;
    }
    const int err = errno;
    if (err == EEXIST)
      throw Error(target_, "moving the finished output into place",
                  "appeared while this run was writing it (another run?); not replaced (pass --overwrite to "
                  "replace it)");
    // Filesystems without hard links: the pre-flight check has to do.
    if (err != EPERM && err != EOPNOTSUPP && err != EXDEV && err != EMLINK)
      throw Error(target_, "moving the finished output into place", std::strerror(err));
  }
  if (::rename(temp_.c_str(), target_.c_str()) != 0)
    throw Error(target_, "renaming the finished temporary file into place", std::strerror(errno));
  placed_ = true;
}

void AtomicOutput::undo_place() {
  if (!placed_) return;
  if (has_previous_)
    ::rename(previous_.c_str(), target_.c_str());
  else
    ::unlink(target_.c_str());
  placed_ = false;
}

void AtomicOutput::finish() {
  forget_temporary(&names_);
  ::unlink(previous_.c_str());
  ::rmdir(folder_.c_str());
  committed_ = true;
}

void AtomicOutput::commit() {
  commit_together({this});
}

void commit_together(const std::vector<AtomicOutput*>& outputs) {
  for (AtomicOutput* o : outputs) o->keep_previous();
  try {
    for (AtomicOutput* o : outputs) o->place();
  } catch (...) {
    for (AtomicOutput* o : outputs) o->undo_place();
    throw;
  }
  for (AtomicOutput* o : outputs) o->finish();
}

}  // namespace lofimap::io
