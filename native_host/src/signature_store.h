/// The on-disk store of downloaded signature lists: current + previous, with detached signatures.
/// Owned by the updater work (issue #4); the host only calls load_active_list() at start-up.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "atomic_file.h"
#include "codes.h"
#include "compiled_list.h"
#include "signature_list.h"
#include "signing.h"

namespace mailveil {

/// The list the host should serve, and where it came from.
///
/// User list (docs/updates.md): a list the user imported locally (`mailveil-host update --import-abp FILE`)
/// is kept apart from the signed list and served *after* it: for a URL, the host asks `list` first; only when
/// that finds nothing, and no entry of `user_exceptions` matches the URL, does it ask `user_list`. Exceptions
/// never override the signed list. Both user parts are separate compiled lists, so each gets its own Matcher
/// (isolating a huge imported list from the signed one).
///
/// Every list is served in its compiled form (compiled_list.h), read from its cache file in the store when that
/// is valid and rebuilt from the JSON otherwise (docs/updates.md, "The compiled cache").
struct ActiveList {
  std::shared_ptr<const CompiledList> list;
  ListSource source = ListSource::kNone;                ///< kNone when nothing could be loaded
  std::string path;                                     ///< file it was read from
  bool previous_available = false;                      ///< a rollback target exists
  std::shared_ptr<const CompiledList> user_list;        ///< imported entries; null when none
  std::shared_ptr<const CompiledList> user_exceptions;  ///< imported `@@` exceptions; null when none
  std::string user_path;                                ///< file the user list came from
  std::vector<std::string> warnings;  ///< problems that did not stop loading (e.g. a tampered current list)
  std::vector<std::string> notes;     ///< informational: which compiled caches were rebuilt, and why
};

/// Loads the newest valid list: the store's verified current list when present and newer than the bundled
/// one, else the bundled list. Never throws; on total failure returns an empty list and sets *err.
ActiveList load_active_list(const std::string& store_dir, const std::string& bundled_path, std::string* err);

/// As above, trusting `keys` instead of compiled_in_keys() (tests pass the test-only key here).
/// The store's current list is re-verified (signature, then parse); when it fails the previous list is tried,
/// then the bundled one (which ships with the binary and is trusted without a signature).
ActiveList load_active_list(const std::string& store_dir, const std::string& bundled_path,
                            const std::vector<PublicKey>& keys, std::string* err);

/// File names inside the store directory.
struct StorePaths {
  explicit StorePaths(const std::string& dir);
  std::string dir;
  std::string current;        ///< current.json
  std::string current_sig;    ///< current.json.sig
  std::string previous;       ///< previous.json
  std::string previous_sig;   ///< previous.json.sig
  std::string state;          ///< state.json: conditional-request validators of the last download
  std::string user;           ///< user.json: the imported user list (unsigned)
  std::string lock;           ///< .lock: flock()ed while the store is modified
  std::string bundled_cache;  ///< bundled.cache: the compiled bundled list (which lives outside the store)
  std::string user_cache;     ///< user.cache: the compiled user list
};

/// The compiled cache file of a list in the store: current.json -> current.cache, previous.json ->
/// previous.cache (any other path: path + ".cache").
std::string cache_path_for(const std::string& json_path);

/// Largest list file the store reads (the download cap is separate and smaller).
inline constexpr uint64_t kMaxStoredListBytes = 64u << 20;

/// A list read from the store whose signature verified.
struct StoredList {
  std::shared_ptr<const CompiledList> list;
  std::string bytes;
  std::string signature;
  std::string cache_note;  ///< when the compiled cache was rebuilt: which and why ("" when it was used)
};

/// Reads `json_path` and `json_path + ".sig"` and verifies the signature against `keys`; then takes the compiled
/// list from the cache beside it (cache_path_for) when that was compiled from these very bytes by this build,
/// else parses leniently, compiles, and rewrites the cache (best effort).
bool read_verified_list(const std::string& json_path, const std::vector<PublicKey>& keys, StoredList* out,
                        std::string* err);

/// Compiles a list just installed as current.json (its bytes and their parse), writes current.cache (best
/// effort: a failure is returned in *note) and returns the compiled list.
std::shared_ptr<const CompiledList> cache_installed_list(const std::string& store_dir, std::string_view list_bytes,
                                                         const SignatureList& list, const WriteFileFn& write,
                                                         std::string* note);

/// Installs a verified list as current. The new files are first written beside the old ones
/// (current.json.new, current.json.sig.new) with `write`; only when both are on disk are the renames done:
/// current -> previous (when keep_current_as_previous; otherwise the old previous stays), new -> current,
/// then the directory is fsync'ed. A failed write leaves the store exactly as it was.
bool install_list(const std::string& store_dir, std::string_view list_bytes, std::string_view signature,
                  bool keep_current_as_previous, const WriteFileFn& write, std::string* err);

/// Makes previous the current list (the old current is discarded), or, when no previous list is kept,
/// removes the current one so that the bundled list is served again.
bool restore_previous(const std::string& store_dir, std::string* err);

/// Validators and origin of the last successful download (state.json).
struct UpdateState {
  std::string url;
  std::string etag;
  std::string last_modified;
  int64_t list_version = 0;  ///< the list these validators belong to
};

/// Reads state.json; false when missing or unreadable (then *state is default).
bool read_update_state(const std::string& store_dir, UpdateState* state);
/// Writes state.json with `write`.
bool write_update_state(const std::string& store_dir, const UpdateState& state, const WriteFileFn& write,
                        std::string* err);

/// The high-water mark: the newest list version this host ever accepted from a download. Kept beside the store
/// (UpdateConfig::high_water_path), not in it, so that deleting the store does not reset it.
inline constexpr char kHighWaterFileName[] = "signature-high-water.json";
/// The recorded version, 0 when there is none (or the file is unreadable).
int64_t read_high_water_mark(const std::string& path);
/// Records `list_version` with `write` (durable, atomic). The caller only ever raises it.
bool write_high_water_mark(const std::string& path, int64_t list_version, const WriteFileFn& write, std::string* err);

/// Stores a user list (JSON text, docs/updates.md) as user.json with `write`, and its compiled cache user.cache
/// (parsed from the text; a failure to write the cache is not an error: the host rebuilds it at its next start).
bool install_user_list(const std::string& store_dir, std::string_view json_text, const WriteFileFn& write,
                       std::string* err);
/// As above with the text already parsed by parse_user_list (the importer checks it that way first).
bool install_user_list(const std::string& store_dir, std::string_view json_text, const SignatureList& trackers,
                       const SignatureList* exceptions, const WriteFileFn& write, std::string* err);
/// Removes user.json and its cache; true when it was absent already.
bool remove_user_list(const std::string& store_dir, std::string* err);

/// Parses a user list file: our list format, plus an optional top-level `exceptions` array whose entries
/// have the tracker entry schema. Invalid entries are skipped (recorded in each list's `skipped`).
/// False with *err when the file as a whole is unusable.
bool parse_user_list(std::string_view json_text, std::shared_ptr<SignatureList>* trackers,
                     std::shared_ptr<SignatureList>* exceptions, std::string* err);

/// Loads the store's user list (if any) into active->user_list / user_exceptions / user_path, from user.cache
/// when it was compiled from this user.json by this build, else from user.json (rebuilding the cache). Problems
/// go to active->warnings (a broken user list never stops the signed list from being served); a cache that could
/// not be used never costs the user's rules: they are compiled from the JSON instead.
void attach_user_list(const std::string& store_dir, ActiveList* active);

/// Exclusive, non-blocking lock on the store (flock on StorePaths::lock), released on destruction.
class StoreLock {
 public:
  StoreLock() = default;
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;
  /// Creates the store directory if needed and takes the lock. False with *err; *busy tells whether
  /// another process or thread holds it.
  bool acquire(const std::string& store_dir, bool* busy, std::string* err);

 private:
  int fd_ = -1;
};

}  // namespace mailveil
