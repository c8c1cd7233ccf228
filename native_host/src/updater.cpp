#include "updater.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "matcher.h"
#include "paths.h"

namespace mailveil {
namespace {

constexpr uint64_t kMaxSignatureBytes = 4096;
constexpr auto kProgressInterval = std::chrono::milliseconds(100);

UpdateOutcome failure(const ActiveList& current, std::string message, ErrorCode code = ErrorCode::kUpdateFailed) {
  UpdateOutcome out;
  out.ok = false;
  out.message = std::move(message);
  out.error_code = code;
  out.active = current;
  return out;
}

/// Why a downloaded list is refused as a whole, or empty when it is acceptable.
std::string strict_check(const SignatureList& list) {
  if (!list.skipped.empty()) {
    std::string out = "the downloaded list has " + std::to_string(list.skipped.size()) + " invalid entr" +
                      (list.skipped.size() == 1 ? "y" : "ies") + " (";
    size_t shown = std::min<size_t>(list.skipped.size(), 3);
    for (size_t i = 0; i < shown; ++i) {
      const EntryError& e = list.skipped[i];
      if (i) out += "; ";
      out += "entry " + std::to_string(e.index);
      if (!e.id.empty()) out += " '" + e.id + "'";
      out += ": " + e.reason;
    }
    if (shown < list.skipped.size()) out += "; …";
    return out + ") — refusing it";
  }
  int64_t published = 0;
  int64_t expires = 0;
  if (!parse_iso_date(list.published, &published)) {
    return "the downloaded list has no valid 'published' date (YYYY-MM-DD) — refusing it";
  }
  // Without an end date a replayed list would look current forever (freeze attack).
  if (!parse_iso_date(list.expires, &expires) || expires < published) {
    return "the downloaded list has no valid 'expires' date (YYYY-MM-DD, not before 'published') — refusing it";
  }
  if (list.trackers.empty()) return "the downloaded list has no tracker entries — refusing it";
  // Patterns that each compile can still be too large together: build the matcher the host would serve.
  std::shared_ptr<const SignatureList> view(std::shared_ptr<const SignatureList>(), &list);  // non-owning
  Matcher matcher(view, MatcherCompile::kEager);
  if (!matcher.set_errors().empty()) {
    return "the downloaded list's patterns do not compile together (" + matcher.set_errors().front() +
           ") — refusing it";
  }
  return {};
}

/// Rate-limits progress callbacks (each one becomes a frame to the extension).
class ProgressThrottle {
 public:
  explicit ProgressThrottle(const ProgressFn& target) : target_(target) {}
  void operator()(uint64_t received, uint64_t total) {
    if (!target_) return;
    auto now = std::chrono::steady_clock::now();
    if (received == last_received_) return;
    if (now - last_ < kProgressInterval && !(total > 0 && received == total)) return;
    last_ = now;
    last_received_ = received;
    target_(received, total);
  }
  void finish(uint64_t size) {
    if (target_ && last_received_ != size) target_(size, size);
    last_received_ = size;
  }

 private:
  const ProgressFn& target_;
  std::chrono::steady_clock::time_point last_{};
  uint64_t last_received_ = 0;
};

HttpRequest base_request(const UpdateConfig& config, const std::string& url, uint64_t max_bytes) {
  HttpRequest r;
  r.url = url;
  r.connect_timeout_seconds = std::min(config.connect_timeout_seconds, config.timeout_seconds);
  r.timeout_seconds = config.timeout_seconds;
  r.stall_seconds = config.stall_seconds;
  r.max_bytes = max_bytes;
  r.allow_loopback_http = config.allow_loopback_http;
  return r;
}

}  // namespace

std::string high_water_path(const UpdateConfig& config) {
  if (!config.high_water_path.empty()) return config.high_water_path;
  std::string dir = config.store_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const size_t slash = dir.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : dir.substr(0, slash);
  return parent + "/" + kHighWaterFileName;
}

UpdateConfig default_update_config() {
  UpdateConfig c;
  const char* url = std::getenv("MAILVEIL_UPDATE_URL");
  c.list_url = (url && *url) ? url : kDefaultUpdateUrl;
  c.store_dir = signature_store_dir();
  c.bundled_path = bundled_signatures_path();
  return c;
}

UpdateOutcome update_signatures(const UpdateConfig& config, const ActiveList& current, const ProgressFn& progress) {
  auto http = make_curl_http_client();
  return update_signatures(config, current, progress, *http);
}

UpdateOutcome update_signatures(const UpdateConfig& config, const ActiveList& current, const ProgressFn& progress,
                                HttpClient& http) {
  std::string err;
  // Scheme rules first: nothing touches the network or the disk for a forbidden URL.
  if (!check_update_url(config.list_url, config.allow_loopback_http, &err)) return failure(current, err);

  StoreLock lock;
  bool busy = false;
  if (!lock.acquire(config.store_dir, &busy, &err)) {
    return failure(current, busy ? err : "cannot update: " + err,
                   busy ? ErrorCode::kUpdateInProgress : ErrorCode::kUpdateFailed);
  }
  StorePaths paths(config.store_dir);

  // What is installed: never go below the served list nor below the store's own current list (another
  // process may have installed a newer one since this host started).
  StoredList installed;
  std::string ignored;
  const bool have_installed = read_verified_list(paths.current, config.trusted_keys, &installed, &ignored);
  int64_t baseline = current.list ? current.list->list_version : 0;
  if (have_installed) baseline = std::max(baseline, installed.list->list_version);
  // Nor below the newest list ever accepted (kept outside the store, so that it survives a lost store or a
  // rollback): an attacker replaying an older signed list gets nowhere. Only --rollback goes below it.
  const std::string hwm_path = high_water_path(config);
  int64_t high_water = read_high_water_mark(hwm_path);
  if (have_installed && installed.list->list_version > high_water) {
    // A store from before the mark existed: record what it holds.
    high_water = installed.list->list_version;
    write_high_water_mark(hwm_path, high_water, config.write_file, &ignored);
  }

  HttpRequest request = base_request(config, config.list_url, config.max_bytes);
  UpdateState state;
  if (have_installed && read_update_state(config.store_dir, &state) && state.url == config.list_url &&
      state.list_version == installed.list->list_version) {
    request.if_none_match = state.etag;
    request.if_modified_since = state.last_modified;
  }

  ProgressThrottle throttle(progress);
  HttpResponse response;
  if (!http.get(
          request, [&](uint64_t r, uint64_t t) { throttle(r, t); }, &response, &err)) {
    return failure(current, err);
  }
  if (response.status == 304) {
    if (request.if_none_match.empty() && request.if_modified_since.empty()) {
      return failure(current, "download failed: unexpected HTTP 304 (not modified) from " + config.list_url +
                                  " although no copy was offered");
    }
    UpdateOutcome out;
    out.ok = true;
    out.status = UpdateStatus::kNotModified;
    out.active = current;
    return out;
  }
  if (response.status != 200) {
    return failure(current, "download failed: HTTP " + std::to_string(response.status) + " from " + config.list_url);
  }
  throttle.finish(response.body.size());

  const std::string sig_url = config.list_url + ".sig";
  HttpResponse sig_response;
  if (!http.get(base_request(config, sig_url, kMaxSignatureBytes), {}, &sig_response, &err)) {
    return failure(current, err);
  }
  if (sig_response.status != 200) {
    return failure(current, "download failed: HTTP " + std::to_string(sig_response.status) + " from " + sig_url);
  }

  if (!verify_signature(response.body, sig_response.body, config.trusted_keys, &err)) {
    return failure(current, err + " — refusing it");
  }
  std::shared_ptr<SignatureList> list = parse_signature_list(response.body, &err);
  if (!list) return failure(current, "the downloaded list is unusable: " + err + " — refusing it");
  if (std::string why = strict_check(*list); !why.empty()) return failure(current, why);

  UpdateState new_state{config.list_url, response.etag, response.last_modified, list->list_version};
  if (list->list_version < baseline) {
    return failure(current, "list version " + std::to_string(list->list_version) + " is older than the installed " +
                                std::to_string(baseline) + " — refusing downgrade");
  }
  if (list->list_version < high_water) {
    return failure(current, "list version " + std::to_string(list->list_version) + " is older than " +
                                std::to_string(high_water) +
                                ", the newest list this host has accepted (a replayed old list?) — refusing it; "
                                "only 'update --rollback' goes back");
  }
  if (list->list_version == baseline) {
    // Same list again (a server without validators): nothing to install. Remember the validators when they
    // describe the stored copy, so that the next check is a conditional request.
    if (have_installed && installed.list->list_version == baseline) {
      write_update_state(config.store_dir, new_state, config.write_file, &ignored);
    }
    UpdateOutcome out;
    out.ok = true;
    out.status = UpdateStatus::kNotModified;
    out.active = current;
    return out;
  }

  // The mark first: should the install then fail, the same list is still accepted next time (equal, not older).
  if (list->list_version > high_water &&
      !write_high_water_mark(hwm_path, list->list_version, config.write_file, &err)) {
    return failure(current, "cannot record the list version: " + err + " — the previous list stays in use");
  }
  if (!install_list(config.store_dir, response.body, sig_response.body, have_installed, config.write_file, &err)) {
    return failure(current, "cannot install the list: " + err + " — the previous list stays in use");
  }
  // Only an optimisation for the next check: a failure here is not a failed update.
  if (!write_update_state(config.store_dir, new_state, config.write_file, &ignored)) {
    remove_file(paths.state, &ignored);
  }

  UpdateOutcome out;
  out.ok = true;
  out.status = UpdateStatus::kUpdated;
  std::string cache_note;
  out.active.list = cache_installed_list(config.store_dir, response.body, *list, config.write_file, &cache_note);
  if (!cache_note.empty()) out.active.warnings.push_back(cache_note);
  out.active.source = ListSource::kUpdated;
  out.active.path = paths.current;
  out.active.previous_available = have_installed || file_exists(config.bundled_path);
  attach_user_list(config.store_dir, &out.active);
  return out;
}

UpdateOutcome rollback_signatures(const UpdateConfig& config, const ActiveList& current) {
  StorePaths paths(config.store_dir);
  if (!file_exists(paths.previous) && !file_exists(paths.current)) {
    return failure(current, "no previous list is kept — nothing to roll back", ErrorCode::kNothingToRollback);
  }
  StoreLock lock;
  bool busy = false;
  std::string err;
  if (!lock.acquire(config.store_dir, &busy, &err)) {
    return failure(current, busy ? err : "cannot roll back: " + err,
                   busy ? ErrorCode::kUpdateInProgress : ErrorCode::kUpdateFailed);
  }
  if (file_exists(paths.previous)) {
    StoredList previous;
    if (!read_verified_list(paths.previous, config.trusted_keys, &previous, &err)) {
      return failure(current, "the previous list cannot be restored: " + err);
    }
  } else if (!file_exists(config.bundled_path)) {
    return failure(current, "no previous list is kept — nothing to roll back", ErrorCode::kNothingToRollback);
  }
  if (!restore_previous(config.store_dir, &err)) {
    return failure(current, "rollback failed: " + err);
  }
  // The validators belong to the list just discarded: the next update must fetch in full.
  std::string ignored;
  remove_file(paths.state, &ignored);

  UpdateOutcome out;
  out.active = load_active_list(config.store_dir, config.bundled_path, config.trusted_keys, &err);
  if (out.active.source == ListSource::kNone) return failure(current, "rollback left no usable list: " + err);
  out.ok = true;
  out.status = UpdateStatus::kRolledBack;
  return out;
}

}  // namespace mailveil
