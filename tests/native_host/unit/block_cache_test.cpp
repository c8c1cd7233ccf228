#include "block_cache.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <set>
#include <vector>

using namespace mailveil;

namespace {

/// What operator new does: a cached block, else one from malloc rounded to its class.
void* take(BlockCache* cache, size_t n) {
  if (void* p = cache->pop(n)) return p;
  return std::malloc(BlockCache::block_size(n));
}

}  // namespace

TEST_CASE("BlockCache rounds small sizes up to their class and leaves larger ones alone", "[block_cache]") {
  CHECK(BlockCache::block_size(0) == 1);
  CHECK(BlockCache::block_size(1) == 16);
  CHECK(BlockCache::block_size(16) == 16);
  CHECK(BlockCache::block_size(17) == 32);
  CHECK(BlockCache::block_size(256) == 256);
  CHECK(BlockCache::block_size(257) == 257);
}

TEST_CASE("BlockCache keeps nothing until opened, and gives a freed block to the next request of its class",
          "[block_cache]") {
  BlockCache cache;
  void* a = take(&cache, 40);
  cache.push(a, 40);  // closed: freed
  CHECK(cache.cached_bytes() == 0);
  CHECK(cache.pop(40) == nullptr);

  cache.open();
  void* b = take(&cache, 40);
  cache.push(b, 40);
  CHECK(cache.cached_bytes() == 48);
  CHECK(cache.pop(20) == nullptr);  // another class
  CHECK(cache.pop(300) == nullptr);
  CHECK(cache.pop(33) == b);  // 33..48 bytes share the class
  CHECK(cache.pop(40) == nullptr);
  cache.push(b, 48);
  cache.close();
  CHECK(cache.cached_bytes() == 0);
}

TEST_CASE("BlockCache bounds what each class keeps, and close() gives everything back", "[block_cache]") {
  BlockCache cache;
  cache.open();
  size_t bound = 0;  // each class keeps as many whole blocks as fit in kBytesPerClass
  for (size_t n : {1, 100, 256}) {
    bound += BlockCache::kBytesPerClass / BlockCache::block_size(n) * BlockCache::block_size(n);
    std::vector<void*> blocks;
    for (int i = 0; i < 5000; ++i) blocks.push_back(take(&cache, n));
    std::set<void*> distinct(blocks.begin(), blocks.end());
    CHECK(distinct.size() == blocks.size());  // no block handed out twice
    for (void* p : blocks) cache.push(p, n);
  }
  CHECK(cache.cached_bytes() == bound);
  cache.close();
  CHECK(cache.cached_bytes() == 0);
  void* p = take(&cache, 100);
  cache.push(p, 100);  // closed again: freed
  CHECK(cache.cached_bytes() == 0);
}

TEST_CASE("BlockCache files an unsized free under a class its block can serve", "[block_cache]") {
  BlockCache cache;
  cache.open();
  for (size_t n = 1; n <= BlockCache::kLargest; ++n) {
    void* p = take(&cache, n);
    cache.push_unsized(p);
    // Under glibc the block returns to its own class; under another allocator (the sanitizers') perhaps to a
    // smaller one, never to a larger one.
    void* again = nullptr;
    for (size_t m = BlockCache::block_size(n); m >= 1 && again == nullptr; m -= BlockCache::kGranule) {
      again = cache.pop(m);
      if (m <= BlockCache::kGranule) break;
    }
    if (again != nullptr) {
      CHECK(again == p);
      std::free(again);
    } else {
      CHECK(cache.cached_bytes() == 0);  // freed: too small to file
    }
  }
  void* large = std::malloc(1000);
  cache.push_unsized(large);
  CHECK(cache.cached_bytes() == 0);
  cache.push_unsized(nullptr);
  cache.close();
}
