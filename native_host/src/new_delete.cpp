// The executable's operator new and delete, through a BlockCache per thread (block_cache.h says why). Linked into
// mailveil-host only, and not into the sanitizer or fuzzing builds, whose runtimes replace new and delete
// themselves to check them.

#include <pthread.h>

#include <cstdlib>
#include <new>

#include "block_cache.h"

namespace {

using mailveil::BlockCache;

thread_local BlockCache t_cache;
thread_local bool t_opened = false;

/// At a thread's exit (pthread runs key destructors after the thread's C++ thread_local destructors), its cached
/// blocks go back to malloc. The main thread's stay until the process ends.
void close_cache(void* cache) {
  static_cast<BlockCache*>(cache)->close();
}

/// The first allocation that finds nothing cached on this thread: from now on, its frees are kept.
void open_cache() {
  t_opened = true;
  static pthread_key_t key;
  static const bool have_key = pthread_key_create(&key, close_cache) == 0;
  // Without the key the cache would outlive its thread: leave it closed (plain malloc and free).
  if (have_key && pthread_setspecific(key, &t_cache) == 0) t_cache.open();
}

void* allocate(size_t n) {
  if (void* p = t_cache.pop(n)) return p;
  if (!t_opened) open_cache();
  const size_t size = BlockCache::block_size(n);
  for (;;) {
    if (void* p = std::malloc(size)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

}  // namespace

void* operator new(size_t n) {
  return allocate(n);
}
void* operator new[](size_t n) {
  return allocate(n);
}
void operator delete(void* p) noexcept {
  t_cache.push_unsized(p);
}
void operator delete[](void* p) noexcept {
  t_cache.push_unsized(p);
}
void operator delete(void* p, size_t n) noexcept {
  t_cache.push(p, n);
}
void operator delete[](void* p, size_t n) noexcept {
  t_cache.push(p, n);
}
