#include "signature_list.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>

#include "matcher.h"
#include "test_support.h"

using namespace mailveil;

namespace {

const EntryError* skipped(const SignatureList& l, const std::string& id) {
  auto it = std::find_if(l.skipped.begin(), l.skipped.end(), [&](const EntryError& e) { return e.id == id; });
  return it == l.skipped.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("invalid entries are reported with index and reason and skipped", "[signatures]") {
  std::string err;
  auto list = load_signature_list(test::data_path("signatures/with-bad-entries.json"), &err);
  REQUIRE(list);
  CHECK(list->list_version == 5);
  REQUIRE(list->trackers.size() == 2);
  CHECK(list->trackers[0].id == "good-one");
  CHECK(list->trackers[1].id == "good-two");
  CHECK(list->skipped.size() == 9);

  const EntryError* hostile = skipped(*list, "hostile-regex");
  REQUIRE(hostile);
  CHECK(hostile->index == 1);
  CHECK(hostile->reason.find("RE2") != std::string::npos);
  const EntryError* huge = skipped(*list, "huge-repeat");
  REQUIRE(huge);
  CHECK(huge->reason.find("RE2") != std::string::npos);
  CHECK(skipped(*list, "BadId")->index == 3);
  CHECK(skipped(*list, "no-match-fields")->reason.find("at least one") != std::string::npos);
  CHECK(skipped(*list, "bad-category")->reason.find("weather") != std::string::npos);
  CHECK(skipped(*list, "wrong-type")->reason.find("domains") != std::string::npos);
  CHECK(skipped(*list, "bad-domain")->reason.find("hostname") != std::string::npos);
  auto dup = std::find_if(list->skipped.begin(), list->skipped.end(), [](const EntryError& e) { return e.index == 6; });
  REQUIRE(dup != list->skipped.end());
  CHECK(dup->reason == "duplicate id");
  auto not_object =
      std::find_if(list->skipped.begin(), list->skipped.end(), [](const EntryError& e) { return e.index == 8; });
  REQUIRE(not_object != list->skipped.end());
  CHECK(not_object->reason == "entry is not an object");
}

TEST_CASE("whole-file problems reject the list with a clear error", "[signatures]") {
  std::string err;
  CHECK_FALSE(parse_signature_list("{not json", &err));
  CHECK(err.find("not valid JSON") != std::string::npos);
  CHECK_FALSE(parse_signature_list("[1,2]", &err));
  CHECK(err.find("object") != std::string::npos);
  CHECK_FALSE(parse_signature_list(R"({"format_version":2,"list_version":1,"trackers":[]})", &err));
  CHECK(err.find("format_version 2") != std::string::npos);
  CHECK_FALSE(parse_signature_list(R"({"format_version":1,"list_version":1})", &err));
  CHECK(err.find("trackers") != std::string::npos);
  CHECK_FALSE(parse_signature_list(R"({"format_version":1,"trackers":[]})", &err));
  CHECK(err.find("list_version") != std::string::npos);
  CHECK_FALSE(load_signature_list("/nonexistent/list.json", &err));
  CHECK(err.find("cannot open") != std::string::npos);
}

TEST_CASE("matcher finds trackers by domain, host and pattern, honouring applies_to", "[signatures]") {
  Matcher m(test::fixture_list());
  struct Found {
    std::string id;
    MatchedBy how;
    bool operator==(const Found&) const = default;
  };
  auto match = [&](const std::string& s, bool link) -> std::optional<Found> {
    auto u = parse_url(s);
    REQUIRE(u);
    auto r = m.match(*u, u->without_fragment(), link);
    if (!r) return std::nullopt;
    return Found{r.tracker->id, r.how};
  };
  CHECK(match("https://www.google-analytics.com/collect?v=1", false) == Found{"google-analytics", MatchedBy::kDomain});
  CHECK(match("https://stats.g.doubleclick.net/r/collect", false) == Found{"google-analytics", MatchedBy::kHost});
  CHECK_FALSE(match("https://other.doubleclick.net/x", false));  // hosts are exact
  CHECK(match("https://u123.ct.sendgrid.net/wf/open?upn=abc", false) == Found{"sendgrid", MatchedBy::kPattern});
  CHECK_FALSE(match("https://u123.ct.sendgrid.net/static/logo.png", false));
  CHECK(match("https://links-only.example/c?u=1", true) == Found{"link-only", MatchedBy::kDomain});
  CHECK_FALSE(match("https://links-only.example/c?u=1", false));
  CHECK_FALSE(match("https://notgoogle-analytics.com/collect", false));
  CHECK_FALSE(match("https://shop.example/img.png", false));

  auto domains = m.block_domains();
  CHECK(std::find(domains.begin(), domains.end(), "google-analytics.com") != domains.end());
  CHECK(std::find(domains.begin(), domains.end(), "stats.g.doubleclick.net") != domains.end());
  CHECK(std::find(domains.begin(), domains.end(), "links-only.example") == domains.end());  // links are not fetched
}

TEST_CASE("the shipped signature list loads cleanly and is large enough", "[signatures]") {
  std::string err;
  auto list = load_signature_list(std::string(MAILVEIL_SOURCE_DIR) + "/signatures/trackers.json", &err);
  REQUIRE(list);
  INFO(err);
  for (const auto& s : list->skipped) INFO("skipped " << s.index << " " << s.id << ": " << s.reason);
  CHECK(list->skipped.empty());
  CHECK(list->trackers.size() >= 250);
  Matcher m(list);
  CHECK(m.set_errors().empty());
  // Categories the brief names are all represented.
  for (const char* cat : {"analytics", "advertising", "esp", "sales-tracker", "marketing-automation"}) {
    INFO(cat);
    CHECK(
        std::any_of(list->trackers.begin(), list->trackers.end(), [&](const Tracker& t) { return t.category == cat; }));
  }
}

TEST_CASE("brand: the name people know, given by every shipped entry, derived when a list has none", "[signatures]") {
  std::ifstream in(std::string(MAILVEIL_SOURCE_DIR) + "/signatures/trackers.json");
  const nlohmann::json doc = nlohmann::json::parse(in);
  for (const auto& entry : doc["trackers"]) {
    INFO(entry["id"]);
    REQUIRE(entry.contains("brand"));
    CHECK_FALSE(entry["brand"].get<std::string>().empty());
    if (entry["company"] == "Unknown") CHECK(entry["brand"] == "Unknown");
  }
  std::string err;
  auto list = load_signature_list(std::string(MAILVEIL_SOURCE_DIR) + "/signatures/trackers.json", &err);
  REQUIRE(list);
  auto brand_of = [&](const std::string& id) {
    auto it = std::find_if(list->trackers.begin(), list->trackers.end(), [&](const Tracker& t) { return t.id == id; });
    REQUIRE(it != list->trackers.end());
    return it->brand;
  };
  CHECK(brand_of("mailchimp") == "Mailchimp (Intuit)");
  CHECK(brand_of("mandrill") == "Mailchimp (Intuit)");
  CHECK(brand_of("sendgrid") == "SendGrid (Twilio)");
  CHECK(brand_of("google-analytics") == "Google Analytics");

  // Optional in the format: a list without brands (an older update, an imported user list) derives them; a
  // brand of the wrong type is an entry error.
  auto parsed = parse_signature_list(R"({"format_version": 1, "list_version": 1, "trackers": [
      {"id": "a", "name": "Mandrill", "company": "Intuit", "category": "esp", "domains": ["a.example"]},
      {"id": "b", "name": "Amazon SES", "company": "Amazon", "category": "esp", "domains": ["b.example"]},
      {"id": "c", "name": "X", "company": "Y", "brand": 3, "category": "esp", "domains": ["c.example"]},
      {"id": "d", "name": "X", "company": "Y", "brand": "", "category": "esp", "domains": ["d.example"]}]})",
                                     &err);
  REQUIRE(parsed);
  REQUIRE(parsed->trackers.size() == 2);
  CHECK(parsed->trackers[0].brand == "Mandrill (Intuit)");
  CHECK(parsed->trackers[1].brand == "Amazon SES");
  REQUIRE(skipped(*parsed, "c"));
  CHECK(skipped(*parsed, "c")->reason == "brand: expected a non-empty string");
  CHECK(skipped(*parsed, "d"));
}

TEST_CASE("the shipped list names the tracker shapes found in the dev corpus", "[signatures]") {
  std::string err;
  auto list = load_signature_list(std::string(MAILVEIL_SOURCE_DIR) + "/signatures/trackers.json", &err);
  REQUIRE(list);
  Matcher m(list);
  const std::vector<std::tuple<std::string, bool, std::string>> cases = {
      // url, for_link, expected tracker id
      {"https://click.connect.shop.example/open.aspx?EQJYBPCV7X5ERBUJGTVYU5J42Q.100220&d=100220&bmt=0", false,
       "salesforce-mc-open"},
      {"https://r.notification.shop.example/mk/op/sh/7nVTPddU8lzHnqb05ogAPTSk7aPFz3l/LyHSzdfTS-DL", false, "brevo"},
      {"https://www.ebayadservices.com/marketingtracking/v1/impression?mkevt=4&siteId=15&mkcid=7", false, "ebay-rover"},
      {"https://tracking.affiliate.example/aff_i?offer_id=862&file_id=1742&aff_id=1038", false, "tune-hasoffers"},
      {"https://l.instagram.com/?u=https%3A%2F%2Fshop.example%2F&e=AT3TokenForTests", true, "instagram-link-shim"},
  };
  for (const auto& [url, for_link, id] : cases) {
    INFO(url);
    auto u = parse_url(url);
    REQUIRE(u);
    auto hit = m.match(*u, u->without_fragment(), for_link);
    REQUIRE(hit);
    CHECK(hit.tracker->id == id);
  }
}

TEST_CASE("pixel entries name the open endpoint, not the ESP's content hosts; links keep their entries",
          "[signatures]") {
  std::string err;
  auto list = load_signature_list(std::string(MAILVEIL_SOURCE_DIR) + "/signatures/trackers.json", &err);
  REQUIRE(list);
  Matcher m(list);
  auto match = [&](const char* url, bool for_link) {
    auto u = parse_url(url);
    REQUIRE(u);
    auto hit = m.match(*u, u->without_fragment(), for_link);
    return hit ? hit.tracker->id : std::string();
  };
  // Newsletter images on the ESPs' own hosts.
  CHECK(match("https://files.crsend.com/121000/121070/images/Newsletter_Grafik_150dpi.png", false).empty());
  CHECK(match("https://image.s4.exct.net/lib/fe8a1372726206797c/m/1/logo.png", false).empty());
  CHECK(match("https://contentz.mkt5031.com/lp/12345/67890/images/logo.png", false).empty());
  CHECK(match("https://userimg-assets.customeriomail.com/images/client-env-1234/logo.png", false).empty());
  CHECK(match("https://img.srv2.de/assets/bm/hero.png", false).empty());
  // Their open pixels and clicks are still named.
  CHECK(match("https://a1b2.crsend.com/stats/mc_123_456.gif", false) == "cleverreach-open");
  CHECK(match("https://e.customeriomail.com/e/o/eyJlbWFpbF9pZCI6ImRnU0FBQUFBIn0=", false) == "customer-io-open");
  CHECK(match("https://open.mkt41.net/open/log/123/abc/0", false) == "acoustic-open");
  CHECK(match("https://a1b2.crsend.com/c/123/456", true) == "cleverreach");
  CHECK(match("https://links.mkt41.net/ctt?kn=3&ms=MTIz", true) == "acoustic");
}

TEST_CASE("patterns too large to compile are left out alone, never fatal", "[signatures]") {
  // Each pattern is a 160-byte literal repeated 1000 times: it parses, but its program is over the budget one
  // pattern gets (the loader's kCompile budget), and twenty of them would overflow any set. Unscoped, each is
  // gated by its literal and compiled alone when a URL holds it; it fails there and is reported. The good
  // patterns keep working.
  const std::string text = test::overflowing_list("", "^https?://t\\.fine\\.example/o/");
  std::string err;
  auto list = parse_signature_list(text, &err, PatternCheck::kParse);
  REQUIRE(list);
  CHECK(list->skipped.empty());
  Matcher m(list);
  CHECK(m.layout().gated == 20);
  auto u = parse_url("https://t.fine.example/o/abc");
  auto hit = m.match(*u, u->without_fragment(), false);
  REQUIRE(hit);
  CHECK(hit.tracker->id == "fine");
  CHECK(m.set_errors().empty());  // nothing needed them yet
  std::string body;
  for (int j = 0; j < 80; ++j) body += "ab";
  std::string huge = "https://x.example/";
  for (int i = 0; i < 1000; ++i) huge += body;
  u = parse_url(huge + "7");
  REQUIRE(u);
  CHECK_FALSE(m.match(*u, u->without_fragment(), false));
  CHECK(m.set_errors().size() == 1);  // huge-7, the one this URL's literal called for
  Matcher eager(list, MatcherCompile::kEager);
  CHECK(eager.set_errors().size() == 20);
}

TEST_CASE("with deferred checks a broken pattern is left out by the matcher, not the loader", "[signatures]") {
  // kDeferred serves lists that were fully checked before they were installed; should one still hold a bad
  // pattern, only that pattern is lost: the entry's other patterns and the rest of the list keep working.
  const std::string text = nlohmann::json({{"format_version", 1},
                                           {"list_version", 1},
                                           {"trackers",
                                            {{{"id", "mixed"},
                                              {"name", "Mixed"},
                                              {"company", "X"},
                                              {"category", "esp"},
                                              {"patterns", {"^https?://[^/?#]+/broken(/", "^https?://[^/?#]+/good/"}}},
                                             {{"id", "other"},
                                              {"name", "Other"},
                                              {"company", "Y"},
                                              {"category", "esp"},
                                              {"patterns", {"^https?://t\\.other\\.example/o/"}}}}}})
                               .dump();
  std::string err;
  auto deferred = parse_signature_list(text, &err, PatternCheck::kDeferred);
  REQUIRE(deferred);
  CHECK(deferred->skipped.empty());
  auto parsed = parse_signature_list(text, &err, PatternCheck::kParse);
  REQUIRE(parsed);
  CHECK(parsed->skipped.size() == 1);

  Matcher m(deferred, MatcherCompile::kEager);
  REQUIRE(m.set_errors().size() == 1);
  CHECK(m.set_errors().front().starts_with("mixed: "));
  for (const char* url : {"https://a.example/good/x", "https://t.other.example/o/1"}) {
    auto u = parse_url(url);
    CHECK(m.match(*u, u->without_fragment(), false));
  }
}

TEST_CASE("list freshness: age, expiry, and the default lifetime (finding 6)", "[signatures][security]") {
  int64_t d = 0;
  REQUIRE(parse_iso_date("1970-01-01", &d));
  CHECK(d == 0);
  REQUIRE(parse_iso_date("2026-11-30", &d));
  CHECK(format_iso_date(d) == "2026-11-30");
  CHECK(format_iso_date(d + 92) == "2027-03-02");
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-1-01", "20261130", "", "2026-11-3x"}) {
    CHECK_FALSE(parse_iso_date(bad, &d));
  }
  SignatureList list;
  list.list_version = 2026112302;
  list.published = "2026-11-23";
  list.expires = "2027-02-21";
  int64_t today = 0;
  REQUIRE(parse_iso_date("2027-02-21", &today));
  ListFreshness f = list_freshness(list, today);
  CHECK(f.age_days == 90);
  CHECK(f.expires == "2027-02-21");
  CHECK_FALSE(f.expired);
  CHECK(f.note.empty());
  f = list_freshness(list, today + 8);
  CHECK(f.expired);
  CHECK(f.days_past_due == 8);
  CHECK(f.note ==
        "the signature list 2026112302 is 98 days old: it expired on 2027-02-21 (8 days ago); new trackers are "
        "not blocked until it is updated");
  // Without `expires`, a list lasts kDefaultListLifetimeDays from its publication.
  list.expires.clear();
  f = list_freshness(list, today + 1);
  CHECK(f.expires == "2027-02-21");
  CHECK(f.expired);
  CHECK(f.days_past_due == 1);
  CHECK_THAT(f.note, Catch::Contains("(1 day ago)"));
  // No date at all: nothing can be said.
  list.published.clear();
  f = list_freshness(list, today);
  CHECK(f.age_days == -1);
  CHECK_FALSE(f.expired);
  CHECK(f.expires.empty());
}

TEST_CASE("the shipped list carries an expiry date a few months after its publication", "[signatures]") {
  std::string err;
  auto list = load_signature_list(std::string(MAILVEIL_TEST_DATA) + "/../../signatures/trackers.json", &err,
                                  PatternCheck::kParse);
  REQUIRE(list);
  int64_t published = 0;
  int64_t expires = 0;
  REQUIRE(parse_iso_date(list->published, &published));
  REQUIRE(parse_iso_date(list->expires, &expires));
  CHECK(expires > published);
  CHECK(expires - published <= 120);
}
