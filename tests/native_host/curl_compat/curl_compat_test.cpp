// The updater on a libcurl older than 7.85 (issue 12, finding 7). CTest runs this executable with
// tests/native_host/fake_curl (a libcurl.so.4 that forwards to the real one but reports another version and
// refuses the options that version lacks) first in LD_LIBRARY_PATH; each CTest entry sets the version and picks
// the matching tag. Run alone, without the fake library, the version checks fail: the tests cannot pass by
// accident on the real libcurl.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "update_test_support.h"

using namespace mailveil;
using namespace mailveil::test;

namespace {

/// A store and a loopback server whose "redirect-http" mode answers with a redirect to plain http.
struct Rig {
  TempDir files;
  TempDir home;
  std::unique_ptr<FaultServer> server;
  Rig() {
    spit(home / "bundled.json", list_json(2026112001, {"bundled"}));
    write_signed(files.path(), "next.json", list_json(2026112050));
    server = std::make_unique<FaultServer>(files.path());
  }
  UpdateOutcome update(const std::string& mode) {
    UpdateConfig c = test_config(home / "store", home / "bundled.json", server->url(mode, "next.json"));
    std::string err;
    ActiveList active = load_active_list(c.store_dir, c.bundled_path, c.trusted_keys, &err);
    return update_signatures(c, active, {});
  }
};

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

TEST_CASE("libcurl 7.74: https-only is enforced with CURLOPT_PROTOCOLS; a redirect to http is refused", "[old-curl]") {
  REQUIRE(env("MAILVEIL_FAKE_CURL_VERSION") == "7.74.0");
  REQUIRE(curl_runtime_version() == "7.74.0");  // the fake library is the one loaded
  Rig rig;
  UpdateOutcome redirected = rig.update("redirect-http");
  CHECK_FALSE(redirected.ok);
  CHECK_THAT(redirected.message, Catch::Contains("redirected to a non-HTTPS address"));
  CHECK_FALSE(file_exists(rig.home / "store/current.json"));
  // The same library still downloads what it may.
  UpdateOutcome direct = rig.update("ok");
  CHECK(direct.ok);
  CHECK(direct.status == UpdateStatus::kUpdated);
}

TEST_CASE("a libcurl that cannot restrict protocols is not used for updates", "[no-protocols]") {
  REQUIRE(env("MAILVEIL_FAKE_CURL_NO_PROTOCOLS") == "1");
  REQUIRE(curl_runtime_version() == env("MAILVEIL_FAKE_CURL_VERSION"));
  Rig rig;
  for (const char* mode : {"ok", "redirect-http"}) {
    UpdateOutcome o = rig.update(mode);
    CHECK_FALSE(o.ok);
    CHECK_THAT(o.message, Catch::Contains("cannot enforce HTTPS-only downloads — refusing to update"));
  }
  CHECK_FALSE(file_exists(rig.home / "store/current.json"));
}

TEST_CASE("a libcurl older than 7.34 is refused outright", "[ancient-curl]") {
  REQUIRE(env("MAILVEIL_FAKE_CURL_VERSION") == "7.20.0");
  Rig rig;
  UpdateOutcome o = rig.update("ok");
  CHECK_FALSE(o.ok);
  CHECK_THAT(o.message, Catch::Contains("too old to restrict downloads to HTTPS"));
  CHECK_THAT(curl_runtime_version(), Catch::Contains("7.20.0"));
}

TEST_CASE("libcurl 7.85 and newer: the _STR options, a redirect to http refused", "[new-curl]") {
  REQUIRE(env("MAILVEIL_FAKE_CURL_VERSION") == "7.85.0");
  REQUIRE(curl_runtime_version() == "7.85.0");
  Rig rig;
  UpdateOutcome redirected = rig.update("redirect-http");
  CHECK_FALSE(redirected.ok);
  CHECK_THAT(redirected.message, Catch::Contains("redirected to a non-HTTPS address"));
  CHECK(rig.update("ok").ok);
}
