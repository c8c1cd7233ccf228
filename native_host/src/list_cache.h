/// Cache files of compiled lists (compiled_list.h), kept next to the lists in the signature store
/// (docs/updates.md, "The compiled cache"). A cache file is a header and one or two compiled lists (a user list
/// has its exceptions as a second part). It is bound to:
///
///   - this format (magic + kCompiledFormatVersion),
///   - the build that wrote it (this_build_id()),
///   - its source list: the SHA-256 of the list's bytes, and the file's identity (size, mtime, ctime, inode,
///     device) when it was written, so that a start-up can tell an unchanged source by one stat(),
///
/// and checksummed as a whole. It is mapped read-only and served in place: no JSON parse, no regex compile.
/// The policy (when to trust a cache, rebuild it, and what to log) is signature_store's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "atomic_file.h"
#include "compiled_list.h"

namespace mailveil {

/// The version of the cache file format. Bump it whenever what a cache file holds changes in layout or meaning:
/// the header below, the compiled list's records or sections (compiled_list.h), what compile_list() derives from
/// a list (indexes, regex gates, the plain-pattern grammar), or a field added to Tracker or SignatureList (the
/// static_asserts in compiled_list.cpp stop the build until the field is carried). Caches of another version are
/// rebuilt from their JSON at the next start.
inline constexpr uint32_t kCompiledFormatVersion = 6;

/// Which file a cache was compiled from, as stat() describes it.
struct SourceIdentity {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t inode = 0;
  uint64_t device = 0;
  bool operator==(const SourceIdentity&) const = default;
};

/// stat() of a file as a SourceIdentity; false when it cannot be read.
bool source_identity(const std::string& path, SourceIdentity* out);

/// Reads a whole file (at most max_bytes) and the identity of exactly what was read (fstat of the descriptor
/// after reading): a cache then never claims the identity of a file that replaced its source meanwhile.
bool read_source(const std::string& path, uint64_t max_bytes, std::string* bytes, SourceIdentity* identity,
                 std::string* err);

/// SHA-256 of a list's bytes (raw, 32 bytes).
std::string source_hash(std::string_view bytes);

/// What a cache file is bound to.
struct CacheBinding {
  std::string build_id;       ///< this_build_id() of the writer
  std::string source_sha256;  ///< raw
  SourceIdentity identity;    ///< of the source file when the cache was written
};

/// The compiled lists a cache file holds.
struct CachedLists {
  std::shared_ptr<const CompiledList> list;
  std::shared_ptr<const CompiledList> exceptions;  ///< user lists only; may be null
};

/// The bytes of a cache file for `lists` bound to `binding`.
std::string cache_file_bytes(const CacheBinding& binding, const CachedLists& lists);

/// Writes a cache file with `write` (atomically: write_file_atomic by default).
bool write_list_cache(const std::string& path, const CacheBinding& binding, const CachedLists& lists,
                      const WriteFileFn& write, std::string* err);

/// Why a cache file was not used.
enum class CacheProblem {
  kNone,
  kMissing,      ///< no cache file
  kOtherFormat,  ///< another cache format version (an older or newer host)
  kOtherBuild,   ///< written by another build of the host
  kCorrupt,      ///< unreadable, truncated, bad checksum or bad structure
};

/// Maps and checks a cache file: magic, format version, build (`build_id`), size, checksum, then the compiled
/// lists. On success fills *lists and *binding (what it is bound to; the caller compares the source). On failure
/// *why says what was wrong, e.g. "truncated (12 of 4096 bytes)".
CacheProblem read_list_cache(const std::string& path, std::string_view build_id, CachedLists* lists,
                             CacheBinding* binding, std::string* why);

}  // namespace mailveil
