// Checks mailveil-host's operator new and delete (native_host/src/new_delete.cpp), linked here as in the executable:
// - every block holds the bytes asked for, whichever way it is freed (sized, unsized, arrays);
// - a thread's cached blocks go back to malloc when the thread exits;
// - the blocks a thread keeps do not grow with how many it frees (BlockCache's bound).
// Prints what failed and exits 1; run by ctest (tests/CMakeLists.txt).

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "block_cache.h"

namespace {

using mailveil::BlockCache;

int failures = 0;

void check(bool ok, const char* what, long long value) {
  if (ok) return;
  std::fprintf(stderr, "FAILED: %s (%lld)\n", what, value);
  ++failures;
}

long long in_use() {
  return static_cast<long long>(mallinfo2().uordblks);
}

/// Allocates `rounds` blocks of each size from 0 to 300 bytes, fills each, checks each, and frees them: sized
/// (std::string, vectors), unsized (unique_ptr<char[]> and a plain delete) and through new[] alike.
void churn(int rounds) {
  std::vector<std::pair<char*, size_t>> blocks;
  for (int r = 0; r < rounds; ++r) {
    for (size_t n = 0; n <= 300; ++n) {
      char* p = static_cast<char*>(::operator new(n));
      std::memset(p, static_cast<int>(n & 0xff), n);
      blocks.emplace_back(p, n);
    }
  }
  for (auto& [p, n] : blocks) {
    const bool whole = std::all_of(p, p + n, [n](char c) { return static_cast<unsigned char>(c) == (n & 0xff); });
    if (!whole) {
      check(false, "a block was handed out twice (its bytes changed; size asked)", static_cast<long long>(n));
      break;
    }
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    auto [p, n] = blocks[i];
    if (i % 2 == 0) {
      ::operator delete(p, n);
    } else {
      ::operator delete(p);
    }
  }
  for (int r = 0; r < rounds; ++r) {
    std::unique_ptr<char[]> a(new char[1 + r % 200]);
    std::string s(static_cast<size_t>(20 + r % 100), 'x');
    a[0] = s[0];
  }
}

}  // namespace

int main() {
  churn(50);  // the main thread's cache fills up to its bound
  const long long before = in_use();

  // 16 threads, one after another, each filling its own cache: without the return at exit they would keep
  // 16 × (up to 544 KiB) between them.
  for (int t = 0; t < 16; ++t) std::thread([] { churn(200); }).join();
  const long long kept_by_threads = in_use() - before;
  check(kept_by_threads < 128 * 1024, "blocks of exited threads were not given back (bytes still in use)",
        kept_by_threads);

  // This thread's cache was filled up to its bound by the first churn: freeing eight times as many blocks now
  // keeps no more (but for what glibc's own per-thread cache keeps, up to 7 chunks of each size: some 50 KiB
  // here). An unbounded cache would keep 10 MB more.
  churn(400);
  const long long kept_here = in_use() - before;
  check(kept_here < static_cast<long long>(4 * BlockCache::kBytesPerClass),
        "the main thread kept more blocks past its cache's bound (bytes in use)", kept_here);

  if (failures == 0) std::puts("new_delete_probe: ok");
  return failures == 0 ? 0 : 1;
}
