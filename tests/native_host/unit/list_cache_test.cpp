// The compiled caches in the signature store (native_host/src/list_cache.h, docs/updates.md): written on first
// need, read without a parse on the next start, and rebuilt from the JSON whenever they cannot be trusted
// (corrupt, truncated, stale, another build or format), with the reason logged and the user's rules kept.
#include "list_cache.h"

#include <sys/stat.h>
#include <utime.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "host_process.h"
#include "matcher.h"
#include "signature_store.h"
#include "update_test_support.h"

using namespace mailveil;
using namespace mailveil::test;

namespace {

constexpr int64_t kBundled = 2026112001;

/// A user list with rules found nowhere else: a domain, a plain ABP pattern and a regex, and an exception.
const char* kUserList = R"json({"format_version": 1, "list_version": 202611301200, "published": "2026-11-30",
  "trackers": [
    {"id": "user-3", "name": "only-user.example", "company": "only-user.example", "category": "analytics",
     "domains": ["only-user.example"], "applies_to": ["pixel"]},
    {"id": "user-4", "name": "/spy/pixel", "company": "My list", "category": "analytics",
     "patterns": ["(?i)\\/spy\\/pixel(?:[^A-Za-z0-9_.%-]|$)"], "applies_to": ["pixel"]},
    {"id": "user-5", "name": "regex", "company": "My list", "category": "analytics",
     "patterns": ["^https?://[^/?#]+/beacon-[0-9]+\\.gif"], "applies_to": ["pixel"]}],
  "exceptions": [
    {"id": "user-x9", "name": "ok", "company": "ok", "category": "analytics", "domains": ["fine.only-user.example"]}]})json";

struct CacheRig {
  TempDir root;
  std::string store = root / "store";
  std::string bundled = root / "bundled.json";
  std::string user_cache = store + "/user.cache";
  CacheRig() {
    spit(bundled, list_json(kBundled, {"bundled-one"}));
    std::string err;
    REQUIRE(make_dirs(store, &err));
    REQUIRE(install_user_list(store, kUserList, {}, &err));
  }
  ActiveList load() const {
    std::string err;
    ActiveList a = load_active_list(store, bundled, test_keys(), &err);
    REQUIRE(err.empty());
    return a;
  }
};

/// The user's rules, through the list the store hands out.
void check_user_rules_apply(const ActiveList& a) {
  REQUIRE(a.user_list);
  REQUIRE(a.user_exceptions);
  Matcher user(a.user_list);
  Matcher exceptions(a.user_exceptions);
  auto id = [&](const Matcher& m, const std::string& s) {
    auto u = parse_url(s);
    REQUIRE(u);
    auto hit = m.match(*u, u->without_fragment(), false);
    return hit ? hit.tracker->id : std::string();
  };
  CHECK(id(user, "https://cdn.only-user.example/logo.png") == "user-3");
  CHECK(id(user, "https://shop.example/spy/pixel?u=1") == "user-4");
  CHECK(id(user, "https://shop.example/beacon-42.gif") == "user-5");
  CHECK(id(user, "https://shop.example/spy/pixels") == "");
  CHECK(id(exceptions, "https://fine.only-user.example/a.png") == "user-x9");
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

bool mentions(const ActiveList& a, const std::string& text) {
  return (joined(a.notes) + joined(a.warnings)).find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("installing a user list writes its compiled cache; a start reads it without rebuilding", "[cache]") {
  CacheRig rig;
  REQUIRE(file_exists(rig.user_cache));
  ActiveList first = rig.load();
  // The bundled list had no cache yet: compiled once, then read.
  CHECK(mentions(first, "bundled.cache (no compiled cache yet)"));
  CHECK_FALSE(mentions(first, "user.cache"));
  check_user_rules_apply(first);
  ActiveList second = rig.load();
  CHECK(second.notes.empty());
  CHECK(second.warnings.empty());
  check_user_rules_apply(second);
  CHECK(second.list->list_version == kBundled);
}

TEST_CASE("a cache that cannot be trusted is rebuilt from the JSON, the reason logged, the user's rules kept",
          "[cache]") {
  CacheRig rig;
  rig.load();  // every cache written
  const std::string good = slurp(rig.user_cache);
  std::string expected;

  SECTION("corrupt: one byte flipped inside the compiled list") {
    std::string bad = good;
    bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x20);
    spit(rig.user_cache, bad);
    expected = "checksum mismatch";
  }
  SECTION("truncated") {
    spit(rig.user_cache, good.substr(0, good.size() - 100));
    expected = "truncated";
  }
  SECTION("empty") {
    spit(rig.user_cache, "");
    expected = "truncated";
  }
  SECTION("not a cache at all") {
    spit(rig.user_cache, std::string(4096, 'x'));
    expected = "not a MailVeil cache file";
  }
  SECTION("from another build of the host") {
    CachedLists lists;
    CacheBinding binding;
    std::string why;
    REQUIRE(read_list_cache(rig.user_cache, this_build_id(), &lists, &binding, &why) == CacheProblem::kNone);
    binding.build_id = "another build";
    std::string err;
    REQUIRE(write_list_cache(rig.user_cache, binding, lists, {}, &err));
    expected = "written by another build";
  }
  SECTION("from another cache format") {
    std::string other = good;
    const uint32_t version = kCompiledFormatVersion + 1;
    std::memcpy(other.data() + 8, &version, sizeof version);
    spit(rig.user_cache, other);
    expected = "cache format " + std::to_string(kCompiledFormatVersion + 1);
  }
  SECTION("stale: the user list changed behind the store's back") {
    std::string changed = kUserList;
    changed.replace(changed.find("only-user.example\"]"), 17, "other-user.example");
    spit(rig.store + "/user.json", changed);
    ActiveList a = rig.load();
    CHECK(mentions(a, "the list changed since it was compiled"));
    REQUIRE(a.user_list);
    Matcher user(a.user_list);
    auto u = parse_url("https://cdn.other-user.example/x.png");
    CHECK(user.match(*u, u->without_fragment(), false));  // the new rule, not the cached old one
    u = parse_url("https://cdn.only-user.example/x.png");
    CHECK_FALSE(user.match(*u, u->without_fragment(), false));
    CHECK(rig.load().notes.empty());  // and the cache is current again
    return;
  }
  ActiveList a = rig.load();
  INFO(joined(a.notes) << joined(a.warnings));
  CHECK(mentions(a, "into " + rig.user_cache));
  CHECK(mentions(a, expected));
  check_user_rules_apply(a);
  // Rewritten: the next start reads it.
  ActiveList b = rig.load();
  CHECK(b.notes.empty());
  CHECK(b.warnings.empty());
  check_user_rules_apply(b);
}

TEST_CASE("a source with the same bytes but a new identity keeps its cache", "[cache]") {
  CacheRig rig;
  rig.load();
  // A copy over itself (new inode, new times), as a backup restore or a reinstall does.
  const std::string bytes = slurp(rig.store + "/user.json");
  std::string err;
  REQUIRE(write_file_atomic(rig.store + "/user.json", bytes, &err));
  ActiveList a = rig.load();
  CHECK(a.notes.empty());
  check_user_rules_apply(a);
  // The cache now carries the new identity: one stat() suffices again.
  CachedLists lists;
  CacheBinding binding;
  std::string why;
  REQUIRE(read_list_cache(rig.user_cache, this_build_id(), &lists, &binding, &why) == CacheProblem::kNone);
  SourceIdentity now;
  REQUIRE(source_identity(rig.store + "/user.json", &now));
  CHECK(binding.identity == now);
}

TEST_CASE("a cache that cannot be written is a warning; the user's rules are served from the JSON", "[cache]") {
  CacheRig rig;
  std::string err;
  REQUIRE(remove_file(rig.user_cache, &err));
  REQUIRE(::mkdir(rig.user_cache.c_str(), 0700) == 0);  // a directory where the cache should go
  ActiveList a = rig.load();
  CHECK(mentions(a, "cannot write the compiled cache " + rig.user_cache));
  check_user_rules_apply(a);
}

TEST_CASE("removing the user list removes its cache", "[cache]") {
  CacheRig rig;
  std::string err;
  REQUIRE(remove_user_list(rig.store, &err));
  CHECK_FALSE(file_exists(rig.user_cache));
  CHECK_FALSE(rig.load().user_list);
}

TEST_CASE("a stored signed list is served from its cache only when the cache was compiled from its bytes", "[cache]") {
  CacheRig rig;
  write_signed(rig.store, "current.json", list_json(2026112301, {"alpha"}));
  ActiveList a = rig.load();
  CHECK(a.list->list_version == 2026112301);
  CHECK(mentions(a, "current.cache (no compiled cache yet)"));
  CHECK(rig.load().notes.empty());
  // Another signed list in its place (as an interrupted install could leave): the cache no longer matches.
  write_signed(rig.store, "current.json", list_json(2026112302, {"alpha", "beta"}));
  ActiveList b = rig.load();
  CHECK(mentions(b, "the list changed since it was compiled"));
  CHECK(b.list->list_version == 2026112302);
  CHECK(b.list->size() == 2);
  // A cache never stands in for a signature: tampered bytes are refused before any cache is read.
  spit(rig.store + "/current.json", list_json(2026112302, {"alpha", "beta", "evil"}));
  ActiveList c = rig.load();
  CHECK(c.source == ListSource::kBundled);
  check_user_rules_apply(c);
}

TEST_CASE("host: a corrupt user cache is rebuilt at start and the user's rules block", "[cache][host]") {
  TempDir home;
  const std::string store = home / "signatures";
  spit(home / "mine.txt", "! Title: Mine\n||only-user.example^\n/spy/pixel^\n");
  {
    // The host's own import writes the cache, so that it is of the host's build.
    HostProcess import({"update", "--import-abp", home / "mine.txt"}, {{"MAILVEIL_HOME", home.path()}});
    REQUIRE(import.wait_exit() == 0);
  }
  std::string cache = slurp(store + "/user.cache");
  cache[cache.size() / 3] = static_cast<char>(cache[cache.size() / 3] ^ 0x01);
  spit(store + "/user.cache", cache);

  HostProcess host({"chrome-extension://celkdkpfmogfmihpiofdidjkhbcliejm/"}, {{"MAILVEIL_HOME", home.path()}});
  host.send({{"id", 1},
             {"action", "classify"},
             {"message",
              {{"webmail", "gmail"},
               {"elements",
                {{{"ref", "a"}, {"kind", "img"}, {"url", "https://shop.example/spy/pixel?u=1"}},
                 {{"ref", "b"}, {"kind", "img"}, {"url", "https://cdn.only-user.example/logo.png"}},
                 {{"ref", "c"}, {"kind", "img"}, {"url", "https://shop.example/logo.png"}}}}}}});
  auto reply = host.receive();
  REQUIRE(reply);
  CHECK((*reply)["result"]["elements"][0]["verdict"] == "block");
  CHECK((*reply)["result"]["elements"][0]["tracker"]["id"] == "user-3");
  CHECK((*reply)["result"]["elements"][1]["verdict"] == "block");
  CHECK((*reply)["result"]["elements"][1]["tracker"]["id"] == "user-2");
  CHECK((*reply)["result"]["elements"][2]["verdict"] == "allow");
  host.close_stdin();
  CHECK(host.wait_exit() == 0);
  const std::string log = slurp(home / "host.log");
  CHECK(log.find("checksum mismatch") != std::string::npos);
  CHECK(slurp(store + "/user.cache") != cache);  // rewritten
}
