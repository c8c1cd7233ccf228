#include "signature_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

#include "list_cache.h"

namespace mailveil {
namespace {

using nlohmann::json;

const WriteFileFn& writer_or_default(const WriteFileFn& write) {
  static const WriteFileFn kDefault = write_file_atomic;
  return write ? write : kDefault;
}

std::string describe_skipped(const std::vector<EntryError>& skipped) {
  std::string out = std::to_string(skipped.size()) + " entr" + (skipped.size() == 1 ? "y" : "ies") + " skipped";
  const EntryError& first = skipped.front();
  out += " (first: entry " + std::to_string(first.index);
  if (!first.id.empty()) out += " '" + first.id + "'";
  out += ": " + first.reason + ")";
  return out;
}

/// Compiles a list's JSON bytes into *out; false with *err when the file as a whole is unusable.
using CompileFn = std::function<bool(std::string_view bytes, CachedLists* out, std::string* err)>;

/// Writes a cache (best effort) and says in *notes why it was rebuilt; a cache that cannot be written is a
/// warning: every start would compile the list again.
void rebuild_note(const std::string& cache, const std::string& source, std::string_view bytes,
                  const SourceIdentity& identity, const CachedLists& lists, CacheProblem problem,
                  const std::string& why, std::vector<std::string>* notes, std::vector<std::string>* warnings) {
  std::string e;
  const size_t slash = cache.rfind('/');
  const bool written =
      (slash == std::string::npos || make_dirs(cache.substr(0, slash), &e)) &&
      write_list_cache(cache, {std::string(this_build_id()), source_hash(bytes), identity}, lists, {}, &e);
  std::string text = "compiled " + source + " into " + cache + " (" + why + ")";
  (problem == CacheProblem::kCorrupt ? warnings : notes)->push_back(std::move(text));
  if (!written) warnings->push_back("cannot write the compiled cache " + cache + ": " + e);
}

/// The compiled form of an unsigned list file (the bundled list, the user list): from `cache` when this build
/// compiled it from a file with the same identity (one stat), or with the same bytes (then the identity is
/// updated); otherwise compiled from the JSON with `compile` and the cache rewritten. False with *err only when
/// the list itself cannot be read or parsed: a bad cache never loses the list.
bool load_unsigned(const std::string& source, const std::string& cache, const CompileFn& compile, CachedLists* out,
                   std::vector<std::string>* notes, std::vector<std::string>* warnings, std::string* err) {
  SourceIdentity identity;
  if (!source_identity(source, &identity)) {
    *err = "cannot open " + source;
    return false;
  }
  CachedLists cached;
  CacheBinding binding;
  std::string why;
  CacheProblem problem = read_list_cache(cache, this_build_id(), &cached, &binding, &why);
  std::string bytes;
  bool have_bytes = false;
  if (problem == CacheProblem::kNone) {
    if (binding.identity == identity) {
      *out = std::move(cached);
      return true;
    }
    if (!read_source(source, kMaxStoredListBytes, &bytes, &identity, err)) return false;
    have_bytes = true;
    if (source_hash(bytes) == binding.source_sha256) {
      // The same bytes in another file (copied, touched, reinstalled): keep the compiled form, with the new
      // identity so that the next start needs one stat again.
      binding.identity = identity;
      std::string ignored;
      write_list_cache(cache, binding, cached, {}, &ignored);
      *out = std::move(cached);
      return true;
    }
    why = "the list changed since it was compiled";
  }
  if (!have_bytes && !read_source(source, kMaxStoredListBytes, &bytes, &identity, err)) return false;
  if (!compile(bytes, out, err)) return false;
  rebuild_note(cache, source, bytes, identity, *out, problem, why, notes, warnings);
  return true;
}

}  // namespace

std::string cache_path_for(const std::string& json_path) {
  if (json_path.ends_with(".json")) return json_path.substr(0, json_path.size() - 5) + ".cache";
  return json_path + ".cache";
}

StorePaths::StorePaths(const std::string& d)
    : dir(d),
      current(d + "/current.json"),
      current_sig(d + "/current.json.sig"),
      previous(d + "/previous.json"),
      previous_sig(d + "/previous.json.sig"),
      state(d + "/state.json"),
      user(d + "/user.json"),
      lock(d + "/.lock"),
      bundled_cache(d + "/bundled.cache"),
      user_cache(d + "/user.cache") {}

bool read_verified_list(const std::string& json_path, const std::vector<PublicKey>& keys, StoredList* out,
                        std::string* err) {
  std::string e;
  SourceIdentity identity;
  if (!read_source(json_path, kMaxStoredListBytes, &out->bytes, &identity, &e)) {
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
  // The compiled cache serves these bytes only if it was compiled from them (their hash), by this build.
  const std::string cache = cache_path_for(json_path);
  const std::string hash = source_hash(out->bytes);
  CachedLists cached;
  CacheBinding binding;
  std::string why;
  CacheProblem problem = read_list_cache(cache, this_build_id(), &cached, &binding, &why);
  if (problem == CacheProblem::kNone && binding.source_sha256 == hash) {
    out->list = std::move(cached.list);
    out->cache_note.clear();
    return true;
  }
  if (problem == CacheProblem::kNone) why = "the list changed since it was compiled";
  // Signature checked above, and the full pattern check ran before it was installed: no regex work here; the
  // Matcher still leaves out a pattern that cannot be compiled.
  std::shared_ptr<SignatureList> parsed = parse_signature_list(out->bytes, &e, PatternCheck::kDeferred);
  if (!parsed) {
    *err = json_path + ": " + e;
    return false;
  }
  CachedLists compiled{compile_list(*parsed), nullptr};
  std::vector<std::string> notes;
  std::vector<std::string> warnings;
  rebuild_note(cache, json_path, out->bytes, identity, compiled, problem, why, &notes, &warnings);
  out->cache_note.clear();
  for (const auto& n : notes) out->cache_note += n;
  for (const auto& w : warnings) out->cache_note += (out->cache_note.empty() ? "" : "; ") + w;
  out->list = std::move(compiled.list);
  return true;
}

std::shared_ptr<const CompiledList> cache_installed_list(const std::string& store_dir, std::string_view list_bytes,
                                                         const SignatureList& list, const WriteFileFn& write,
                                                         std::string* note) {
  StorePaths p(store_dir);
  CachedLists compiled{compile_list(list), nullptr};
  SourceIdentity identity;
  source_identity(p.current, &identity);
  std::string e;
  if (!write_list_cache(cache_path_for(p.current), {std::string(this_build_id()), source_hash(list_bytes), identity},
                        compiled, write, &e)) {
    *note = "cannot write the compiled cache of " + p.current + ": " + e + " (it is rebuilt at the next start)";
  }
  return compiled.list;
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
  const std::string current_cache = cache_path_for(p.current);
  const std::string previous_cache = cache_path_for(p.previous);
  if (keep_current_as_previous && file_exists(p.current)) {
    if (!rename_file(p.current_sig, p.previous_sig, err) || !rename_file(p.current, p.previous, err)) return false;
    // The compiled cache follows its list (it is bound to the list's bytes, so a stale one is only rebuilt).
    if (!file_exists(current_cache) || !rename_file(current_cache, previous_cache, &ignored)) {
      remove_file(previous_cache, &ignored);
    }
  } else {
    // The current files (if any) failed verification: drop them, keep the previous list as it is.
    if (!remove_file(p.current_sig, err) || !remove_file(p.current, err)) return false;
  }
  remove_file(current_cache, &ignored);
  if (!rename_file(new_list, p.current, err) || !rename_file(new_sig, p.current_sig, err)) return false;
  return sync_dir(p.dir, err);
}

bool restore_previous(const std::string& store_dir, std::string* err) {
  StorePaths p(store_dir);
  std::string ignored;
  remove_file(cache_path_for(p.current), &ignored);
  if (file_exists(p.previous)) {
    // Drop the signature first: a crash in between leaves an unverifiable current list, so the loader falls
    // back to the previous (or bundled) list, never to a half-restored one.
    if (!remove_file(p.current_sig, err) || !remove_file(p.current, err) || !rename_file(p.previous, p.current, err) ||
        !rename_file(p.previous_sig, p.current_sig, err)) {
      return false;
    }
    if (file_exists(cache_path_for(p.previous)))
      rename_file(cache_path_for(p.previous), cache_path_for(p.current), &ignored);
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
  std::shared_ptr<SignatureList> trackers;
  std::shared_ptr<SignatureList> exceptions;
  std::string e;
  if (parse_user_list(json_text, &trackers, &exceptions, &e)) {
    return install_user_list(store_dir, json_text, *trackers, exceptions.get(), write, err);
  }
  // Not a loadable user list: stored as given (the host reports it), without a cache.
  if (!make_dirs(store_dir, err)) return false;
  std::string ignored;
  remove_file(StorePaths(store_dir).user_cache, &ignored);
  return writer_or_default(write)(StorePaths(store_dir).user, json_text, err);
}

bool install_user_list(const std::string& store_dir, std::string_view json_text, const SignatureList& trackers,
                       const SignatureList* exceptions, const WriteFileFn& write, std::string* err) {
  if (!make_dirs(store_dir, err)) return false;
  StorePaths p(store_dir);
  if (!writer_or_default(write)(p.user, json_text, err)) return false;
  // The cache is bound to the identity of the file just written; reading it back makes sure that identity is
  // the one of these bytes (another import may have replaced the file meanwhile).
  std::string ignored;
  std::string bytes;
  SourceIdentity identity;
  const std::string hash = source_hash(json_text);
  if (!read_source(p.user, kMaxStoredListBytes, &bytes, &identity, &ignored) || source_hash(bytes) != hash) {
    remove_file(p.user_cache, &ignored);
    return true;
  }
  CachedLists compiled{compile_list(trackers), exceptions ? compile_list(*exceptions) : nullptr};
  if (!write_list_cache(p.user_cache, {std::string(this_build_id()), hash, identity}, compiled, write, &ignored)) {
    remove_file(p.user_cache, &ignored);  // a stale one is harmless (bound to the old file), but tidy
  }
  return true;
}

bool remove_user_list(const std::string& store_dir, std::string* err) {
  StorePaths p(store_dir);
  std::string ignored;
  remove_file(p.user_cache, &ignored);
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
  std::string e;
  CachedLists lists;
  const CompileFn compile = [](std::string_view bytes, CachedLists* out, std::string* err) {
    std::shared_ptr<SignatureList> trackers;
    std::shared_ptr<SignatureList> exceptions;
    if (!parse_user_list(bytes, &trackers, &exceptions, err)) return false;
    out->list = compile_list(*trackers);
    out->exceptions = exceptions ? compile_list(*exceptions) : nullptr;
    return true;
  };
  if (!load_unsigned(p.user, p.user_cache, compile, &lists, &active->notes, &active->warnings, &e)) {
    active->warnings.push_back("the imported user list was not loaded: " + e);
    return;
  }
  if (!lists.list->skipped.empty()) {
    active->warnings.push_back("user list " + p.user + ": " + describe_skipped(lists.list->skipped));
  }
  if (lists.exceptions && !lists.exceptions->skipped.empty()) {
    active->warnings.push_back("user list exceptions: " + describe_skipped(lists.exceptions->skipped));
  }
  active->user_path = p.user;
  if (!lists.list->empty()) active->user_list = std::move(lists.list);
  if (lists.exceptions && !lists.exceptions->empty()) active->user_exceptions = std::move(lists.exceptions);
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
  // reports a bad entry by index when $MAILVEIL_SIGNATURES names another file. Its compiled cache lives in the
  // store, bound to the file's identity and bytes.
  std::shared_ptr<const CompiledList> bundled;
  {
    CachedLists lists;
    const CompileFn compile = [&](std::string_view bytes, CachedLists* out, std::string* e) {
      auto parsed = parse_signature_list(bytes, e, PatternCheck::kParse);
      if (!parsed) {
        *e = bundled_path + ": " + *e;
        return false;
      }
      out->list = compile_list(*parsed);
      return true;
    };
    if (load_unsigned(bundled_path, p.bundled_cache, compile, &lists, &out.notes, &out.warnings, &bundled_err)) {
      bundled = std::move(lists.list);
    } else if (bundled_err == "cannot open " + bundled_path) {
      bundled_err = "cannot open signature list " + bundled_path;
    }
  }

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
  for (const StoredList* s : {&current, &previous}) {
    if (!s->cache_note.empty()) out.notes.push_back(s->cache_note);
  }

  const StoredList* stored = current_ok ? &current : previous_ok ? &previous : nullptr;
  if (stored && (!bundled || stored->list->list_version > bundled->list_version)) {
    if (!current_ok) out.warnings.push_back("serving the previous list " + p.previous);
    out.list = stored->list;
    out.source = ListSource::kUpdated;
    out.path = current_ok ? p.current : p.previous;
  } else if (bundled) {
    out.list = bundled;
    out.source = ListSource::kBundled;
    out.path = bundled_path;
  } else {
    out.list = compile_list(SignatureList{});
    out.source = ListSource::kNone;
    *err = "no usable signature list: " + bundled_err;
  }
  if (!bundled && out.list && out.source != ListSource::kNone) {
    out.warnings.push_back("the bundled list is unusable: " + bundled_err);
  }
  // Rollback restores previous.json, or, after a first update, goes back to the bundled list.
  out.previous_available = previous_ok || (current_ok && bundled != nullptr);
  if (out.list && !out.list->skipped.empty()) {
    out.warnings.push_back(out.path + ": " + describe_skipped(out.list->skipped));
  }
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
