// The real binary, spawned as a browser spawns it: every kind of bad input gets a structured error and the
// next message is still served.
#include "host_process.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "digest.h"
#include "public_suffix.h"

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
  // The Public Suffix List behind company names (issue 14): its date, source and libpsl version.
  CHECK((*hello)["result"]["psl"] == mailveil::public_suffix_json());
  CHECK((*hello)["result"]["psl"]["list"].get<std::string>().size() == 10);
  CHECK_FALSE((*hello)["result"]["psl"]["libpsl"].get<std::string>().empty());

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

TEST_CASE("host: an id or action over 1 MiB still gets a reply, without the echo (finding 4)", "[host][security]") {
  // shared/security/repro/no-reply-large-id.py: these got no reply at all.
  HostProcess host;
  host.send({{"id", std::string(1 << 20, 'x')}, {"action", "status"}});
  auto r = expect_error(host, "invalid_value");
  CHECK(r["id"].is_null());
  CHECK(host.last_frame_size() < 4096);
  host.send({{"id", 1}, {"action", std::string(1 << 20, 'y')}});
  r = expect_error(host, "unknown_action");
  CHECK(r["id"] == 1);
  CHECK(r["action"].is_null());
  CHECK(host.last_frame_size() < 4096);
  host.send({{"id", std::string(1 << 20, 'z')}, {"action", "classify"}, {"message", {{"elements", json::array()}}}});
  CHECK(expect_error(host, "invalid_value")["id"].is_null());
  // The longest id still echoed, and every other echoed string, are bounded the same way.
  const std::string longest(1024, 'i');
  host.send({{"id", longest}, {"action", "status"}});
  auto ok = host.receive();
  REQUIRE(ok);
  CHECK((*ok)["id"] == longest);
  host.send(
      classify_request("ref", {{{"ref", std::string(2000, 'r')}, {"kind", "img"}, {"url", "https://a.example/"}}}));
  CHECK(expect_error(host, "invalid_value")["error"]["message"].get<std::string>().find("elements[0].ref") !=
        std::string::npos);
  host.send(classify_request("kind", {{{"kind", std::string(1 << 20, 'k')}, {"url", "https://a.example/"}}}));
  expect_error(host, "invalid_value");
  CHECK(host.last_frame_size() < 4096);
  require_still_serving(host, "ping");
}

TEST_CASE("host: user_addresses are bounded in count and length (finding 2)", "[host][security]") {
  HostProcess host;
  json many = json::array();
  for (int i = 0; i < 100000; ++i) many.push_back("u" + std::to_string(i) + "@example.org");
  json req = classify_request("many", {{{"kind", "img"}, {"url", "https://t.example/a.gif"}}});
  req["message"]["user_addresses"] = many;
  host.send(req);
  auto r = expect_error(host, "too_many_addresses");
  CHECK(r["error"]["message"] == "message.user_addresses: 100000 addresses; at most 100 are accepted");
  req["message"]["user_addresses"] = {"me@example.org", std::string(300, 'a') + "@example.org"};
  host.send(req);
  r = expect_error(host, "invalid_value");
  CHECK(r["error"]["message"].get<std::string>().starts_with("message.user_addresses[1]: 312 bytes"));
  // The same rules for report.
  host.send({{"id", "rep"},
             {"action", "report"},
             {"user_addresses", many},
             {"element", {{"kind", "img"}, {"url", "https://t.example/a.gif"}}}});
  expect_error(host, "too_many_addresses");
  // At the cap, with a hex-heavy mail, the request is served.
  json hundred = json::array();
  for (int i = 0; i < 100; ++i) hundred.push_back("reader" + std::to_string(i) + "@example.org");
  json elements = json::array();
  for (int i = 0; i < 2000; ++i) {
    elements.push_back({{"kind", "img"}, {"url", "https://t.example/o/" + std::string(4000, 'a' + i % 6) + ".gif"}});
  }
  req = classify_request("cap", elements);
  req["message"]["user_addresses"] = hundred;
  host.send(req);
  auto served = host.receive(std::chrono::seconds(120));
  REQUIRE(served);
  CHECK((*served)["ok"] == true);
  // hello announces the limits.
  host.send({{"id", "h"}, {"action", "hello"}, {"protocol", 1}});
  auto hello = host.receive();
  REQUIRE(hello);
  CHECK((*hello)["result"]["limits"]["max_user_addresses"] == 100);
  CHECK((*hello)["result"]["limits"]["max_address_length"] == 254);
  CHECK((*hello)["result"]["limits"]["max_echoed_length"] == 1024);
}

TEST_CASE("host: report and classify never show an address carried by the URL's host (finding 1)", "[host][security]") {
  // shared/security/repro/report-address-in-host.py
  HostProcess host;
  host.send({{"id", "rep"},
             {"action", "report"},
             {"kind", "missed"},
             {"webmail", "gmail"},
             {"user_addresses", {"john.doe@example.org"}},
             {"element",
              {{"kind", "img"},
               {"url", "https://john.doe%40example.org/o/open.gif"},
               {"declared", {{"width", 1}, {"height", 1}}}}}});
  auto rep = host.receive();
  REQUIRE(rep);
  REQUIRE((*rep)["ok"] == true);
  // A host that decodes to an '@' is no URL to a browser (WHATWG), and the report does not show it.
  CHECK((*rep)["result"]["json"]["url"] == "(not a remote URL)");
  std::string text = (*rep)["result"]["text"];
  CHECK(text.find("john") == std::string::npos);
  // The address in hex as a host label is a URL: masked.
  json hex_req = {{"id", "rep-hex"},
                  {"action", "report"},
                  {"kind", "missed"},
                  {"webmail", "gmail"},
                  {"user_addresses", {"john.doe@example.org"}},
                  {"element",
                   {{"kind", "img"},
                    {"url", "https://" + mailveil::to_hex("john.doe@example.org") + ".t.example/o/open.gif"},
                    {"declared", {{"width", 1}, {"height", 1}}}}}};
  host.send(hex_req);
  rep = host.receive();
  REQUIRE(rep);
  REQUIRE((*rep)["ok"] == true);
  CHECK((*rep)["result"]["json"]["url"] == "https://[email:hex].t.example/o/open.gif");
  text = (*rep)["result"]["text"];
  CHECK(text.find(mailveil::to_hex("john.doe@example.org")) == std::string::npos);
  CHECK(text.find("url (masked): https://[email:hex].t.example/o/open.gif") != std::string::npos);

  json req = classify_request(
      "cls",
      {{{"ref", "md5"},
        {"kind", "img"},
        // md5("john.doe@example.org")
        {"url", "https://" +
                    mailveil::to_hex(mailveil::raw_digest(mailveil::HashAlgorithm::kMd5, "john.doe@example.org")) +
                    ".t.example/o.gif"},
        {"declared", {{"width", 1}, {"height", 1}}}},
       {{"ref", "plain"},
        {"kind", "img"},
        // The address in hex as the last label: the masking reaches into the registrable domain.
        {"url", "https://x." + mailveil::to_hex("john.doe@example.org") + "/o/open.gif?u=123"},
        {"declared", {{"width", 1}, {"height", 1}}}}});
  req["message"]["user_addresses"] = {"john.doe@example.org"};
  host.send(req);
  auto c = host.receive();
  REQUIRE(c);
  REQUIRE((*c)["ok"] == true);
  const json& els = (*c)["result"]["elements"];
  CHECK(els[0]["evidence_url"] == "https://[email:md5].t.example/o.gif");
  CHECK(els[1]["evidence_url"] == "https://x.[email:hex]/o/open.gif?u=123");
  // The receiver is still named when the address is left of its domain.
  CHECK(els[0]["leaks"][0]["company"] == "t.example");
  CHECK(els[1]["leaks"][0]["company"] == "x.[email:hex]");
  for (const auto& e : els) {
    INFO(e.dump());
    REQUIRE(e.contains("leaks"));
    // Names made from the domain, the leak's company, findings: no part of the address.
    for (const char* part : {"john", "doe"}) {
      CHECK(e["tracker"].dump().find(part) == std::string::npos);
      CHECK(e["leaks"].dump().find(part) == std::string::npos);
      CHECK(e["evidence_url"].dump().find(part) == std::string::npos);
    }
  }
  CHECK((*c)["result"]["findings"].dump().find("john") == std::string::npos);
}

TEST_CASE("host: report answers wrong_type for a mistyped field, not internal (smaller finding)", "[host][security]") {
  HostProcess host;
  const json element = {{"kind", "img"}, {"url", "https://t.example/a.gif"}};
  host.send({{"id", 1}, {"action", "report"}, {"webmail", 42}, {"element", element}});
  CHECK(expect_error(host, "wrong_type")["error"]["message"] == "webmail: expected string, got number");
  host.send({{"id", 2}, {"action", "report"}, {"user_addresses", "me@example.org"}, {"element", element}});
  expect_error(host, "wrong_type");
  host.send({{"id", 3}, {"action", "report"}, {"kind", 7}, {"element", element}});
  expect_error(host, "wrong_type");
  host.send({{"id", 4}, {"action", "report"}, {"kind", "praise"}, {"element", element}});
  expect_error(host, "invalid_value");
  host.send({{"id", 5}, {"action", "report"}, {"webmail", std::string(5000, 'w')}, {"element", element}});
  expect_error(host, "invalid_value");
  require_still_serving(host, "after");
}

TEST_CASE("host: hello and status flag a list past its expiry date (finding 6)", "[host][security]") {
  SECTION("expired: the test list is from 2026-01-01, with no expires (90 days then)") {
    HostProcess host;
    host.send({{"id", 1}, {"action", "hello"}, {"protocol", 1}});
    auto hello = host.receive();
    REQUIRE(hello);
    const json& sig = (*hello)["result"]["signatures"];
    CHECK(sig["published"] == "2026-01-01");
    CHECK(sig["expires"] == "2026-04-01");
    CHECK(sig["expired"] == true);
    CHECK(sig["days_past_due"].get<int>() > 0);
    CHECK(sig["age_days"].get<int>() == sig["days_past_due"].get<int>() + 90);
    CHECK_THAT(sig["freshness_note"].get<std::string>(), Catch::Contains("expired on 2026-04-01"));
    host.send({{"id", 2}, {"action", "status"}});
    auto status = host.receive();
    REQUIRE(status);
    CHECK((*status)["result"]["signatures"]["expired"] == true);
  }
  SECTION("fresh") {
    char dir[] = "/tmp/mailveil-fresh-XXXXXX";
    REQUIRE(mkdtemp(dir));
    const std::string path = std::string(dir) + "/list.json";
    {
      std::ofstream out(path);
      out << R"({"format_version": 1, "list_version": 7, "published": "2026-01-01", "expires": "2099-12-31",
                 "trackers": [{"id": "a", "name": "A", "company": "A", "category": "esp", "domains": ["a.example"]}]})";
    }
    HostProcess host({"chrome-extension://celkdkpfmogfmihpiofdidjkhbcliejm/"}, {{"MAILVEIL_SIGNATURES", path}});
    host.send({{"id", 1}, {"action", "status"}});
    auto status = host.receive();
    REQUIRE(status);
    const json& sig = (*status)["result"]["signatures"];
    CHECK(sig["expires"] == "2099-12-31");
    CHECK(sig["expired"] == false);
    CHECK(sig["freshness_note"] == "");
    std::filesystem::remove_all(dir);
  }
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
    // The Public Suffix List that named the companies (issue 14).
    CHECK(html.find("<th>Public Suffix List</th><td>" + mailveil::public_suffix_info().date + " (libpsl ") !=
          std::string::npos);
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

TEST_CASE("host: judges a hashed address without mapping libcrypto, which only a signature check loads",
          "[host][startup]") {
  // The digests of the reader's address come from nettle, linked in; libcrypto (Ed25519) is loaded on the first
  // signature check, not at every start (signing.cpp).
  HostProcess host;
  host.send({{"id", 1}, {"action", "hello"}, {"protocol", 1}, {"client", "test"}});
  REQUIRE(host.receive());
  const std::string md5 = mailveil::hex_digest(mailveil::HashAlgorithm::kMd5, "jane.doe@example.org");
  const std::string sha256 = mailveil::hex_digest(mailveil::HashAlgorithm::kSha256, "jane.doe@example.org");
  host.send(
      classify_request("c1", {{{"ref", "a"}, {"kind", "img"}, {"url", "https://px.shop.example/o.gif?e=" + md5}},
                              {{"ref", "b"}, {"kind", "img"}, {"url", "https://px.shop.example/p.gif?h=" + sha256}}}));
  auto c = host.receive();
  REQUIRE(c);
  CHECK((*c)["result"]["elements"][0]["leaks"][0]["encoding"] == "md5");
  CHECK((*c)["result"]["elements"][1]["leaks"][0]["encoding"] == "sha256");
  std::ifstream maps("/proc/" + std::to_string(host.pid()) + "/maps");
  REQUIRE(maps);
  const std::string mapped((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  CHECK_THAT(mapped, Catch::Contains("libc.so"));
  CHECK_THAT(mapped, !Catch::Contains("libcrypto"));
  host.close_stdin();
  CHECK(host.wait_exit() == 0);
}

TEST_CASE("digests match the standard test vectors", "[digest]") {
  using mailveil::HashAlgorithm;
  using mailveil::hex_digest;
  CHECK(hex_digest(HashAlgorithm::kMd5, "abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(hex_digest(HashAlgorithm::kMd5, "") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(hex_digest(HashAlgorithm::kSha1, "abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(hex_digest(HashAlgorithm::kSha224, "abc") == "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
  CHECK(hex_digest(HashAlgorithm::kSha256, "abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_digest(HashAlgorithm::kSha256, "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex_digest(HashAlgorithm::kSha384, "abc") ==
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  CHECK(hex_digest(HashAlgorithm::kSha512, "abc") ==
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce8"
        "0e2a9ac94fa54ca49f");
  // A million 'a's crosses many blocks (FIPS 180 long-message vector).
  CHECK(hex_digest(HashAlgorithm::kSha1, std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}
