#include "updater.h"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "update_test_support.h"

using namespace mailveil;
using namespace mailveil::test;

namespace {

constexpr char kUrl[] = "https://signatures.example/v1/trackers.json";
constexpr char kSigUrl[] = "https://signatures.example/v1/trackers.json.sig";
constexpr int64_t kBundled = 2026112001;

/// A store, a bundled list, a fake server and the list being served.
struct Rig {
  TempDir root;
  std::string store = root / "store";
  std::string bundled = root / "bundled.json";
  FakeHttpClient http;
  UpdateConfig config;
  ActiveList active;

  Rig() {
    spit(bundled, list_json(kBundled, {"bundled-one"}));
    config = test_config(store, bundled, kUrl);
    config.allow_loopback_http = false;
    reload();
  }
  void reload() {
    std::string err;
    active = load_active_list(store, bundled, test_keys(), &err);
  }
  void publish(const std::string& json, const std::string& etag = "") {
    http.serve(kUrl, 200, json, etag);
    http.serve(kSigUrl, 200, test_sign(json));
  }
  UpdateOutcome update() {
    UpdateOutcome o = update_signatures(config, active, {}, http);
    if (o.ok) active = o.active;
    return o;
  }
};

/// The failure contract: not ok, the served list object unchanged, the store byte-for-byte unchanged.
void check_refused(Rig& rig, const UpdateOutcome& o, const std::string& message_part,
                   const std::map<std::string, std::string>& before) {
  CHECK_FALSE(o.ok);
  CHECK(o.error_code == ErrorCode::kUpdateFailed);
  INFO("message: " << o.message);
  CHECK(o.message.find(message_part) != std::string::npos);
  CHECK(o.active.list == rig.active.list);
  CHECK(snapshot(rig.store) == before);
}

}  // namespace

TEST_CASE("a first update installs a verified list and reports progress", "[updater]") {
  Rig rig;
  const std::string v1 = list_json(2026112301, {"alpha", "beta", "gamma"});
  rig.publish(v1, "\"e1\"");
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  UpdateOutcome o = update_signatures(
      rig.config, rig.active, [&](uint64_t r, uint64_t t) { progress.emplace_back(r, t); }, rig.http);
  REQUIRE(o.ok);
  CHECK(o.status == UpdateStatus::kUpdated);
  CHECK(o.active.source == ListSource::kUpdated);
  CHECK(o.active.list->list_version == 2026112301);
  CHECK(o.active.list->size() == 3);
  CHECK(o.active.path == rig.store + "/current.json");
  CHECK(o.active.previous_available);
  CHECK(slurp(rig.store + "/current.json") == v1);
  std::string err;
  CHECK(verify_signature(v1, slurp(rig.store + "/current.json.sig"), test_keys(), &err));
  REQUIRE_FALSE(progress.empty());
  CHECK(progress.back() == std::make_pair<uint64_t, uint64_t>(v1.size(), v1.size()));
  // The first request offered no copy; the signature was fetched next.
  REQUIRE(rig.http.requests.size() == 2);
  CHECK(rig.http.requests[0].if_none_match.empty());
  CHECK(rig.http.requests[1].url == kSigUrl);
  UpdateState state;
  REQUIRE(read_update_state(rig.store, &state));
  CHECK(state.etag == "\"e1\"");
  CHECK(state.list_version == 2026112301);
}

TEST_CASE("an unchanged list is answered with a conditional request and 304", "[updater]") {
  Rig rig;
  rig.publish(list_json(2026112301), "\"e1\"");
  REQUIRE(rig.update().ok);
  auto before = snapshot(rig.store);
  auto served = rig.active.list;
  rig.http.requests.clear();
  UpdateOutcome o = rig.update();
  REQUIRE(o.ok);
  CHECK(o.status == UpdateStatus::kNotModified);
  CHECK(o.active.list == served);
  REQUIRE(rig.http.requests.size() == 1);  // no signature fetch after a 304
  CHECK(rig.http.requests[0].if_none_match == "\"e1\"");
  CHECK(snapshot(rig.store) == before);
}

TEST_CASE("a server without validators serving the same version is not an update", "[updater]") {
  Rig rig;
  rig.publish(list_json(2026112301));
  REQUIRE(rig.update().ok);
  UpdateOutcome o = rig.update();
  REQUIRE(o.ok);
  CHECK(o.status == UpdateStatus::kNotModified);
}

TEST_CASE("a newer list replaces the current one, which is kept for rollback", "[updater]") {
  Rig rig;
  const std::string v1 = list_json(2026112301);
  const std::string v2 = list_json(2026112401, {"alpha", "beta", "delta"});
  rig.publish(v1, "\"e1\"");
  REQUIRE(rig.update().ok);
  rig.publish(v2, "\"e2\"");
  UpdateOutcome o = rig.update();
  REQUIRE(o.ok);
  CHECK(o.status == UpdateStatus::kUpdated);
  CHECK(o.active.list->list_version == 2026112401);
  CHECK(slurp(rig.store + "/previous.json") == v1);
  CHECK(slurp(rig.store + "/current.json") == v2);

  SECTION("rollback restores the previous list, then the bundled one, then refuses") {
    UpdateOutcome r = rollback_signatures(rig.config, rig.active);
    REQUIRE(r.ok);
    CHECK(r.status == UpdateStatus::kRolledBack);
    CHECK(r.active.list->list_version == 2026112301);
    CHECK(r.active.source == ListSource::kUpdated);
    CHECK_FALSE(file_exists(rig.store + "/previous.json"));
    CHECK_FALSE(file_exists(rig.store + "/state.json"));  // next update fetches in full
    rig.active = r.active;

    r = rollback_signatures(rig.config, rig.active);
    REQUIRE(r.ok);
    CHECK(r.active.source == ListSource::kBundled);
    CHECK(r.active.list->list_version == kBundled);
    CHECK_FALSE(r.active.previous_available);
    rig.active = r.active;

    r = rollback_signatures(rig.config, rig.active);
    CHECK_FALSE(r.ok);
    CHECK(r.error_code == ErrorCode::kNothingToRollback);
    CHECK(r.message == "no previous list is kept — nothing to roll back");
    CHECK(r.active.list == rig.active.list);
  }
  SECTION("after a rollback, update installs the newer list again (no stale 304)") {
    REQUIRE(rollback_signatures(rig.config, rig.active).ok);
    rig.reload();
    UpdateOutcome u = rig.update();
    REQUIRE(u.ok);
    CHECK(u.status == UpdateStatus::kUpdated);
    CHECK(u.active.list->list_version == 2026112401);
  }
  SECTION("a tampered previous list is not restored") {
    spit(rig.store + "/previous.json", list_json(2026112301, {"alpha", "evil"}));
    auto before = snapshot(rig.store);
    UpdateOutcome r = rollback_signatures(rig.config, rig.active);
    CHECK_FALSE(r.ok);
    CHECK(r.error_code == ErrorCode::kUpdateFailed);
    CHECK(r.message.find("signature does not match") != std::string::npos);
    CHECK(snapshot(rig.store) == before);
    CHECK(r.active.list == rig.active.list);
  }
}

TEST_CASE("update refusals leave the served list and the store untouched", "[updater]") {
  Rig rig;
  rig.publish(list_json(2026112301), "\"e1\"");
  REQUIRE(rig.update().ok);
  rig.http.routes.clear();
  auto before = snapshot(rig.store);

  SECTION("downgrade") {
    rig.publish(list_json(2026112001));
    check_refused(rig, rig.update(),
                  "list version 2026112001 is older than the installed 2026112301 — refusing downgrade", before);
  }
  SECTION("bad signature") {
    rig.http.serve(kUrl, 200, list_json(2026112401));
    rig.http.serve(kSigUrl, 200, test_sign(list_json(2026112402)));
    check_refused(rig, rig.update(), "signature does not match the list — refusing it", before);
  }
  SECTION("signature file missing") {
    rig.http.serve(kUrl, 200, list_json(2026112401));
    check_refused(rig, rig.update(), std::string("download failed: HTTP 404 from ") + kSigUrl, before);
  }
  SECTION("list signed by an untrusted key") {
    rig.config.trusted_keys = compiled_in_keys();
#ifndef MAILVEIL_TEST_KEYS
    rig.publish(list_json(2026112401));
    check_refused(rig, rig.update(), "signature does not match the list", before);
#endif
  }
  SECTION("valid signature over an unusable list") {
    rig.publish("{\"format_version\": 2, \"list_version\": 2026112401, \"trackers\": []}");
    check_refused(rig, rig.update(), "the downloaded list is unusable: unsupported format_version 2", before);
  }
  SECTION("valid signature over a list with one invalid entry") {
    rig.publish(
        list_json(2026112401, {"alpha"},
                  R"({"id": "x", "name": "X", "company": "X", "category": "nonsense", "domains": ["x.example"]})"));
    check_refused(rig, rig.update(), "invalid entry (entry 1 'x': unknown category 'nonsense') — refusing it", before);
  }
  SECTION("valid signature over a list with a pattern RE2 rejects") {
    rig.publish(list_json(2026112401, {"alpha"}, kRe2RejectedEntry));
    check_refused(rig, rig.update(), "'bad-regex': pattern rejected by RE2", before);
  }
  SECTION("valid signature over patterns that compile alone but not together") {
    // All under one host key, so the host compiles them as one set (docs/signatures.md).
    std::string body;
    for (int i = 0; i < 40; ++i) body += "ab";  // 80 bytes, repeated 1000 times per pattern
    std::string extra;
    for (int i = 0; i < 40; ++i) {
      if (i) extra += ",\n    ";
      extra += R"({"id": "big-)" + std::to_string(i) + R"(", "name": "Big", "company": "Big", "category": "esp", )" +
               R"("patterns": ["^https?://t\\.big\\.example/(?:)" + body + "){1000}" + std::to_string(i) + R"("]})";
    }
    rig.publish(list_json(2026112401, {"alpha"}, extra));
    check_refused(rig, rig.update(), "patterns do not compile together", before);
  }
  SECTION("list without a published date") {
    std::string j = list_json(2026112401);
    j.replace(j.find("\"published\": \"2026-11-23\","), 26, "");
    rig.publish(j);
    check_refused(rig, rig.update(), "no valid 'published' date", before);
  }
  SECTION("HTTP 500") {
    rig.http.serve(kUrl, 500, "oops");
    check_refused(rig, rig.update(), std::string("download failed: HTTP 500 from ") + kUrl, before);
  }
  SECTION("transport error text reaches the caller verbatim") {
    rig.http.fail(kUrl, "download failed: timed out fetching x");
    check_refused(rig, rig.update(), "download failed: timed out fetching x", before);
  }
  SECTION("disk full while writing the new list") {
    rig.publish(list_json(2026112401));
    rig.config.write_file = [](const std::string& path, std::string_view data, std::string* e) {
      if (!path.ends_with(".new")) return write_file_atomic(path, data, e);
      *e = "cannot write " + path + ": No space left on device";
      return false;
    };
    check_refused(rig, rig.update(),
                  "cannot install the list: cannot write " + rig.store +
                      "/current.json.new: No space left on device — the previous list stays in use",
                  before);
  }
  SECTION("disk full while recording the high-water mark") {
    rig.publish(list_json(2026112401));
    rig.config.write_file = [](const std::string& path, std::string_view, std::string* e) {
      *e = "cannot write " + path + ": No space left on device";
      return false;
    };
    check_refused(rig, rig.update(), "cannot record the list version: cannot write ", before);
  }
}

TEST_CASE("the store's own newer list also counts against downgrades", "[updater]") {
  Rig rig;
  rig.publish(list_json(2026112401));
  REQUIRE(rig.update().ok);
  // A host that started earlier still serves the bundled list; another process installed 2026112401.
  rig.reload();
  ActiveList stale = rig.active;
  auto older = std::make_shared<CompiledList>(*stale.list);
  older->list_version = kBundled;
  stale.list = older;
  rig.active = stale;
  rig.publish(list_json(2026112301));
  auto before = snapshot(rig.store);
  check_refused(rig, rig.update(), "older than the installed 2026112401", before);
}

TEST_CASE("only HTTPS URLs are fetched; loopback HTTP needs the test switch", "[updater]") {
  Rig rig;
  for (const std::string url : {"http://signatures.example/v1/trackers.json", "ftp://127.0.0.1/x.json",
                                "http://127.0.0.1:8080/x.json", "not a url"}) {
    rig.config.list_url = url;
    UpdateOutcome o = rig.update();
    CHECK_FALSE(o.ok);
    INFO(o.message);
    const bool says_why = o.message.find("only https:// addresses are accepted") != std::string::npos ||
                          o.message.find("not a valid absolute URL") != std::string::npos;
    CHECK(says_why);
  }
  CHECK(rig.http.requests.empty());  // refused before any request
  std::string err;
  CHECK(check_update_url("http://127.0.0.1:8080/x.json", true, &err));
  CHECK(check_update_url("http://localhost/x.json", true, &err));
  CHECK_FALSE(check_update_url("http://10.0.0.1/x.json", true, &err));
  CHECK_FALSE(check_update_url("http://127.0.0.1.example/x.json", true, &err));
}

TEST_CASE("a concurrent update is refused with update_in_progress", "[updater]") {
  Rig rig;
  rig.publish(list_json(2026112301));
  StoreLock held;
  bool busy = false;
  std::string err;
  REQUIRE(held.acquire(rig.store, &busy, &err));
  UpdateOutcome o = rig.update();
  CHECK_FALSE(o.ok);
  CHECK(o.error_code == ErrorCode::kUpdateInProgress);
  CHECK(rig.http.requests.empty());
}

TEST_CASE("default_update_config reads the URL from the environment", "[updater]") {
  ::unsetenv("MAILVEIL_UPDATE_URL");
  CHECK(default_update_config().list_url == "https://signatures.mailveil.org/v1/trackers.json");
  ::setenv("MAILVEIL_UPDATE_URL", "https://mirror.example/trackers.json", 1);
  UpdateConfig c = default_update_config();
  ::unsetenv("MAILVEIL_UPDATE_URL");
  CHECK(c.list_url == "https://mirror.example/trackers.json");
  CHECK_FALSE(c.allow_loopback_http);
  CHECK(c.trusted_keys == compiled_in_keys());
}

TEST_CASE("an update keeps the user list attached", "[updater][user]") {
  Rig rig;
  std::string err;
  REQUIRE(install_user_list(rig.store, R"({"format_version": 1, "list_version": 1, "trackers": [
      {"id": "user-1", "name": "u", "company": "u", "category": "analytics", "domains": ["u.example"]}]})",
                            {}, &err));
  rig.publish(list_json(2026112301));
  UpdateOutcome o = rig.update();
  REQUIRE(o.ok);
  REQUIRE(o.active.user_list);
  CHECK(o.active.user_list->tracker(0).id == "user-1");
}

TEST_CASE("an older signed list is refused after a rollback and after a lost store (finding 5)",
          "[updater][security]") {
  Rig rig;
  const std::string v5 = list_json(kBundled + 5);
  const std::string v10 = list_json(kBundled + 10);
  rig.publish(v10);
  REQUIRE(rig.update().ok);
  CHECK(read_high_water_mark(rig.root / "signature-high-water.json") == kBundled + 10);
  CHECK(high_water_path(rig.config) == rig.root / "signature-high-water.json");

  SECTION("replayed while the newer list is installed") {
    rig.publish(v5);
    UpdateOutcome o = rig.update();
    CHECK_FALSE(o.ok);
    CHECK_THAT(o.message, Catch::Contains("refusing downgrade"));
  }
  SECTION("after a rollback to the bundled list: only the explicit rollback goes below the mark") {
    UpdateOutcome back = rollback_signatures(rig.config, rig.active);
    REQUIRE(back.ok);
    rig.active = back.active;
    REQUIRE(rig.active.source == ListSource::kBundled);
    rig.publish(v5);
    UpdateOutcome o = rig.update();
    CHECK_FALSE(o.ok);
    CHECK(o.message ==
          "list version 2026112006 is older than 2026112011, the newest list this host has accepted "
          "(a replayed old list?) — refusing it; only 'update --rollback' goes back");
    CHECK(rig.active.source == ListSource::kBundled);
    // The list rolled back from is accepted again: equal to the mark, not older.
    rig.publish(v10);
    UpdateOutcome again = rig.update();
    CHECK(again.ok);
    CHECK(again.status == UpdateStatus::kUpdated);
  }
  SECTION("after the store is lost") {
    std::filesystem::remove_all(rig.store);
    rig.reload();
    REQUIRE(rig.active.source == ListSource::kBundled);
    rig.publish(v5);
    UpdateOutcome o = rig.update();
    CHECK_FALSE(o.ok);
    CHECK_THAT(o.message, Catch::Contains("the newest list this host has accepted"));
    CHECK_FALSE(file_exists(rig.store + "/current.json"));
  }
  SECTION("a newer list raises the mark") {
    rig.publish(list_json(kBundled + 20));
    REQUIRE(rig.update().ok);
    CHECK(read_high_water_mark(rig.root / "signature-high-water.json") == kBundled + 20);
  }
}

TEST_CASE("a store from before the high-water mark records its list on the next check", "[updater][security]") {
  Rig rig;
  rig.publish(list_json(kBundled + 10));
  REQUIRE(rig.update().ok);
  std::filesystem::remove(rig.root / "signature-high-water.json");
  rig.publish(list_json(kBundled + 10));
  CHECK(rig.update().status == UpdateStatus::kNotModified);
  CHECK(read_high_water_mark(rig.root / "signature-high-water.json") == kBundled + 10);
  // A corrupt mark counts as none; the store's list still counts.
  spit(rig.root / "signature-high-water.json", "{not json");
  CHECK(read_high_water_mark(rig.root / "signature-high-water.json") == 0);
  rig.publish(list_json(kBundled + 5));
  CHECK_FALSE(rig.update().ok);
}

TEST_CASE("a downloaded list must carry a valid 'expires' date (finding 6)", "[updater][security]") {
  Rig rig;
  const auto before = snapshot(rig.store);
  auto with_expires = [](const std::string& value) {
    std::string j = list_json(2026112401);
    j.replace(j.find("\"expires\": \"2099-12-31\","), 24, value);
    return j;
  };
  SECTION("absent") {
    rig.publish(with_expires(""));
    check_refused(rig, rig.update(), "no valid 'expires' date", before);
  }
  SECTION("not a date") {
    rig.publish(with_expires("\"expires\": \"2027-02-30\","));
    check_refused(rig, rig.update(), "no valid 'expires' date", before);
  }
  SECTION("before the publication") {
    rig.publish(with_expires("\"expires\": \"2026-11-22\","));
    check_refused(rig, rig.update(), "not before 'published'", before);
  }
  SECTION("an expired list newer than the served one is still installed, and flagged") {
    rig.publish(with_expires("\"expires\": \"2026-11-24\","));
    UpdateOutcome o = rig.update();
    REQUIRE(o.ok);
    CHECK(o.active.list->expires == "2026-11-24");
    int64_t day = 0;
    REQUIRE(parse_iso_date("2026-12-01", &day));
    CHECK(list_freshness(*o.active.list, day).expired);
  }
}
