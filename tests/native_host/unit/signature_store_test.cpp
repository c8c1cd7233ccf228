#include "signature_store.h"

#include <catch2/catch.hpp>

#include "atomic_file.h"
#include "update_test_support.h"

using namespace mailveil;
using namespace mailveil::test;

namespace {

constexpr int64_t kBundled = 2026112001;

/// A store dir plus a bundled list next to it.
struct StoreRig {
  TempDir root;
  std::string store = root / "store";
  std::string bundled = root / "bundled.json";
  StoreRig() {
    spit(bundled, list_json(kBundled, {"bundled-one"}));
    std::string err;
    REQUIRE(make_dirs(store, &err));
  }
  ActiveList load(std::string* err) const { return load_active_list(store, bundled, test_keys(), err); }
};

}  // namespace

TEST_CASE("write_file_atomic replaces the file and leaves no temporary behind", "[store][atomic]") {
  TempDir dir;
  std::string path = dir / "f.json";
  std::string err;
  REQUIRE(write_file_atomic(path, "first", &err));
  REQUIRE(write_file_atomic(path, "second, longer", &err));
  CHECK(slurp(path) == "second, longer");
  CHECK(snapshot(dir.path()).size() == 1);
}

TEST_CASE("write_file_atomic reports a missing directory and writes nothing", "[store][atomic]") {
  TempDir dir;
  std::string err;
  CHECK_FALSE(write_file_atomic(dir / "missing/f.json", "x", &err));
  CHECK(err.find(dir / "missing/f.json") != std::string::npos);
  CHECK(err.find("No such file or directory") != std::string::npos);
}

TEST_CASE("write_file_atomic on a full disk keeps the old file and removes its temporary", "[store][atomic]") {
  TempDir dir;
  std::string path = dir / "f.json";
  std::string err;
  REQUIRE(write_file_atomic(path, "old content", &err));
  const std::string big(64 * 1024, 'x');
  {
    FileSizeLimit limit(4096);
    CHECK_FALSE(write_file_atomic(path, big, &err));
  }
  CHECK(err.find("cannot write " + path) != std::string::npos);
  CHECK(err.find("File too large") != std::string::npos);
  CHECK(slurp(path) == "old content");
  CHECK(snapshot(dir.path()).size() == 1);
}

TEST_CASE("make_dirs fails clearly under a regular file", "[store][atomic]") {
  TempDir dir;
  spit(dir / "file", "x");
  std::string err;
  CHECK_FALSE(make_dirs(dir / "file/store", &err));
  CHECK(err.find("cannot create directory") != std::string::npos);
  CHECK(make_dirs(dir / "a/b/c", &err));
  CHECK(fs::is_directory(dir / "a/b/c"));
}

TEST_CASE("load_active_list serves the bundled list when the store is empty", "[store]") {
  StoreRig rig;
  std::string err;
  ActiveList a = rig.load(&err);
  CHECK(err.empty());
  REQUIRE(a.list);
  CHECK(a.source == ListSource::kBundled);
  CHECK(a.path == rig.bundled);
  CHECK(a.list->list_version == kBundled);
  CHECK_FALSE(a.previous_available);
  CHECK(a.warnings.empty());
  CHECK_FALSE(a.user_list);
}

TEST_CASE("load_active_list prefers a verified, newer stored list", "[store]") {
  StoreRig rig;
  write_signed(rig.store, "current.json", list_json(2026112301));
  std::string err;
  ActiveList a = rig.load(&err);
  CHECK(a.source == ListSource::kUpdated);
  CHECK(a.path == rig.store + "/current.json");
  CHECK(a.list->list_version == 2026112301);
  CHECK(a.previous_available);  // rollback to the bundled list

  SECTION("the same store is not trusted by a host without the test key") {
    ActiveList b = load_active_list(rig.store, rig.bundled, &err);
#ifndef MAILVEIL_TEST_KEYS
    CHECK(b.source == ListSource::kBundled);
    REQUIRE_FALSE(b.warnings.empty());
    CHECK(b.warnings.front().find("signature does not match") != std::string::npos);
#endif
  }
}

TEST_CASE("load_active_list keeps the bundled list when it is newer than the store's", "[store]") {
  StoreRig rig;
  write_signed(rig.store, "current.json", list_json(kBundled - 5));
  std::string err;
  ActiveList a = rig.load(&err);
  CHECK(a.source == ListSource::kBundled);
  CHECK(a.list->list_version == kBundled);
}

TEST_CASE("a tampered current list falls back to the previous one, then to the bundled one", "[store]") {
  StoreRig rig;
  write_signed(rig.store, "previous.json", list_json(2026112201));
  write_signed(rig.store, "current.json", list_json(2026112301));
  std::string text = slurp(rig.store + "/current.json");
  text.replace(text.find("alpha.example"), 13, "evil-.example");
  spit(rig.store + "/current.json", text);

  std::string err;
  ActiveList a = rig.load(&err);
  CHECK(err.empty());
  CHECK(a.source == ListSource::kUpdated);
  CHECK(a.path == rig.store + "/previous.json");
  CHECK(a.list->list_version == 2026112201);
  REQUIRE(a.warnings.size() >= 1);
  CHECK(a.warnings.front().find("failed verification") != std::string::npos);

  SECTION("previous tampered as well") {
    spit(rig.store + "/previous.json.sig", test_sign("something else"));
    ActiveList b = rig.load(&err);
    CHECK(b.source == ListSource::kBundled);
    CHECK(b.list->list_version == kBundled);
    CHECK(b.warnings.size() >= 2);
  }
  SECTION("signature file missing") {
    fs::remove(rig.store + "/previous.json.sig");
    ActiveList b = rig.load(&err);
    CHECK(b.source == ListSource::kBundled);
  }
}

TEST_CASE("load_active_list with nothing usable returns an empty list and an error", "[store]") {
  TempDir dir;
  std::string err;
  ActiveList a = load_active_list(dir / "store", dir / "no-such-bundled.json", test_keys(), &err);
  REQUIRE(a.list);
  CHECK(a.list->empty());
  CHECK(a.source == ListSource::kNone);
  CHECK(err.find("no usable signature list") != std::string::npos);
}

TEST_CASE("install_list keeps the replaced list as previous; restore_previous steps back once", "[store]") {
  StoreRig rig;
  std::string err;
  const std::string v1 = list_json(2026112201);
  const std::string v2 = list_json(2026112301);
  REQUIRE(install_list(rig.store, v1, test_sign(v1), false, {}, &err));
  CHECK_FALSE(file_exists(rig.store + "/previous.json"));
  REQUIRE(install_list(rig.store, v2, test_sign(v2), true, {}, &err));
  CHECK(slurp(rig.store + "/current.json") == v2);
  CHECK(slurp(rig.store + "/previous.json") == v1);
  CHECK_FALSE(file_exists(rig.store + "/current.json.new"));

  REQUIRE(restore_previous(rig.store, &err));
  CHECK(slurp(rig.store + "/current.json") == v1);
  CHECK_FALSE(file_exists(rig.store + "/previous.json"));
  CHECK(rig.load(&err).list->list_version == 2026112201);

  // One more step: the store empties and the bundled list is served again.
  REQUIRE(restore_previous(rig.store, &err));
  CHECK_FALSE(file_exists(rig.store + "/current.json"));
  CHECK(rig.load(&err).source == ListSource::kBundled);

  CHECK_FALSE(restore_previous(rig.store, &err));
  CHECK(err == "no previous list is kept — nothing to roll back");
}

TEST_CASE("install_list with a failing writer leaves the store exactly as it was", "[store]") {
  StoreRig rig;
  std::string err;
  const std::string v1 = list_json(2026112201);
  REQUIRE(install_list(rig.store, v1, test_sign(v1), false, {}, &err));
  auto before = snapshot(rig.store);

  int calls = 0;
  for (int fail_at : {1, 2}) {
    calls = 0;
    WriteFileFn flaky = [&](const std::string& path, std::string_view data, std::string* e) {
      if (++calls == fail_at) {
        *e = "cannot write " + path + ": No space left on device";
        return false;
      }
      return write_file_atomic(path, data, e);
    };
    const std::string v2 = list_json(2026112301);
    CHECK_FALSE(install_list(rig.store, v2, test_sign(v2), true, flaky, &err));
    CHECK(err.find("No space left on device") != std::string::npos);
    CHECK(snapshot(rig.store) == before);
  }
}

TEST_CASE("update state round-trips through state.json", "[store]") {
  StoreRig rig;
  std::string err;
  UpdateState s{"https://x.example/l.json", "\"abc\"", "Mon, 23 Nov 2026 10:00:00 GMT", 2026112301};
  REQUIRE(write_update_state(rig.store, s, {}, &err));
  UpdateState back;
  REQUIRE(read_update_state(rig.store, &back));
  CHECK(back.url == s.url);
  CHECK(back.etag == s.etag);
  CHECK(back.last_modified == s.last_modified);
  CHECK(back.list_version == s.list_version);
  spit(rig.store + "/state.json", "not json");
  CHECK_FALSE(read_update_state(rig.store, &back));
  CHECK(back.etag.empty());
}

TEST_CASE("the store lock excludes a second updater", "[store]") {
  StoreRig rig;
  StoreLock first;
  StoreLock second;
  bool busy = false;
  std::string err;
  REQUIRE(first.acquire(rig.store, &busy, &err));
  CHECK_FALSE(second.acquire(rig.store, &busy, &err));
  CHECK(busy);
  CHECK(err == "another update of the signature store is in progress");
}

TEST_CASE("the user list is attached beside the signed list, with its exceptions", "[store][user]") {
  StoreRig rig;
  std::string err;
  const std::string user = R"({"format_version": 1, "list_version": 1, "published": "2026-11-23",
    "trackers": [
      {"id": "user-3", "name": "t.example", "company": "t.example", "category": "analytics", "domains": ["t.example"]},
      {"id": "user-4", "name": "p", "company": "EasyPrivacy", "category": "analytics", "patterns": ["(?i)/pixel\\.gif"]},
      {"id": "bad id", "name": "x", "company": "x", "category": "analytics", "domains": ["x.example"]}],
    "exceptions": [
      {"id": "user-x9", "name": "ok", "company": "ok", "category": "analytics", "patterns": ["(?i)^https?://ok\\.example/pixel\\.gif"]}]})";
  REQUIRE(install_user_list(rig.store, user, {}, &err));
  ActiveList a = rig.load(&err);
  CHECK(a.source == ListSource::kBundled);
  REQUIRE(a.user_list);
  CHECK(a.user_list->size() == 2);
  REQUIRE(a.user_exceptions);
  CHECK(a.user_exceptions->size() == 1);
  CHECK(a.user_exceptions->tracker(0).id == "user-x9");
  CHECK(a.user_path == rig.store + "/user.json");
  REQUIRE(a.warnings.size() == 1);  // the entry with a bad id
  CHECK(a.warnings[0].find("1 entry skipped") != std::string::npos);
  // The signed (here bundled) list is untouched by the merge.
  CHECK(a.list->size() == 1);

  SECTION("a broken user list is reported and ignored") {
    spit(rig.store + "/user.json", "{\"format_version\": 1, \"list_version\": 1, \"trackers\": [], \"exceptions\": 5}");
    ActiveList b = rig.load(&err);
    CHECK_FALSE(b.user_list);
    REQUIRE(b.warnings.size() == 1);
    CHECK(b.warnings[0].find("exceptions must be an array") != std::string::npos);
    CHECK(b.list->list_version == kBundled);
  }
  SECTION("removing it") {
    REQUIRE(remove_user_list(rig.store, &err));
    CHECK_FALSE(rig.load(&err).user_list);
    CHECK(remove_user_list(rig.store, &err));  // absent already: fine
  }
}
