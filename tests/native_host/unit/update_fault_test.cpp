// Fault injection against a real HTTP server on 127.0.0.1 (tests/update/fault_server.py) and the real libcurl
// client. After every fault: the update fails with a clear message, the list that was served is still the one
// served, and the store on disk is byte-for-byte what it was.

#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>

#include "update_cli.h"
#include "update_test_support.h"
#include "updater.h"

using namespace mailveil;
using namespace mailveil::test;

namespace {

constexpr int64_t kBundled = 2026112001;
constexpr int64_t kInstalled = 2026112301;

/// Server files, a store with kInstalled installed through the real server, and the list being served.
struct FaultRig {
  ServedDir files;
  TempDir home;
  std::string store = home / "store";
  std::string bundled = home / "bundled.json";
  ActiveList active;
  std::map<std::string, std::string> before;

  FaultRig() {
    spit(bundled, list_json(kBundled, {"bundled-one"}));
    write_signed(files.path(), "trackers.json", list_json(kInstalled));
    UpdateOutcome o = update(files.url("ok", "trackers.json"));
    REQUIRE(o.ok);
    REQUIRE(o.status == UpdateStatus::kUpdated);
    active = o.active;
    before = snapshot(store);
    REQUIRE(before.count("current.json") == 1);
  }

  UpdateConfig config(const std::string& url) const { return test_config(store, bundled, url); }

  UpdateOutcome update(const std::string& url, const ProgressFn& progress = {}) {
    return update_signatures(config(url), active, progress);
  }
  UpdateOutcome update(const UpdateConfig& c) { return update_signatures(c, active, {}); }

  /// The failure contract of issue #4.
  void expect_intact(const UpdateOutcome& o, const std::string& message_part) {
    INFO("message: " << o.message);
    CHECK_FALSE(o.ok);
    CHECK(o.error_code == ErrorCode::kUpdateFailed);
    CHECK(o.message.find(message_part) != std::string::npos);
    // Still in use: the outcome hands back the very list that was served...
    CHECK(o.active.list == active.list);
    CHECK(o.active.list->list_version == kInstalled);
    // ...and a restart would serve it too, from an unchanged store.
    CHECK(snapshot(store) == before);
    std::string err;
    ActiveList reloaded = load_active_list(store, bundled, test_keys(), &err);
    CHECK(reloaded.source == ListSource::kUpdated);
    CHECK(reloaded.list->list_version == kInstalled);
  }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("fault: a newer list over real HTTP installs; the same list again is 304", "[update-fault]") {
  FaultRig rig;
  write_signed(rig.files.path(), "next.json", list_json(2026112401, {"alpha", "beta", "gamma"}));
  UpdateOutcome o = rig.update(rig.files.url("ok", "next.json"));
  REQUIRE(o.ok);
  CHECK(o.status == UpdateStatus::kUpdated);
  CHECK(o.active.list->list_version == 2026112401);
  CHECK(snapshot(rig.store).at("previous.json") == rig.before.at("current.json"));
  rig.active = o.active;
  rig.before = snapshot(rig.store);

  UpdateOutcome again = rig.update(rig.files.url("ok", "next.json"));
  REQUIRE(again.ok);
  CHECK(again.status == UpdateStatus::kNotModified);  // the server answered 304 to our If-None-Match
  CHECK(again.active.list == rig.active.list);
  CHECK(snapshot(rig.store) == rig.before);
}

TEST_CASE("fault: progress is reported while a slow list arrives", "[update-fault]") {
  FaultRig rig;
  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i) ids.push_back("t" + std::to_string(i));
  const std::string big = list_json(2026112401, ids);
  write_signed(rig.files.path(), "big.json", big);
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  UpdateOutcome o =
      rig.update(rig.files.url("slow", "big.json"), [&](uint64_t r, uint64_t t) { calls.emplace_back(r, t); });
  REQUIRE(o.ok);
  REQUIRE(calls.size() >= 2);
  for (size_t i = 1; i < calls.size(); ++i) CHECK(calls[i].first > calls[i - 1].first);
  CHECK(calls.front().second == big.size());  // Content-Length announced
  CHECK(calls.back() == std::make_pair<uint64_t, uint64_t>(big.size(), big.size()));
}

TEST_CASE("fault: HTTP 404", "[update-fault]") {
  FaultRig rig;
  const std::string url = rig.files.url("notfound", "trackers.json");
  rig.expect_intact(rig.update(url), "download failed: HTTP 404 from " + url);
}

TEST_CASE("fault: HTTP 500", "[update-fault]") {
  FaultRig rig;
  const std::string url = rig.files.url("error", "trackers.json");
  rig.expect_intact(rig.update(url), "download failed: HTTP 500 from " + url);
}

TEST_CASE("fault: connection refused", "[update-fault]") {
  FaultRig rig;
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/ok/trackers.json";
  rig.expect_intact(rig.update(url), "download failed: cannot connect to " + url);
}

TEST_CASE("fault: the body stalls past the timeout", "[update-fault]") {
  FaultRig rig;
  write_signed(rig.files.path(), "next.json", list_json(2026112401));
  auto t0 = std::chrono::steady_clock::now();
  rig.expect_intact(rig.update(rig.files.url("stall", "next.json")), "download failed: timed out fetching");
  CHECK(seconds_since(t0) < 10);
}

TEST_CASE("fault: no response at all until the total timeout", "[update-fault]") {
  FaultRig rig;
  UpdateConfig c = rig.config(rig.files.url("stall-headers", "trackers.json"));
  c.stall_seconds = 60;  // only the total timeout can end this one
  c.timeout_seconds = 2;
  auto t0 = std::chrono::steady_clock::now();
  rig.expect_intact(rig.update(c), "download failed: timed out fetching");
  CHECK(seconds_since(t0) < 10);
}

TEST_CASE("fault: truncated body", "[update-fault]") {
  FaultRig rig;
  write_signed(rig.files.path(), "next.json", list_json(2026112401));
  rig.expect_intact(rig.update(rig.files.url("truncated", "next.json")),
                    "download failed: the connection closed before the whole file arrived");
}

TEST_CASE("fault: oversized body (announced, and chunked without a length)", "[update-fault]") {
  FaultRig rig;
  for (const char* mode : {"oversized", "oversized-chunked"}) {
    const std::string url = rig.files.url(mode, "trackers.json") + "?bytes=4194304";
    rig.expect_intact(rig.update(url), "download failed: " + url + " is larger than the 1 MiB limit");
  }
}

TEST_CASE("fault: a redirect to plain http is not followed", "[update-fault]") {
  FaultRig rig;
  write_signed(rig.files.path(), "next.json", list_json(2026112401));
  rig.expect_intact(rig.update(rig.files.url("redirect-http", "next.json")), "redirected to a non-HTTPS address");
}

TEST_CASE("fault: bad signature", "[update-fault]") {
  FaultRig rig;
  spit(rig.files / "forged.json", list_json(2026112401, {"alpha", "evil"}));
  spit(rig.files / "forged.json.sig", test_sign(list_json(2026112401)));
  rig.expect_intact(rig.update(rig.files.url("ok", "forged.json")), "signature does not match the list — refusing it");
}

TEST_CASE("fault: signature missing on the server", "[update-fault]") {
  FaultRig rig;
  spit(rig.files / "unsigned.json", list_json(2026112401));
  const std::string url = rig.files.url("ok", "unsigned.json");
  rig.expect_intact(rig.update(url), "download failed: HTTP 404 from " + url + ".sig");
}

TEST_CASE("fault: valid signature over a schema-invalid list", "[update-fault]") {
  FaultRig rig;
  write_signed(rig.files.path(), "schema.json", "{\"format_version\": 1, \"list_version\": 2026112401}");
  rig.expect_intact(rig.update(rig.files.url("ok", "schema.json")),
                    "the downloaded list is unusable: signature list has no trackers array — refusing it");
  write_signed(
      rig.files.path(), "entry.json",
      list_json(2026112401, {"alpha"}, R"({"id": "no-target", "name": "N", "company": "N", "category": "esp"})"));
  rig.expect_intact(rig.update(rig.files.url("ok", "entry.json")),
                    "entry 1 'no-target': needs at least one of domains, hosts, patterns) — refusing it");
}

TEST_CASE("fault: a list with a pattern RE2 rejects", "[update-fault]") {
  FaultRig rig;
  write_signed(rig.files.path(), "regex.json", list_json(2026112401, {"alpha"}, kRe2RejectedEntry));
  rig.expect_intact(rig.update(rig.files.url("ok", "regex.json")), "'bad-regex': pattern rejected by RE2");
}

TEST_CASE("fault: downgrade to an older signed list", "[update-fault]") {
  FaultRig rig;
  write_signed(rig.files.path(), "old.json", list_json(2026112001));
  rig.expect_intact(rig.update(rig.files.url("ok", "old.json")),
                    "list version 2026112001 is older than the installed 2026112301 — refusing downgrade");
}

TEST_CASE("fault: disk full while installing (real write failure via RLIMIT_FSIZE)", "[update-fault]") {
  FaultRig rig;
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back("t" + std::to_string(i));
  write_signed(rig.files.path(), "next.json", list_json(2026112401, ids));
  UpdateOutcome o;
  {
    FileSizeLimit limit(2048);  // the new list is several KiB: its write fails part-way
    o = rig.update(rig.files.url("ok", "next.json"));
  }
  rig.expect_intact(o, "cannot install the list: cannot write " + rig.store + "/current.json.new: File too large");
  CHECK(o.message.find("the previous list stays in use") != std::string::npos);
}

TEST_CASE("fault: unwritable store (injected writer failing like a read-only directory)", "[update-fault]") {
  FaultRig rig;
  write_signed(rig.files.path(), "next.json", list_json(2026112401));
  UpdateConfig c = rig.config(rig.files.url("ok", "next.json"));
  c.write_file = [](const std::string& path, std::string_view, std::string* e) {
    *e = "cannot create a temporary file next to " + path + ": Read-only file system";
    return false;
  };
  rig.expect_intact(rig.update(c), "Read-only file system — the previous list stays in use");
}

TEST_CASE("fault: store directory that cannot be created", "[update-fault]") {
  FaultRig rig;
  write_signed(rig.files.path(), "next.json", list_json(2026112401));
  spit(rig.home / "not-a-dir", "x");
  UpdateConfig c = rig.config(rig.files.url("ok", "next.json"));
  c.store_dir = rig.home / "not-a-dir/store";
  UpdateOutcome o = rig.update(c);
  CHECK_FALSE(o.ok);
  CHECK(o.message.find("cannot create directory " + rig.home / "not-a-dir") != std::string::npos);
  CHECK(o.active.list == rig.active.list);
  CHECK(snapshot(rig.store) == rig.before);
}

TEST_CASE("CLI: update, up to date, failure, rollback, import", "[update-fault][cli]") {
  FaultRig rig;
  write_signed(rig.files.path(), "next.json", list_json(2026112401));
  UpdateConfig base = rig.config(kDefaultUpdateUrl);
  std::ostringstream out;
  std::ostringstream err;
  auto run = [&](std::vector<std::string> args) {
    out.str("");
    err.str("");
    return run_update_command(args, base, out, err);
  };

  CHECK(run({"--url", rig.files.url("ok", "next.json")}) == 0);
  CHECK(out.str().find("updated: now signature list 2026112401") != std::string::npos);

  CHECK(run({"update", "--url=" + rig.files.url("ok", "next.json")}) == 0);
  CHECK(out.str().find("already up to date: signature list 2026112401") != std::string::npos);

  CHECK(run({"--url", rig.files.url("error", "next.json")}) == 1);
  CHECK(err.str().find("update failed: download failed: HTTP 500 from") != std::string::npos);

  CHECK(run({"--rollback"}) == 0);
  CHECK(out.str().find("rolled back: now signature list 2026112301") != std::string::npos);

  spit(rig.files / "mini.txt", "! Title: Mini\n||pixel.example^\n@@||ok.example^\nexample.org##.ad\n");
  CHECK(run({"--import-abp", rig.files / "mini.txt"}) == 0);
  CHECK(out.str().find("imported " + rig.files / "mini.txt" + " (Mini): 3 filters") != std::string::npos);
  CHECK(out.str().find("1 blocking filters, 1 exceptions") != std::string::npos);
  CHECK(out.str().find("1  cosmetic (element hiding) filter") != std::string::npos);
  std::string e;
  ActiveList a = load_active_list(rig.store, rig.bundled, test_keys(), &e);
  REQUIRE(a.user_list);
  CHECK(a.user_list->tracker(0).domains.at(0) == "pixel.example");

  CHECK(run({"--remove-import"}) == 0);
  CHECK_FALSE(file_exists(rig.store + "/user.json"));

  CHECK(run({"--bogus"}) == 1);
  CHECK(err.str().find("unknown argument '--bogus'") != std::string::npos);
  CHECK(run({"--rollback", "--import-abp", "x"}) == 1);
  CHECK(run({"--url"}) == 1);
  CHECK(err.str().find("--url needs a value") != std::string::npos);

  base.allow_loopback_http = false;  // what every non-test host runs with
  CHECK(run({"--url", rig.files.url("ok", "next.json")}) == 1);
  CHECK(err.str().find("only https:// addresses are accepted") != std::string::npos);
}

TEST_CASE("CLI: an expired list is flagged, and a server that offers nothing newer is called out (finding 6)",
          "[update-fault][cli][security]") {
  FaultRig rig;
  std::string expired = list_json(2026112401);
  expired.replace(expired.find("\"expires\": \"2099-12-31\""), 23, "\"expires\": \"2026-11-24\"");
  write_signed(rig.files.path(), "old.json", expired);
  UpdateConfig base = rig.config(rig.files.url("ok", "old.json"));
  std::ostringstream out;
  std::ostringstream err;
  CHECK(run_update_command({}, base, out, err) == 0);
  CHECK(out.str().find("updated: now signature list 2026112401") != std::string::npos);
  CHECK(err.str().find("warning: the signature list 2026112401 is ") != std::string::npos);
  CHECK(err.str().find("it expired on 2026-11-24") != std::string::npos);
  out.str("");
  err.str("");
  CHECK(run_update_command({}, base, out, err) == 0);
  CHECK(out.str().find("already up to date") != std::string::npos);
  CHECK(err.str().find("(freeze attack)") != std::string::npos);
}
