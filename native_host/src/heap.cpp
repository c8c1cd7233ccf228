#include "heap.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace mailveil {

bool serve_heap_policy() {
  bool ok = mallopt(M_MMAP_THRESHOLD, 1 << 20) == 1;
  ok = mallopt(M_TRIM_THRESHOLD, static_cast<int>(kKeptHeap)) == 1 && ok;
  return ok;
}

size_t prefault_heap(size_t bytes) {
  const long page = sysconf(_SC_PAGESIZE);
  const size_t step = page > 0 ? static_cast<size_t>(page) : 4096;
  // In blocks well under the mapping threshold, so that they come from the heap's top and go back to it.
  constexpr size_t kBlock = 64u << 10;
  std::vector<void*> blocks;
  blocks.reserve(bytes / kBlock + 1);
  size_t pages = 0;
  for (size_t done = 0; done < bytes; done += kBlock) {
    auto* block = static_cast<volatile char*>(std::malloc(kBlock));
    if (!block) break;
    for (size_t i = 0; i < kBlock; i += step, ++pages) block[i] = 0;
    blocks.push_back(const_cast<char*>(block));
  }
  for (void* block : blocks) std::free(block);
  return pages;
}

}  // namespace mailveil
