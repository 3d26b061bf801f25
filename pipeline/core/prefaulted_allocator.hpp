// std::allocator replacement for large arrays filled once and read many times (catalogue columns, map
// accumulators). Allocations of 2 MiB or more are mapped with MAP_POPULATE: the kernel provides all pages in
// one call instead of one page fault per 4 KiB while the array fills, which was a third of the ingest time of
// a 10^7-galaxy catalogue. (Transparent huge pages were tried too: as fast when they work, but direct
// compaction stalled one run in three by ~0.8 s on this kind of VM.)
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

namespace lofimap::pipeline {

template <typename T>
struct PrefaultedAllocator {
  using value_type = T;
  static constexpr std::size_t kLarge = 2u << 20;

  PrefaultedAllocator() = default;
  template <typename U>
  PrefaultedAllocator(const PrefaultedAllocator<U>&) {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kLarge) {
      if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return static_cast<T*>(p);
      throw std::bad_alloc();
    }
    void* p =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  // resize() default-initialises (no zero-filling pass: fresh large blocks are zero pages already, and
  // callers that resize then overwrite pay for one pass over the memory, not two).
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kLarge)
      std::free(p);
    else
      ::munmap(p, bytes);
  }
};

template <typename T, typename U>
bool operator==(const PrefaultedAllocator<T>&, const PrefaultedAllocator<U>&) {
  return true;
}
template <typename T, typename U>
bool operator!=(const PrefaultedAllocator<T>&, const PrefaultedAllocator<U>&) {
  return false;
}

}  // namespace lofimap::pipeline
