#include "abp_import.h"

#include <re2/re2.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "matcher.h"
#include "signature_store.h"
#include "update_test_support.h"
#include "url.h"

using namespace mailveil;
using namespace mailveil::test;

namespace {

AbpFilter convert(const std::string& line) {
  std::string reason;
  auto f = convert_abp_filter(line, &reason);
  INFO(line << " -> " << reason);
  REQUIRE(f);
  CHECK(reason.empty());
  return *f;
}

std::string unsupported(const std::string& line) {
  std::string reason;
  auto f = convert_abp_filter(line, &reason);
  INFO(line);
  CHECK_FALSE(f);
  CHECK_FALSE(reason.empty());
  return reason;
}

/// Does the single converted pattern of `line` match `url` (searching, as the matcher does)?
bool matches(const std::string& line, const std::string& url) {
  AbpFilter f = convert(line);
  REQUIRE(f.entry.patterns.size() == 1);
  RE2 re(f.entry.patterns[0]);
  REQUIRE(re.ok());
  return RE2::PartialMatch(url, re);
}

}  // namespace

TEST_CASE("||domain^ becomes a domain entry for fetched resources", "[abp]") {
  for (const std::string line : {"||tracker.example^", "||Tracker.EXAMPLE^$third-party", "||tracker.example^$image",
                                 "||tracker.example^$3p,important", "||tracker.example^$domain=~a.com|~b.org"}) {
    AbpFilter f = convert(line);
    CHECK_FALSE(f.exception);
    CHECK(f.entry.domains == std::vector<std::string>{"tracker.example"});
    CHECK(f.entry.patterns.empty());
    CHECK(f.entry.applies_to_pixel);
    CHECK_FALSE(f.entry.applies_to_link);
  }
}

TEST_CASE("request types map to pixel and link", "[abp]") {
  AbpFilter popup = convert("||click.example^$popup");
  CHECK_FALSE(popup.entry.applies_to_pixel);
  CHECK(popup.entry.applies_to_link);
  AbpFilter both = convert("||t.example/c/$image,document");
  CHECK(both.entry.applies_to_pixel);
  CHECK(both.entry.applies_to_link);
  AbpFilter mixed = convert("||t.example/p/$script,image");  // the image part is kept
  CHECK(mixed.entry.applies_to_pixel);
  CHECK_FALSE(mixed.entry.applies_to_link);
  AbpFilter not_script = convert("||t.example/p/$~script");
  CHECK(not_script.entry.applies_to_pixel);
  // An exception for everything but the page itself is an ordinary exception for the resources.
  AbpFilter not_page = convert("@@||cdn.example^$~document");
  CHECK(not_page.exception);
  CHECK(not_page.entry.applies_to_pixel);
  CHECK_FALSE(not_page.entry.applies_to_link);
}

TEST_CASE("paths, wildcards, separators and anchors become anchored RE2 patterns", "[abp]") {
  SECTION("|| anchors at a host label") {
    const std::string f = "||mail.example/open.php";
    CHECK(matches(f, "https://mail.example/open.php?u=1"));
    CHECK(matches(f, "http://a.b.mail.example/open.php"));
    CHECK(matches(f, "https://MAIL.example/Open.PHP"));  // ABP is case-insensitive
    CHECK_FALSE(matches(f, "https://gmail.example/open.php"));
    CHECK_FALSE(matches(f, "https://mail.example.evil/open.php"));
    CHECK_FALSE(matches(f, "https://other.example/?u=https://mail.example/open.php"));
  }
  SECTION("^ is a separator or the end") {
    const std::string f = "/pixel^";
    CHECK(matches(f, "https://x.example/pixel?id=1"));
    CHECK(matches(f, "https://x.example/pixel"));
    CHECK(matches(f, "https://x.example/pixel/a.gif"));
    CHECK_FALSE(matches(f, "https://x.example/pixels"));
    CHECK_FALSE(matches(f, "https://x.example/pixel.gif"));
  }
  SECTION("* is any run") {
    const std::string f = "||t.example/o/*/p.gif";
    CHECK(matches(f, "https://t.example/o/123/abc/p.gif"));
    CHECK_FALSE(matches(f, "https://t.example/x/123/p.gif"));
  }
  SECTION("| anchors at the start or the end") {
    CHECK(matches("|https://t.example/", "https://t.example/x"));
    CHECK_FALSE(matches("|https://t.example/", "https://a.example/?r=https://t.example/"));
    CHECK(matches(".gif|", "https://t.example/a.gif"));
    CHECK_FALSE(matches(".gif|", "https://t.example/a.gif?x"));
  }
  SECTION("no anchor: anywhere in the URL") {
    CHECK(matches("/track/open?", "https://x.example/track/open?id=1"));
    CHECK(matches("&utm_pixel=", "https://x.example/?a=1&utm_pixel=2"));
  }
  SECTION("special characters are literal") {
    CHECK(matches("/a+b(c).gif", "https://x.example/a+b(c).gif"));
    CHECK_FALSE(matches("/a+b(c).gif", "https://x.example/aab(c).gif"));
  }
  SECTION("$match-case") {
    CHECK(matches("/Pixel.GIF$match-case", "https://x.example/Pixel.GIF"));
    CHECK_FALSE(matches("/Pixel.GIF$match-case", "https://x.example/pixel.gif"));
  }
  SECTION("regular-expression filters that RE2 accepts") {
    CHECK(matches(R"(/^https?:\/\/t\.example\/[0-9]+\.gif/)", "https://t.example/42.gif"));
    CHECK(matches(R"(/\/o\/[a-f0-9]{8}\.png/$image)", "https://t.example/o/deadbeef.png"));
  }
  SECTION("||host without ^ is not a whole domain") {
    AbpFilter f = convert("||metrics.example");
    CHECK(f.entry.domains.empty());
    CHECK(matches("||metrics.example", "https://metrics.example.net/"));  // ABP semantics: a prefix
  }
}

TEST_CASE("@@ exceptions are kept as exception entries", "[abp]") {
  AbpFilter f = convert("@@||cdn.example/logo.png$image");
  CHECK(f.exception);
  REQUIRE(f.entry.patterns.size() == 1);
  AbpFilter d = convert("@@||ok.example^");
  CHECK(d.exception);
  CHECK(d.entry.domains == std::vector<std::string>{"ok.example"});
}

TEST_CASE("unsupported filters are reported with a reason", "[abp]") {
  CHECK(unsupported("example.com##.ad-banner") == "cosmetic (element hiding) filter");
  CHECK(unsupported("##.tracker") == "cosmetic (element hiding) filter");
  CHECK(unsupported("example.com#@#.x") == "cosmetic (element hiding) filter");
  CHECK(unsupported("||t.example^$script") ==
        "only request types e-mail does not load ($script, $xmlhttprequest, ...)");
  CHECK(unsupported("||t.example^$xmlhttprequest,ping") ==
        "only request types e-mail does not load ($script, $xmlhttprequest, ...)");
  CHECK(unsupported("||t.example^$domain=site.example") == "restricted to pages of given sites ($domain=)");
  CHECK(unsupported("||t.example^$domain=~a.example|b.example") == "restricted to pages of given sites ($domain=)");
  CHECK(unsupported("||t.example/x$~third-party") ==
        "first-party only ($~third-party): never applies to e-mail content");
  CHECK(unsupported("||t.example/x$1p") == "first-party only ($~third-party): never applies to e-mail content");
  CHECK(unsupported("@@||site.example^$document") == "page-level exception ($document, $elemhide, ...)");
  CHECK(unsupported("@@||site.example^$generichide") == "page-level exception ($document, $elemhide, ...)");
  CHECK(unsupported("||t.example^$redirect=noop.js") == "unsupported option $redirect");
  CHECK(unsupported("||t.example^$csp=script-src 'none'") == "unsupported option $csp");
  CHECK(unsupported("||t.example^$~image") == "excludes images ($~image)");
  CHECK(unsupported("$image,third-party") == "matches every URL");
  CHECK(unsupported("*$image") == "matches every URL");
  CHECK(unsupported("/(?<=track)pixel/") == "regular expression RE2 rejects");
  CHECK(unsupported("/" + std::string(600, 'a') + "/") == "pattern longer than 512 characters once converted");
}

TEST_CASE("comments, headers and blank lines are not filters", "[abp]") {
  std::string reason;
  for (const std::string line : {"", "   ", "! Title: X", "[Adblock Plus 2.0]", "!#if env_chromium"}) {
    CHECK_FALSE(convert_abp_filter(line, &reason));
    CHECK(reason.empty());
  }
}

TEST_CASE("import_abp_list counts everything and serialises a loadable user list", "[abp]") {
  const std::string text =
      "[Adblock Plus 2.0]\n"
      "! Title: Mini Privacy\n"
      "\n"
      "||pixel.example^$third-party\n"
      "||pixel.example^$third-party\n"  // duplicate
      "||mail.example/open/\n"
      "/beacon.gif?\n"
      "@@||mail.example/open/logo.png\n"
      "example.org##.ad\n"
      "||js.example^$script\n"
      "||site.example^$domain=news.example\n";
  AbpImport imp = import_abp_list(text, {});
  const AbpImportStats& s = imp.stats;
  CHECK(imp.title == "Mini Privacy");
  CHECK(s.lines == 11);
  CHECK(s.comments == 3);
  CHECK(s.filters == 8);
  CHECK(s.imported == 3);
  CHECK(s.exceptions == 1);
  CHECK(s.duplicates == 1);
  CHECK(s.unsupported == 3);
  CHECK(s.filters == s.imported + s.exceptions + s.duplicates + s.unsupported);
  CHECK(s.unsupported_reasons.at("cosmetic (element hiding) filter") == 1);

  REQUIRE(imp.trackers.size() == 3);
  CHECK(imp.trackers[0].entry.id == "user-4");
  CHECK(imp.trackers[0].entry.name == "pixel.example");
  CHECK(imp.trackers[0].entry.company == "pixel.example");
  CHECK(imp.trackers[0].entry.category == "analytics");
  CHECK(imp.trackers[2].entry.company == "Mini Privacy");  // no host to attribute it to
  REQUIRE(imp.exceptions.size() == 1);
  CHECK(imp.exceptions[0].entry.id == "user-x8");

  std::string json_text = user_list_json(imp, "mini.txt");
  std::shared_ptr<SignatureList> trackers;
  std::shared_ptr<SignatureList> exceptions;
  std::string err;
  REQUIRE(parse_user_list(json_text, &trackers, &exceptions, &err));
  CHECK(trackers->skipped.empty());
  CHECK(trackers->trackers.size() == 3);
  REQUIRE(exceptions);
  CHECK(exceptions->trackers.size() == 1);
  CHECK(json_text.find("\"notes\": \"||mail.example/open/ (line 6)\"") != std::string::npos);
}

TEST_CASE("importing EasyPrivacy: counts, load time, and matching through the user list", "[abp][easyprivacy]") {
  const char* env = std::getenv("MAILVEIL_EASYPRIVACY");
  const std::string path = env ? env : "/work/shared/bench/easyprivacy.txt";
  if (!file_exists(path)) {
    WARN("EasyPrivacy not found at " << path << " (set MAILVEIL_EASYPRIVACY); import not measured");
    return;
  }
  const std::string text = slurp(path);
  auto t0 = std::chrono::steady_clock::now();
  AbpImport imp = import_abp_list(text, {});
  auto t1 = std::chrono::steady_clock::now();
  const AbpImportStats& s = imp.stats;
  std::cout << "EasyPrivacy: " << s.filters << " filters: " << s.imported << " imported, " << s.exceptions
            << " exceptions, " << s.duplicates << " duplicates, " << s.unsupported << " unsupported\n";
  for (const auto& [reason, n] : s.unsupported_reasons) std::cout << "  " << n << "  " << reason << "\n";
  CHECK(imp.title == "EasyPrivacy");
  CHECK(s.filters == s.imported + s.exceptions + s.duplicates + s.unsupported);
  CHECK(s.filters > 40000);
  CHECK(s.imported > s.filters / 2);  // most of EasyPrivacy is network filters that apply to images
  CHECK(s.unsupported > 0);

  std::string json_text = user_list_json(imp, path);
  auto t2 = std::chrono::steady_clock::now();
  std::shared_ptr<SignatureList> trackers;
  std::shared_ptr<SignatureList> exceptions;
  std::string err;
  REQUIRE(parse_user_list(json_text, &trackers, &exceptions, &err));
  auto t3 = std::chrono::steady_clock::now();
  CHECK(trackers->skipped.empty());
  CHECK(trackers->trackers.size() == s.imported);

  Matcher user(trackers);
  auto t4 = std::chrono::steady_clock::now();
  auto ms = [](auto a, auto b) { return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count(); };
  std::cout << "  convert " << ms(t0, t1) << " ms, load " << ms(t2, t3) << " ms (" << json_text.size() / 1024
            << " KiB), matcher " << ms(t3, t4) << " ms, set errors " << user.set_errors().size() << "\n";

  auto hit = [&](const std::string& u) {
    auto url = parse_url(u);
    REQUIRE(url);
    return static_cast<bool>(user.match(*url, url->without_fragment(), /*for_link=*/false));
  };
  CHECK(hit("https://www.google-analytics.com/collect?v=1&t=pageview"));  // a domain rule
  CHECK_FALSE(hit("https://example.org/images/photo.jpg"));
}
