#include "pipeline/core/machine_resources.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace lofimap::pipeline {

double available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024.0;
  return static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double free_disk_bytes(const std::string& path) {
  std::filesystem::path p(path);
  std::error_code ec;
  if (!std::filesystem::is_directory(p, ec))
    p = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  struct statvfs s {};
  if (::statvfs(p.c_str(), &s) != 0) return 1e300;  // unknown: do not refuse on a guess
  return static_cast<double>(s.f_bavail) * static_cast<double>(s.f_frsize);
}

std::string human_bytes(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024 && u < 5) bytes /= 1024, ++u;
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

void require_memory(double bytes, const std::string& what) {
  const double have = available_memory_bytes();
  if (bytes > have)
    throw std::invalid_argument(what + " needs about " + human_bytes(bytes) +
                                " of memory; this machine has " + human_bytes(have) + " available");
}

void require_disk(double bytes, const std::string& path, const std::string& what) {
  const double have = free_disk_bytes(path);
  if (bytes > have)
    throw std::invalid_argument(what + " needs about " + human_bytes(bytes) + " of disk for " + path +
                                "; its filesystem has " + human_bytes(have) + " free");
}

}  // namespace lofimap::pipeline
