// A rewritten link must never lead to a host the original link did not carry (issue 14, point 2): property tests
// over tracked links, webmail wrappers and the URL tricks of ../shared/parsers/exploit_demo.md, mutated.
#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "digest.h"
#include "test_support.h"
#include "text_util.h"
#include "url.h"

using namespace mailveil;

namespace {

/// Hosts the browser would reach through `url`: its own host, and the host of every URL it embeds (in a query
/// value, a path segment or the fragment; raw, percent-decoded once or twice, or base64), two levels deep; plus
/// path segments that are host names (Google AMP's /amp/s/<host>/…).
void carried_hosts(std::string_view text, int depth, std::set<std::string>* out) {
  const auto u = parse_url(text);
  if (!u) return;
  out->insert(u->host);
  if (depth == 0) return;
  std::vector<std::string> pieces;
  for (const auto& [k, v] : split_query(u->query)) pieces.push_back(v);
  size_t start = 0;
  while (start < u->path.size()) {
    size_t slash = u->path.find('/', start + 1);
    if (slash == std::string::npos) slash = u->path.size();
    pieces.push_back(u->path.substr(start + 1, slash - start - 1));
    pieces.push_back(u->path.substr(start + 1));  // a URL may span several segments
    start = slash;
  }
  pieces.push_back(u->fragment);
  for (const std::string& piece : pieces) {
    const std::string once = percent_decode(piece, true);
    const std::string twice = percent_decode(once, true);
    std::string b64;
    base64_decode(percent_decode(piece), &b64);
    for (const std::string& candidate : {piece, once, twice, b64, percent_decode(b64)}) {
      carried_hosts(candidate, depth - 1, out);
      if (auto host = parse_url("https://" + candidate)) out->insert(host->host);
    }
  }
}

struct Checked {
  size_t links = 0;
  size_t rewrites = 0;
  std::vector<std::string> violations;
};

void check_links(const std::vector<std::string>& links, Checked* checked) {
  Email email;
  email.sender = "news@shop.example";
  email.user_addresses = {"reader@example.org"};
  for (const auto& l : links) email.elements.push_back(test::element(ElementKind::kLink, l));
  const EmailReport report = test::fixture_engine().classify(email);
  REQUIRE(report.elements.size() == links.size());
  for (size_t i = 0; i < links.size(); ++i) {
    ++checked->links;
    const ElementResult& r = report.elements[i];
    if (r.verdict != Verdict::kRewrite) continue;
    ++checked->rewrites;
    const auto out = parse_url(r.rewrite_url);
    std::set<std::string> carried;
    carried_hosts(links[i], 3, &carried);
    if (!out) {
      checked->violations.push_back(links[i] + " -> unparsable " + r.rewrite_url);
    } else if (out->str() != r.rewrite_url) {
      // What we hand the browser must be what it will parse: no second reading can change the host.
      checked->violations.push_back(links[i] + " -> not canonical " + r.rewrite_url);
    } else if (!carried.count(out->host)) {
      checked->violations.push_back(links[i] + " -> new host " + out->host + " in " + r.rewrite_url);
    }
  }
}

std::string join_violations(const Checked& c) {
  std::string s;
  for (size_t i = 0; i < c.violations.size() && i < 20; ++i) s += "  " + c.violations[i] + "\n";
  return s;
}

const std::vector<std::string> kSeeds = {
    // The report's exploit: "%40" in the host (a browser refuses the URL; no rewrite may revive it).
    "https://shop.example%40evil.example/deal?id=1&utm_source=news",
    "https://shop.example@evil.example/deal?id=1&utm_source=news",
    "https://shop.example\\@evil.example/deal?utm_medium=email",
    "https://shop.example%2F@evil.example/deal?utm_medium=email",
    "https://shop.example%2Eevil.example/deal?utm_campaign=x",
    "https://\xEF\xBD\x93hop.example/deal?utm_source=fullwidth",
    "https://shop\xE3\x80\x82"
    "example/deal?utm_source=ideographic-stop",
    "https://shop.example:443@evil.example:80/deal?fbclid=1",
    "https://[::ffff:1.2.3.4]/deal?gclid=2",
    "https://0x5db8d822/deal?mc_eid=3",
    "https://shop.example/x/../deal?utm_source=dots&mc_cid=4",
    // Click trackers with readable destinations.
    "https://us1.list-manage.com/track/click?u=abc&id=1&url=https%3A%2F%2Fdest.example%2Fsale%3Futm_source%3Dmc",
    "https://us1.list-manage.com/track/click?u=abc&url=https%3A%2F%2Fshop.example%2540evil.example%2Fsale",
    "https://us1.list-manage.com/track/click?u=abc&url=https%3A%2F%2Fdest.example%5C%40evil.example%2F",
    "https://click.tracker.example/c/8f14e45fceea167a5a36dedd4bea2543?url=https%3A%2F%2Fdest.example%2Fp",
    "https://click.tracker.example/r/8f14e45fceea167a?u=aHR0cHM6Ly9iNjQuZXhhbXBsZS9w",
    "https://www.google.com/url?q=https://dest.example/p%3Futm_source%3Dg&sa=D",
    "https://www.google.com/amp/s/amp.example/story?utm_source=amp",
    "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fdest.example%2F%3Futm_source%3Dx&data=1",
    "https://r.example/L0/https:%2F%2Fdest.example%2Foffer%3Futm_campaign=x/1/abc",
};

}  // namespace

TEST_CASE("a rewrite is built from the parsed URL and never leads to a host the link did not carry", "[url][rewrite]") {
  Checked c;
  check_links(kSeeds, &c);
  INFO(join_violations(c));
  CHECK(c.violations.empty());
  CHECK(c.rewrites >= 10);  // the property is tested on real rewrites, not vacuously
}

TEST_CASE("the %40-in-host link is not rewritten into a link to the host after it", "[url][rewrite]") {
  Email email;
  email.elements.push_back(test::element(ElementKind::kLink, kSeeds[0]));
  const EmailReport report = test::fixture_engine().classify(email);
  REQUIRE(report.elements.size() == 1);
  CHECK(report.elements[0].verdict != Verdict::kRewrite);
  CHECK(report.elements[0].rewrite_url.find("evil") == std::string::npos);
}

TEST_CASE("no rewrite of mutated links invents a host (random tricks, fixed seed)", "[url][rewrite]") {
  const std::vector<std::string> tricks = {"%40",          "@",   "\\", "%2e", "%2E%2e", "%2F", "\t",  "\xE3\x80\x82",
                                           "\xEF\xBD\x85", "%00", "#",  "?",   ":",      "[",   "]",   "%25",
                                           "//",           "%5C", ".",  "..",  "%3A",    "%3F", "%23", "http://"};
  std::mt19937 rng(14);
  std::vector<std::string> links;
  for (int i = 0; i < 3000; ++i) {
    std::string l = kSeeds[rng() % kSeeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits; ++k) {
      const size_t at = rng() % (l.size() + 1);
      l.insert(at, tricks[rng() % tricks.size()]);
    }
    links.push_back(std::move(l));
  }
  Checked c;
  for (size_t i = 0; i < links.size(); i += 500) {
    check_links(std::vector<std::string>(links.begin() + static_cast<std::ptrdiff_t>(i),
                                         links.begin() + static_cast<std::ptrdiff_t>(std::min(i + 500, links.size()))),
                &c);
  }
  INFO(join_violations(c));
  CHECK(c.violations.empty());
  CHECK(c.rewrites >= 300);
}
