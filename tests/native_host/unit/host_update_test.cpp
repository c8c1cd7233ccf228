// The host session during a signature update (issue #4, points 2 and 3): the download runs beside the
// request loop, progress frames reach the caller, classify keeps using the old list until the new one is
// verified, and the switch needs no restart. Real libcurl against tests/update/fault_server.py on 127.0.0.1.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <sstream>
#include <thread>

#include "host.h"
#include "update_test_support.h"

using namespace mailveil;
using namespace mailveil::test;
using nlohmann::json;

namespace {

/// Splits the frames a FrameWriter wrote into JSON documents.
std::vector<json> frames_in(const std::string& bytes) {
  std::vector<json> out;
  size_t pos = 0;
  while (pos + 4 <= bytes.size()) {
    uint32_t n = 0;
    std::memcpy(&n, bytes.data() + pos, 4);
    out.push_back(json::parse(bytes.substr(pos + 4, n)));
    pos += 4 + n;
  }
  return out;
}

json classify_gamma(int id) {
  return {{"id", id},
          {"action", "classify"},
          {"message", {{"elements", {{{"ref", "g"}, {"kind", "img"}, {"url", "https://px.gamma.example/o.gif"}}}}}}};
}

}  // namespace

TEST_CASE("host: an update downloads beside the request loop and switches lists without restart",
          "[host][update-fault]") {
  TempDir store;
  TempDir bundled_dir;
  const std::string bundled = bundled_dir.path() + "/trackers.json";
  spit(bundled, list_json(2026112301, {"alpha"}));
  ServedDir files;
  std::vector<std::string> ids = {"alpha", "gamma"};
  for (int i = 0; i < 60; ++i) ids.push_back("t" + std::to_string(i));  // big enough to arrive in pieces
  write_signed(files.path(), "next.json", list_json(2026112401, ids));

  HostConfig config;
  config.update = test_config(store.path(), bundled, files.url("slow", "next.json"));
  std::string err;
  ActiveList active = load_active_list(store.path(), bundled, test_keys(), &err);
  REQUIRE(active.list->list_version == 2026112301);

  std::ostringstream out;
  FrameWriter writer(out, kMaxOutboundFrame);
  std::string verdict_during;
  {
    Host host(config, active, writer);
    host.handle(json({{"id", "u1"}, {"action", "update"}}).dump());
    host.handle(json({{"id", "u2"}, {"action", "update"}}).dump());  // one at a time
    // While the list trickles in, classify is answered at once, with the old list (gamma unknown).
    host.handle(classify_gamma(1).dump());
    CHECK(host.engine()->list().list_version == 2026112301);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (host.engine()->list().list_version != 2026112401 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(host.engine()->list().list_version == 2026112401);
    host.handle(classify_gamma(2).dump());
  }  // joins the update thread

  std::vector<json> frames = frames_in(out.str());
  std::vector<json> progress;
  json final_reply, busy, before, after;
  for (const auto& f : frames) {
    if (f["id"] == "u1" && f.value("final", true) == false) progress.push_back(f);
    if (f["id"] == "u1" && f.value("final", false) == true) final_reply = f;
    if (f["id"] == "u2") busy = f;
    if (f["id"] == 1) before = f;
    if (f["id"] == 2) after = f;
  }
  CHECK(busy["error"]["code"] == "update_in_progress");
  REQUIRE_FALSE(progress.empty());
  CHECK(progress.back()["progress"]["received"].get<uint64_t>() > 0);
  REQUIRE(final_reply.is_object());
  CHECK(final_reply["ok"] == true);
  CHECK(final_reply["result"]["status"] == "updated");
  CHECK(final_reply["result"]["signatures"]["list_version"] == 2026112401);
  CHECK(before["result"]["elements"][0]["verdict"] == "allow");
  CHECK(after["result"]["elements"][0]["verdict"] == "block");
  CHECK(after["result"]["elements"][0]["tracker"]["id"] == "gamma");
}

TEST_CASE("host: a failed update answers update_failed and keeps serving the old list", "[host][update-fault]") {
  TempDir store;
  TempDir bundled_dir;
  const std::string bundled = bundled_dir.path() + "/trackers.json";
  spit(bundled, list_json(2026112301, {"alpha"}));
  ServedDir files;
  HostConfig config;
  config.update = test_config(store.path(), bundled, files.url("notfound", "next.json"));
  std::string err;
  ActiveList active = load_active_list(store.path(), bundled, test_keys(), &err);
  std::ostringstream out;
  FrameWriter writer(out, kMaxOutboundFrame);
  {
    Host host(config, active, writer);
    host.handle(json({{"id", "u"}, {"action", "update"}}).dump());
  }
  std::vector<json> frames = frames_in(out.str());
  REQUIRE_FALSE(frames.empty());
  for (size_t i = 0; i + 1 < frames.size(); ++i) CHECK(frames[i]["final"] == false);  // progress only
  const json& last = frames.back();
  CHECK(last["ok"] == false);
  CHECK(last["final"] == true);
  CHECK(last["error"]["code"] == "update_failed");
  CHECK(last["error"]["message"].get<std::string>().find("HTTP 404") != std::string::npos);
}
