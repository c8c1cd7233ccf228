/// Signature list updates: download (libcurl), verify (Ed25519, schema, RE2), atomic install, rollback.
/// Implemented by the updater work (issue #4).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "atomic_file.h"
#include "codes.h"
#include "http_client.h"
#include "signature_store.h"
#include "signing.h"

namespace mailveil {

/// Called while downloading; total is 0 when unknown. Throttled to about ten calls a second, plus a final
/// call with received == total once the list has arrived. (Same type as TransferProgressFn.)
using ProgressFn = std::function<void(uint64_t received, uint64_t total)>;

/// The project's list URL; the detached signature is the same URL + ".sig".
inline constexpr char kDefaultUpdateUrl[] = "https://signatures.mailveil.org/v1/trackers.json";

/// Outcome of update or rollback. On failure `active` is the unchanged previous state.
struct UpdateOutcome {
  bool ok = false;
  UpdateStatus status = UpdateStatus::kNotModified;  ///< on success
  std::string message;                               ///< human-readable reason on failure
  ErrorCode error_code =
      ErrorCode::kUpdateFailed;  ///< on failure: kUpdateFailed, kNothingToRollback, kUpdateInProgress
  ActiveList active;             ///< the list to serve from now on
};

/// Settings; default_update_config() fills them from the environment and paths.h.
struct UpdateConfig {
  std::string list_url;      ///< $MAILVEIL_UPDATE_URL or the project's default HTTPS URL
  std::string store_dir;     ///< signature_store_dir()
  std::string bundled_path;  ///< bundled_signatures_path()
  /// The high-water mark file (the newest list version ever accepted); empty: kHighWaterFileName beside the
  /// store directory, i.e. data_dir()/signature-high-water.json, outside the store so that it outlives it.
  std::string high_water_path;
  long timeout_seconds = 30;
  uint64_t max_bytes = 8u << 20;
  bool allow_loopback_http = false;  ///< tests only: plain http to 127.0.0.1
  long connect_timeout_seconds = 10;
  long stall_seconds = 15;  ///< abort when no byte arrives for this long
  /// Keys a downloaded list may be signed with. Only code sets this (tests add the test-only key); the host
  /// keeps the compiled-in keys.
  std::vector<PublicKey> trusted_keys = compiled_in_keys();
  WriteFileFn write_file;  ///< writer for store files; empty = write_file_atomic (tests inject failures)
};

UpdateConfig default_update_config();

/// Where `config` keeps its high-water mark (see UpdateConfig::high_water_path).
std::string high_water_path(const UpdateConfig& config);

/// Downloads, verifies and installs a newer list. `current` is the list being served (for downgrade checks).
UpdateOutcome update_signatures(const UpdateConfig& config, const ActiveList& current, const ProgressFn& progress);

/// As above with an explicit HTTP client (tests use fakes).
UpdateOutcome update_signatures(const UpdateConfig& config, const ActiveList& current, const ProgressFn& progress,
                                HttpClient& http);

/// Restores the previous list, if one is kept.
UpdateOutcome rollback_signatures(const UpdateConfig& config, const ActiveList& current);

}  // namespace mailveil
