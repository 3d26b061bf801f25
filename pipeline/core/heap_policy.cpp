#include "pipeline/core/heap_policy.hpp"

#include <malloc.h>

#include <mutex>

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
