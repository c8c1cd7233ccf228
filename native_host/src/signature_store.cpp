#include "signature_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace mailveil {
namespace {

using nlohmann::json;

const WriteFileFn& writer_or_default(const WriteFileFn& write) {
  static const WriteFileFn kDefault = write_file_atomic;
  return write ? write : kDefault;
}

std::string describe_skipped(const SignatureList& list) {
  std::string out =
      std::to_string(list.skipped.size()) + " entr" + (list.skipped.size() == 1 ? "y" : "ies") + " skipped";
  const EntryError& first = list.skipped.front();
  out += " (first: entry " + std::to_string(first.index);
  if (!first.id.empty()) out += " '" + first.id + "'";
  out += ": " + first.reason + ")";
  return out;
}

}  // namespace

StorePaths::StorePaths(const std::string& d)
    : dir(d),
      current(d + "/current.json"),
      current_sig(d + "/current.json.sig"),
      previous(d + "/previous.json"),
      previous_sig(d + "/previous.json.sig"),
      state(d + "/state.json"),
      user(d + "/user.json"),
      lock(d + "/.lock") {}

bool read_verified_list(const std::string& json_path, const std::vector<PublicKey>& keys, StoredList* out,
                        std::string* err) {
  std::string e;
  if (!read_file(json_path, kMaxStoredListBytes, &out->bytes, &e)) {
    *err = e;
    return false;
  }
  if (!read_file(json_path + ".sig", 4096, &out->signature, &e)) {
    *err = "no usable signature for " + json_path + " (" + e + ")";
    return false;
  }
  if (!verify_signature(out->bytes, out->signature, keys, &e)) {
    *err = json_path + ": " + e;
    return false;
  }
  // Signature checked above, and the full pattern check ran before it was installed: no regex work here keeps
  // start-up fast; the Matcher still leaves out a pattern that cannot be compiled.
  out->list = parse_signature_list(out->bytes, &e, PatternCheck::kDeferred);
  if (!out->list) {
    *err = json_path + ": " + e;
    return false;
  }
  return true;
}

bool install_list(const std::string& store_dir, std::string_view list_bytes, std::string_view signature,
                  bool keep_current_as_previous, const WriteFileFn& write_fn, std::string* err) {
  const WriteFileFn& write = writer_or_default(write_fn);
  StorePaths p(store_dir);
  if (!make_dirs(p.dir, err)) return false;
  const std::string new_list = p.current + ".new";
  const std::string new_sig = p.current_sig + ".new";
  std::string ignored;
  if (!write(new_list, list_bytes, err)) {
    remove_file(new_list, &ignored);
    return false;
  }
  if (!write(new_sig, signature, err)) {
    remove_file(new_list, &ignored);
    remove_file(new_sig, &ignored);
    return false;
  }
  // Both new files are durable: from here on only renames, which need no space.
  if (keep_current_as_previous && file_exists(p.current)) {
    if (!rename_file(p.current_sig, p.previous_sig, err) || !rename_file(p.current, p.previous, err)) return false;
  } else {
    // The current files (if any) failed verification: drop them, keep the previous list as it is.
    if (!remove_file(p.current_sig, err) || !remove_file(p.current, err)) return false;
  }
  if (!rename_file(new_list, p.current, err) || !rename_file(new_sig, p.current_sig, err)) return false;
  return sync_dir(p.dir, err);
}

bool restore_previous(const std::string& store_dir, std::string* err) {
  StorePaths p(store_dir);
  if (file_exists(p.previous)) {
    // Drop the signature first: a crash in between leaves an unverifiable current list, so the loader falls
    // back to the previous (or bundled) list, never to a half-restored one.
    if (!remove_file(p.current_sig, err) || !remove_file(p.current, err) || !rename_file(p.previous, p.current, err) ||
        !rename_file(p.previous_sig, p.current_sig, err)) {
      return false;
    }
  } else if (file_exists(p.current)) {
    if (!remove_file(p.current_sig, err) || !remove_file(p.current, err)) return false;
  } else {
    *err = "no previous list is kept — nothing to roll back";
    return false;
  }
  return sync_dir(p.dir, err);
}

bool read_update_state(const std::string& store_dir, UpdateState* state) {
  *state = UpdateState{};
  std::string text;
  std::string e;
  if (!read_file(StorePaths(store_dir).state, 1 << 16, &text, &e)) return false;
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return false;
  auto str = [&](const char* key, std::string* out) {
    if (auto it = doc.find(key); it != doc.end() && it->is_string()) *out = it->get<std::string>();
  };
  str("url", &state->url);
  str("etag", &state->etag);
  str("last_modified", &state->last_modified);
  if (auto it = doc.find("list_version"); it != doc.end() && it->is_number_integer()) {
    state->list_version = it->get<int64_t>();
  }
  return true;
}

bool write_update_state(const std::string& store_dir, const UpdateState& state, const WriteFileFn& write,
                        std::string* err) {
  json doc = {{"url", state.url},
              {"etag", state.etag},
              {"last_modified", state.last_modified},
              {"list_version", state.list_version}};
  return writer_or_default(write)(StorePaths(store_dir).state, doc.dump(2) + "\n", err);
}

int64_t read_high_water_mark(const std::string& path) {
  std::string text;
  std::string e;
  if (!read_file(path, 1 << 16, &text, &e)) return 0;
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return 0;
  auto it = doc.find("list_version");
  return it != doc.end() && it->is_number_integer() ? std::max<int64_t>(0, it->get<int64_t>()) : 0;
}

bool write_high_water_mark(const std::string& path, int64_t list_version, const WriteFileFn& write, std::string* err) {
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0 && !make_dirs(path.substr(0, slash), err)) return false;
  json doc = {{"list_version", list_version},
              {"about",
               "the newest signature list this host has accepted; older ones are refused "
               "(docs/updates.md)"}};
  return writer_or_default(write)(path, doc.dump(2) + "\n", err);
}

bool install_user_list(const std::string& store_dir, std::string_view json_text, const WriteFileFn& write,
                       std::string* err) {
  if (!make_dirs(store_dir, err)) return false;
  return writer_or_default(write)(StorePaths(store_dir).user, json_text, err);
}

bool remove_user_list(const std::string& store_dir, std::string* err) {
  StorePaths p(store_dir);
  return remove_file(p.user, err) && (!file_exists(p.dir) || sync_dir(p.dir, err));
}

bool parse_user_list(std::string_view json_text, std::shared_ptr<SignatureList>* trackers,
                     std::shared_ptr<SignatureList>* exceptions, std::string* err) {
  json doc = json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    *err = "user list is not a JSON object";
    return false;
  }
  // Written by the importer, whose patterns compile by construction (docs/updates.md); should one not, the
  // Matcher leaves it out alone.
  *trackers = parse_signature_document(doc, err, PatternCheck::kDeferred);
  if (!*trackers) return false;
  exceptions->reset();
  auto it = doc.find("exceptions");
  if (it == doc.end()) return true;
  if (!it->is_array()) {
    *err = "user list: exceptions must be an array";
    return false;
  }
  // The exception entries share the tracker entry schema; validate them with the same loader.
  json wrapper = {{"format_version", kSignatureFormatVersion},
                  {"list_version", (*trackers)->list_version},
                  {"trackers", std::move(*it)}};
  *exceptions = parse_signature_document(wrapper, err, PatternCheck::kDeferred);
  if (!*exceptions) {
    *err = "user list exceptions: " + *err;
    return false;
  }
  return true;
}

void attach_user_list(const std::string& store_dir, ActiveList* active) {
  StorePaths p(store_dir);
  active->user_list.reset();
  active->user_exceptions.reset();
  active->user_path.clear();
  if (!file_exists(p.user)) return;
  std::string text;
  std::string e;
  std::shared_ptr<SignatureList> trackers;
  std::shared_ptr<SignatureList> exceptions;
  if (!read_file(p.user, kMaxStoredListBytes, &text, &e) || !parse_user_list(text, &trackers, &exceptions, &e)) {
    active->warnings.push_back("the imported user list was not loaded: " + e);
    return;
  }
  if (!trackers->skipped.empty()) {
    active->warnings.push_back("user list " + p.user + ": " + describe_skipped(*trackers));
  }
  if (exceptions && !exceptions->skipped.empty()) {
    active->warnings.push_back("user list exceptions: " + describe_skipped(*exceptions));
  }
  active->user_path = p.user;
  if (!trackers->trackers.empty()) active->user_list = std::move(trackers);
  if (exceptions && !exceptions->trackers.empty()) active->user_exceptions = std::move(exceptions);
}

ActiveList load_active_list(const std::string& store_dir, const std::string& bundled_path, std::string* err) {
  return load_active_list(store_dir, bundled_path, compiled_in_keys(), err);
}

ActiveList load_active_list(const std::string& store_dir, const std::string& bundled_path,
                            const std::vector<PublicKey>& keys, std::string* err) {
  ActiveList out;
  StorePaths p(store_dir);

  std::string bundled_err;
  // The bundled list ships with the binary and passed the full check in its tests; parsing its patterns still
  // reports a bad entry by index when $MAILVEIL_SIGNATURES names another file.
  std::shared_ptr<SignatureList> bundled = load_signature_list(bundled_path, &bundled_err, PatternCheck::kParse);

  StoredList current;
  StoredList previous;
  std::string e;
  bool current_ok = read_verified_list(p.current, keys, &current, &e);
  if (!current_ok && file_exists(p.current)) {
    out.warnings.push_back("the installed list failed verification and is not used: " + e);
  }
  bool previous_ok = read_verified_list(p.previous, keys, &previous, &e);
  if (!previous_ok && file_exists(p.previous)) {
    out.warnings.push_back("the kept previous list failed verification: " + e);
  }

  const StoredList* stored = current_ok ? &current : previous_ok ? &previous : nullptr;
  if (stored && (!bundled || stored->list->list_version > bundled->list_version)) {
    if (!current_ok) out.warnings.push_back("serving the previous list " + p.previous);
    out.list = stored->list;
    out.source = "updated";
    out.path = current_ok ? p.current : p.previous;
  } else if (bundled) {
    out.list = bundled;
    out.source = "bundled";
    out.path = bundled_path;
  } else {
    out.list = std::make_shared<SignatureList>();
    out.source = "none";
    *err = "no usable signature list: " + bundled_err;
  }
  if (!bundled && out.list && out.source != "none") {
    out.warnings.push_back("the bundled list is unusable: " + bundled_err);
  }
  // Rollback restores previous.json, or, after a first update, goes back to the bundled list.
  out.previous_available = previous_ok || (current_ok && bundled != nullptr);
  if (out.list && !out.list->skipped.empty()) out.warnings.push_back(out.path + ": " + describe_skipped(*out.list));
  attach_user_list(store_dir, &out);
  return out;
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

bool StoreLock::acquire(const std::string& store_dir, bool* busy, std::string* err) {
  *busy = false;
  if (!make_dirs(store_dir, err)) return false;
  int fd = ::open(StorePaths(store_dir).lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    *err = "cannot lock the signature store " + store_dir + ": " + std::strerror(errno);
    return false;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    ::close(fd);
    *busy = (e == EWOULDBLOCK);
    *err = *busy ? "another update of the signature store is in progress"
                 : "cannot lock the signature store " + store_dir + ": " + std::strerror(e);
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  return true;
}

}  // namespace mailveil
