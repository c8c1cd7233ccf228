#include "block_cache.h"

#include <malloc.h>

#include <cstdlib>

namespace mailveil {

void BlockCache::push_unsized(void* p) {
  if (p == nullptr) return;
  // glibc gives a chunk of a multiple of 16 bytes, 8 of them its header: a block asked for as c × 16 bytes has
  // c × 16 + 8 usable. Rounding down keeps any other block (a larger one, or another allocator's) in a class it
  // can serve.
  const size_t usable = malloc_usable_size(p);
  const size_t c = usable > 8 ? (usable - 8) / kGranule : 0;
  if (c >= 1 && c < kClasses && keep(p, c)) return;
  free_block(p);
}

void BlockCache::open() {
  for (size_t c = 1; c < kClasses; ++c) limit_[c] = static_cast<uint32_t>(kBytesPerClass / (c * kGranule));
}

void BlockCache::close() {
  for (size_t c = 0; c < kClasses; ++c) {
    limit_[c] = 0;
    while (Node* p = head_[c]) {
      head_[c] = p->next;
      free_block(p);
    }
    count_[c] = 0;
  }
}

size_t BlockCache::cached_bytes() const {
  size_t bytes = 0;
  for (size_t c = 1; c < kClasses; ++c) bytes += count_[c] * c * kGranule;
  return bytes;
}

void BlockCache::free_block(void* p) {
  std::free(p);
}

}  // namespace mailveil
