// The real binary, spawned as a browser spawns it: every kind of bad input gets a structured error and the
// next message is still served.
#include "host_process.h"

#include <catch2/catch.hpp>
#include <fstream>

using mailveil::test::HostProcess;
using nlohmann::json;

namespace {

json classify_request(const std::string& id, json elements) {
  return {{"id", id},
          {"action", "classify"},
          {"message",
           {{"id", "m1"},
            {"webmail", "gmail"},
            {"sender", "news@telecom.example"},
            {"user_addresses", {"jane.doe@example.org"}},
            {"elements", std::move(elements)}}}};
}

/// Asserts the host still answers a status request after whatever came before.
void require_still_serving(HostProcess& host, const std::string& id) {
  host.send({{"id", id}, {"action", "status"}});
  auto reply = host.receive();
  REQUIRE(reply);
  CHECK((*reply)["id"] == id);
  CHECK((*reply)["ok"] == true);
}

json expect_error(HostProcess& host, const std::string& code) {
  auto reply = host.receive();
  REQUIRE(reply);
  INFO(reply->dump());
  CHECK((*reply)["ok"] == false);
  CHECK((*reply)["error"]["code"] == code);
  CHECK((*reply)["error"]["message"].get<std::string>().size() > 5);
  return *reply;
}

}  // namespace

TEST_CASE("host: hello, classify and status on one long-lived process", "[host]") {
  HostProcess host;
  host.send({{"id", 1}, {"action", "hello"}, {"protocol", 1}, {"client", "test"}});
  auto hello = host.receive();
  REQUIRE(hello);
  CHECK((*hello)["id"] == 1);
  CHECK((*hello)["action"] == "hello");
  CHECK((*hello)["result"]["protocol"] == 1);
  CHECK((*hello)["result"]["signatures"]["list_version"] == 2026010101);
  CHECK((*hello)["result"]["limits"]["max_frame_out"] == 1048576);
  const json bands = (*hello)["result"]["grades"];
  REQUIRE(bands.size() == 6);
  CHECK(bands[0] == json({{"grade", "A"}, {"min", 90}}));
  CHECK(bands[5] == json({{"grade", "F"}, {"min", 0}}));

  host.send(classify_request("c1", {{{"ref", "a"},
                                     {"kind", "img"},
                                     {"url", "https://www.google-analytics.com/collect?v=1&tid=UA-9-9"},
                                     {"declared", {{"width", 1}, {"height", 1}}}},
                                    {{"ref", "b"}, {"kind", "img"}, {"url", "https://img.telecom.example/a.png"}}}));
  auto c = host.receive();
  REQUIRE(c);
  CHECK((*c)["id"] == "c1");
  CHECK((*c)["action"] == "classify");
  CHECK((*c)["ok"] == true);
  CHECK((*c)["result"]["elements"][0]["verdict"] == "block");
  CHECK((*c)["result"]["elements"][0]["tracker"]["company"] == "Google");
  CHECK((*c)["result"]["elements"][1] == json({{"ref", "b"}, {"verdict", "allow"}}));
  CHECK((*c)["result"]["score"]["grade"].is_string());
  CHECK((*c)["result"]["score"]["reason"]["code"] == "tracking-pixels");
  CHECK((*c)["result"]["elements"][0]["tracker"]["brand"] == "Google Analytics");

  host.send({{"id", 3}, {"action", "rules"}});
  auto rules = host.receive();
  REQUIRE(rules);
  auto domains = (*rules)["result"]["block_domains"];
  CHECK(std::find(domains.begin(), domains.end(), "google-analytics.com") != domains.end());

  host.send({{"id", 4}, {"action", "status"}});
  auto status = host.receive();
  REQUIRE(status);
  CHECK((*status)["result"]["requests"] == 4);
  host.close_stdin();
  CHECK(host.wait_exit() == 0);
}

TEST_CASE("host: malformed input of every kind gets a structured error and the next message is served", "[host]") {
  HostProcess host;
  SECTION("invalid UTF-8") {
    host.send_frame("{\"id\":1,\"action\":\"status\",\"x\":\"\xff\xfe\"}");
    expect_error(host, "invalid_utf8");
  }
  SECTION("broken JSON") {
    host.send_frame("{\"id\":1,\"action\":");
    expect_error(host, "invalid_json");
  }
  SECTION("non-object JSON") {
    host.send_frame("[\"status\"]");
    expect_error(host, "not_an_object");
  }
  SECTION("missing action") {
    host.send({{"id", 9}});
    CHECK(expect_error(host, "missing_field")["id"] == 9);
  }
  SECTION("unknown action") {
    host.send({{"id", 9}, {"action", "format_disk"}});
    auto r = expect_error(host, "unknown_action");
    CHECK(r["action"] == "format_disk");
  }
  SECTION("missing fields and wrong types in classify") {
    host.send({{"id", 2}, {"action", "classify"}});
    expect_error(host, "missing_field");
    host.send(classify_request("c", {{{"kind", "img"}, {"url", 42}}}));
    auto r = expect_error(host, "wrong_type");
    CHECK(r["error"]["message"].get<std::string>().find("elements[0].url") != std::string::npos);
    host.send({{"id", 3}, {"action", "hello"}, {"protocol", "one"}});
    expect_error(host, "wrong_type");
    host.send({{"id", 4}, {"action", "hello"}, {"protocol", 99}});
    expect_error(host, "unsupported_protocol");
  }
  SECTION("huge declared length") {
    uint32_t n = 64u << 20;  // 64 MiB, over the 16 MiB cap: skipped without allocation
    host.send_raw(std::string(reinterpret_cast<const char*>(&n), 4));
    std::string chunk(1 << 20, ' ');
    for (int i = 0; i < 64; ++i) host.send_raw(chunk);
    expect_error(host, "frame_too_large");
  }
  SECTION("100k elements") {
    json elements = json::array();
    for (int i = 0; i < 100000; ++i) elements.push_back({{"kind", "img"}, {"url", "https://a.example/x.png"}});
    host.send(classify_request("big", elements));
    expect_error(host, "too_many_elements");
  }
  SECTION("a 100 KB URL") {
    host.send(classify_request(
        "long", {{{"ref", "x"}, {"kind", "img"}, {"url", "https://a.example/" + std::string(100 * 1024, 'z')}},
                 {{"ref", "y"}, {"kind", "img"}, {"url", "https://a.example/ok.png"}}}));
    auto r = host.receive();
    REQUIRE(r);
    CHECK((*r)["ok"] == true);
    CHECK((*r)["result"]["elements"][0]["verdict"] == "block");
    CHECK((*r)["result"]["elements"][0]["error"]["code"] == "url_too_long");
    CHECK((*r)["result"]["elements"][1]["verdict"] == "allow");
  }
  require_still_serving(host, "after");
  host.close_stdin();
  CHECK(host.wait_exit() == 0);
}

TEST_CASE("host: a truncated frame is answered, then the host exits cleanly", "[host]") {
  HostProcess host;
  uint32_t n = 100;
  host.send_raw(std::string(reinterpret_cast<const char*>(&n), 4) + "{\"id\":1");
  host.close_stdin();
  expect_error(host, "truncated_frame");
  CHECK(host.wait_exit() == 0);

  HostProcess short_prefix;
  short_prefix.send_raw(std::string("\x07\x00", 2));
  short_prefix.close_stdin();
  expect_error(short_prefix, "truncated_frame");
  CHECK(short_prefix.wait_exit() == 0);
}

TEST_CASE("host: a caller it was not installed for is refused on every request", "[host]") {
  HostProcess chrome({"chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"});
  chrome.send({{"id", 1}, {"action", "hello"}, {"protocol", 1}});
  expect_error(chrome, "forbidden_caller");
  chrome.send({{"id", 2}, {"action", "status"}});
  expect_error(chrome, "forbidden_caller");

  HostProcess firefox({"/home/u/.mozilla/native-messaging-hosts/org.mailveil.host.json", "mailveil@mailveil.org"});
  firefox.send({{"id", 1}, {"action", "hello"}, {"protocol", 1}});
  auto r = firefox.receive();
  REQUIRE(r);
  CHECK((*r)["ok"] == true);

  HostProcess foreign_firefox({"/x/org.mailveil.host.json", "evil@example.org"});
  foreign_firefox.send({{"id", 1}, {"action", "hello"}, {"protocol", 1}});
  expect_error(foreign_firefox, "forbidden_caller");
}

TEST_CASE("host: a signature file with hostile regexes loads its good entries and keeps serving", "[host]") {
  HostProcess host({"chrome-extension://celkdkpfmogfmihpiofdidjkhbcliejm/"},
                   {{"MAILVEIL_SIGNATURES", std::string(MAILVEIL_TEST_DATA) + "/signatures/with-bad-entries.json"}});
  host.send({{"id", 1}, {"action", "hello"}, {"protocol", 1}});
  auto r = host.receive();
  REQUIRE(r);
  CHECK((*r)["result"]["signatures"]["trackers"] == 2);
  CHECK((*r)["result"]["signatures"]["skipped"] == 9);
  host.send(classify_request("c", {{{"kind", "img"}, {"url", "https://t.good2.example/o/x"}}}));
  auto c = host.receive();
  REQUIRE(c);
  CHECK((*c)["result"]["elements"][0]["tracker"]["id"] == "good-two");
}

TEST_CASE("host: replies stay under 1 MiB for a 5,000-element mail", "[host]") {
  HostProcess host;
  json elements = json::array();
  for (int i = 0; i < 5000; ++i) {
    elements.push_back({{"ref", "e" + std::to_string(i)},
                        {"kind", "img"},
                        {"url", "https://t.unknown.example/open/" + std::to_string(1000000000 + i) +
                                    "a8Fk29dLq0Zx7PmW.gif?jane.doe%40example.org&pad=" + std::string(150, 'p')},
                        {"declared", {{"width", 1}, {"height", 1}}}});
  }
  host.send(classify_request("big", elements));
  auto r = host.receive();
  REQUIRE(r);
  CHECK(host.last_frame_size() <= 1048576u);
  CHECK((*r)["ok"] == true);
  CHECK((*r)["result"]["truncated"].is_boolean());
  require_still_serving(host, "after-big");
}

TEST_CASE("host: logs go to the log file, never to stdout, and mask addresses", "[host]") {
  std::string log;
  {
    HostProcess host;
    host.send(classify_request("c", {{{"kind", "img"}, {"url", "https://x.example/o?e=jane.doe%40example.org"}}}));
    REQUIRE(host.receive());
    host.close_stdin();
    CHECK(host.wait_exit() == 0);
    std::ifstream in(host.home() + "/host.log");
    REQUIRE(in);
    log.assign(std::istreambuf_iterator<char>(in), {});
  }
  CHECK(log.find("classify") != std::string::npos);
  CHECK(log.find("jane.doe") == std::string::npos);
}

TEST_CASE("host: evidence action returns a self-contained page in the requested language", "[host][evidence]") {
  HostProcess host;
  json message = {{"sender", "news@telecom.example"},
                  {"user_addresses", {"jane.doe@example.org"}},
                  {"subject", "Offre"},
                  {"date", "Tue, 24 Nov 2026 09:30:00 +0100"},
                  {"message_id_header", "<abc.1@mta.telecom.example>"},
                  {"elements",
                   {{{"ref", "a"},
                     {"kind", "img"},
                     {"url", "https://www.google-analytics.com/collect?v=1&tid=UA-9-9&uid=jane.doe@example.org"},
                     {"declared", {{"width", 1}, {"height", 1}}}}}}};
  for (const char* lang : {"en", "fr"}) {
    host.send({{"id", lang}, {"action", "evidence"}, {"lang", lang}, {"message", message}});
    auto reply = host.receive();
    REQUIRE(reply);
    INFO(reply->dump().substr(0, 400));
    CHECK((*reply)["ok"] == true);
    CHECK((*reply)["action"] == "evidence");
    const std::string html = (*reply)["result"]["html"];
    CHECK(html.find(std::string("<html lang=\"") + lang + "\">") != std::string::npos);
    CHECK(html.find("default-src &#39;none&#39;") != std::string::npos);
    CHECK(html.find("jane.doe@example.org") == std::string::npos);
    CHECK(html.find("jane.doe%40") == std::string::npos);
    CHECK(html.find("&lt;abc.1@mta.telecom.example&gt;") != std::string::npos);
    CHECK(html.find("2026010101") != std::string::npos);  // the fixture list's version
    const std::string file = (*reply)["result"]["filename"];
    CHECK(file.starts_with("mailveil-evidence-telecom.example-"));
    CHECK(file.ends_with(std::string("-") + lang + ".html"));
  }
  host.send({{"id", "x"}, {"action", "evidence"}, {"lang", "de"}, {"message", message}});
  expect_error(host, "invalid_value");
  host.send({{"id", "y"}, {"action", "evidence"}});
  expect_error(host, "missing_field");
  require_still_serving(host, "z");
  host.close_stdin();
  CHECK(host.wait_exit() == 0);
}
