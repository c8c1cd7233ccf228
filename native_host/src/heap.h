/// How the browser host uses malloc's heap: its first request should not pay for fresh pages.
#pragma once

#include <cstddef>

namespace mailveil {

/// Bytes free at the heap's top that serve_heap_policy() keeps mapped, and bytes prefault_heap() writes.
inline constexpr size_t kKeptHeap = 4u << 20;
inline constexpr size_t kPrefaultedHeap = 1u << 20;

/// The browser host's malloc settings, set once its list is loaded (they turn malloc's adaptive thresholds off):
/// - blocks under 1 MiB (a request's buffers) come from the heap, larger ones are mapped and unmapped;
/// - up to kKeptHeap bytes free at the top of the heap stay mapped instead of being given back after each request.
/// A fresh page costs a fault when first written (15–25 µs each on the test VM; the first request of a 60-element
/// mail wrote about 60). Returns false when malloc refused a setting (another allocator: nothing to tune).
bool serve_heap_policy();

/// Grows the calling thread's heap by `bytes`, writes one byte per page, and frees it, so that the next requests
/// on that thread find those pages mapped (with serve_heap_policy(), they stay mapped). Returns the pages written.
size_t prefault_heap(size_t bytes = kPrefaultedHeap);

}  // namespace mailveil
