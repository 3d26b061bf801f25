#include "pipeline/core/heap_policy.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>

namespace lofimap::pipeline {

namespace {
constexpr int kMapAbove = 4 << 20;     // bytes: the default's mapping threshold
constexpr int kTrimAbove = 128 << 10;  // bytes of free heap top the default gives back (glibc's own default)
constexpr int kNever = 1 << 30;        // bytes: trimming "never"
constexpr int kMappedBlocks = 65536;   // glibc's default limit on mapped blocks
std::mutex g_mutex;
int g_scopes = 0;
}  // namespace

void set_default_heap_policy() {
  mallopt(M_MMAP_MAX, kMappedBlocks);
  mallopt(M_MMAP_THRESHOLD, kMapAbove);
  mallopt(M_TRIM_THRESHOLD, kTrimAbove);
}

void request_huge_pages(char** argv) {
  const char* own = std::getenv("LOFIMAP_HUGE_PAGES");
  if (own && std::string(own) == "0") return;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const std::string current = tunables ? tunables : "";
  if (current.find("glibc.malloc.hugetlb") != std::string::npos) return;
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode;
  std::getline(thp, mode);
  if (mode.find("[madvise]") == std::string::npos) return;
  const std::string wanted = (current.empty() ? "" : current + ":") + "glibc.malloc.hugetlb=1";
  if (setenv("GLIBC_TUNABLES", wanted.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Not executed again (no /proc): go on with 4 KiB pages and leave the environment as it was.
  if (tunables)
    setenv("GLIBC_TUNABLES", current.c_str(), 1);
  else
    unsetenv("GLIBC_TUNABLES");
}

HeapReuse::HeapReuse() {
  const std::lock_guard lock(g_mutex);
  if (g_scopes++ == 0) {
    mallopt(M_MMAP_MAX, 0);  // no block mapped (glibc refuses a mapping threshold above 32 MiB)
    mallopt(M_TRIM_THRESHOLD, kNever);
  }
}

HeapReuse::~HeapReuse() {
  const std::lock_guard lock(g_mutex);
  if (--g_scopes == 0) {
    set_default_heap_policy();
    malloc_trim(0);
  }
}

}  // namespace lofimap::pipeline
