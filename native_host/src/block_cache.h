/// A per-thread cache of small freed blocks in front of malloc, for the host's operator new (new_delete.cpp).
///
/// A request of a 60-element mail makes about 2,800 allocations, nearly all under 256 bytes (the strings and
/// nodes of parsed URLs, leaks and reasons), and frees them before the reply. glibc's own per-thread cache keeps
/// only 7 blocks of each size, so most of them went through malloc's bins and locks: about a tenth of a
/// request's instructions. Here a freed block of up to kLargest bytes goes on a list of its size class, and the
/// next allocation of that class pops it.
///
/// Every block comes from malloc, rounded up to its class, so a cached block can always go back to free(). Each
/// of the 16 classes keeps at most kBytesPerClass bytes of blocks: a thread never holds more than 512 KiB that
/// malloc could have reused elsewhere (more by malloc's own headers, 16 bytes a block).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mailveil {

class BlockCache {
 public:
  static constexpr size_t kGranule = 16;  ///< glibc's chunk alignment: class c holds blocks of c × 16 bytes
  static constexpr size_t kLargest = 256;
  static constexpr size_t kClasses = kLargest / kGranule + 1;  ///< class 0 is unused
  static constexpr size_t kBytesPerClass = 32 * 1024;

  /// Constant-initialised: a thread_local BlockCache needs no guard on each access, and caches nothing until
  /// open() gives it its limits.
  constexpr BlockCache() = default;

  /// What to ask malloc for, for a block of n bytes: n rounded up to its class (at least 1 byte for n = 0).
  static size_t block_size(size_t n) { return is_small(n) ? class_of(n) * kGranule : (n == 0 ? 1 : n); }

  /// A cached block of at least n bytes, or nullptr (then allocate block_size(n) bytes with malloc).
  void* pop(size_t n) {
    if (!is_small(n)) return nullptr;
    const size_t c = class_of(n);
    Node* p = head_[c];
    if (p == nullptr) return nullptr;
    head_[c] = p->next;
    --count_[c];
    return p;
  }

  /// Takes back a block that pop() or malloc(block_size(n)) gave for n bytes: cached, or freed when its class
  /// is full, too large, or the cache is closed.
  void push(void* p, size_t n) {
    if (p == nullptr) return;
    if (is_small(n) && keep(p, class_of(n))) return;
    free_block(p);
  }

  /// The same, for a block whose requested size is unknown (unsized delete): its class is read from the size
  /// malloc gave it, rounded down, so that the block holds at least as many bytes as its class promises.
  void push_unsized(void* p);

  /// Starts caching: each class may keep up to kBytesPerClass bytes.
  void open();
  /// Frees every cached block and stops caching (a thread that exits); later pushes go straight to free().
  void close();

  /// Bytes held in the lists (for tests).
  size_t cached_bytes() const;

 private:
  struct Node {
    Node* next;
  };

  static bool is_small(size_t n) { return n - 1 < kLargest; }  // 1..kLargest; n = 0 wraps around
  static size_t class_of(size_t n) { return (n + kGranule - 1) / kGranule; }
  bool keep(void* p, size_t c) {
    if (count_[c] >= limit_[c]) return false;
    Node* node = static_cast<Node*>(p);
    node->next = head_[c];
    head_[c] = node;
    ++count_[c];
    return true;
  }
  static void free_block(void* p);

  Node* head_[kClasses] = {};
  uint32_t count_[kClasses] = {};
  uint32_t limit_[kClasses] = {};  ///< 0 until open(), and again after close()
};

}  // namespace mailveil
