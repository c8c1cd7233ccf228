#include "classifier.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "test_support.h"

using namespace mailveil;
using test::element;

namespace {

constexpr const char* kReader = "jane.doe@example.org";
constexpr const char* kSha256 = "7f73355bf032dcbb8e5a3f51f1e4a8ba92ef1344de2d95382634cf91da6d6181";

Email message(std::vector<Element> elements, std::string sender = "news@telecom.example") {
  return test::mail_with(std::move(elements), std::move(sender));  // to kReader
}

bool has_finding(const EmailReport& r, FindingCode code) {
  return std::any_of(r.findings.begin(), r.findings.end(), [&](const Finding& f) { return f.code == code; });
}

bool has_reason(const ElementResult& r, Signal reason) {
  return std::find(r.reasons.begin(), r.reasons.end(), reason) != r.reasons.end();
}

}  // namespace

TEST_CASE("Bouygues-style mail: GA without aip, Weborama with hashed address", "[classifier]") {
  auto r = test::fixture_engine().classify(message({
      element(ElementKind::kImg,
              "https://www.google-analytics.com/"
              "collect?v=1&tid=UA-1234-5&cid=1234567890.1700000000&t=event&ec=email&ea=open",
              1, 1),
      element(ElementKind::kImg,
              std::string("https://tlc.solution.weborama.fr/fcgi-bin/dispatch.fcgi?a.A=ev&g.cv=") + kSha256, 1, 1),
      element(ElementKind::kImg, "https://img.telecom.example/banner.jpg", 600, 200),
      element(ElementKind::kLink, "https://telecom.example/offre?utm_source=email&utm_medium=crm&ref=42"),
  }));
  REQUIRE(r.elements.size() == 4);
  CHECK(r.elements[0].verdict == Verdict::kBlock);
  CHECK(r.elements[0].tracker.company == "Google");
  CHECK(r.elements[1].verdict == Verdict::kBlock);
  CHECK(r.elements[1].tracker.id == "weborama");
  REQUIRE(r.elements[1].leaks.size() == 1);
  CHECK(r.elements[1].leaks[0].encoding == AddressEncoding{LeakEncoding::kSha256});
  CHECK(r.elements[1].leaks[0].where == "query:g.cv");
  CHECK(r.elements[1].leaks[0].company == "Weborama");
  CHECK(r.elements[1].leaks[0].address == "j\u2026@example.org");
  CHECK(r.elements[1].evidence_url.find(kSha256) == std::string::npos);
  CHECK(r.elements[2].verdict == Verdict::kAllow);
  CHECK(r.elements[3].verdict == Verdict::kRewrite);
  CHECK(r.elements[3].rewrite_url == "https://telecom.example/offre?ref=42");

  CHECK(has_finding(r, FindingCode::kGaIpNotAnonymised));
  CHECK(has_finding(r, FindingCode::kGaAdsPersonalisation));
  CHECK(has_finding(r, FindingCode::kGaClientId));
  CHECK(has_finding(r, FindingCode::kAddressLeak));
  CHECK(r.summary.companies == std::vector<std::string>{"Google", "Weborama"});
  CHECK(r.summary.tracker_pixels == 2);
  CHECK(r.summary.leaks == 1);
  CHECK(r.score.grade == "F");
}

TEST_CASE("GA hits with aip=1 and npa=1 are still blocked but carry no anonymisation finding", "[classifier]") {
  auto r = test::fixture_engine().classify(message({
      element(ElementKind::kImg, "https://www.google-analytics.com/collect?v=1&tid=UA-1-1&aip=1&npa=1&t=event", 1, 1),
  }));
  CHECK(r.elements[0].verdict == Verdict::kBlock);
  CHECK_FALSE(has_finding(r, FindingCode::kGaIpNotAnonymised));
  CHECK_FALSE(has_finding(r, FindingCode::kGaAdsPersonalisation));

  auto ga4 = test::fixture_engine().classify(message({
      element(ElementKind::kImg, "https://region1.google-analytics.com/g/collect?v=2&tid=G-ABC123&en=email_open&uid=42",
              1, 1),
  }));
  CHECK(has_finding(ga4, FindingCode::kGa4Hit));
  CHECK(has_finding(ga4, FindingCode::kGaUserId));
  CHECK_FALSE(has_finding(ga4, FindingCode::kGaIpNotAnonymised));  // GA4 has no aip
}

TEST_CASE("a clean personal mail gets no block and grade A", "[classifier]") {
  auto r = test::fixture_engine().classify(message(
      {
          element(ElementKind::kImg, "https://photos.example.net/albums/2024/beach.jpg", 800, 600),
          element(ElementKind::kLink, "https://www.wikipedia.org/wiki/Brittany"),
          element(ElementKind::kImg, "cid:image001.png@01D9"),
          element(ElementKind::kLink, "mailto:friend@example.net"),
      },
      "friend@example.net"));
  for (const auto& e : r.elements) {
    CHECK(e.verdict == Verdict::kAllow);
    CHECK_FALSE(e.interesting());
  }
  CHECK(r.score.value == 100);
  CHECK(r.score.grade == "A");
  CHECK(r.findings.empty());
}

TEST_CASE("heuristics: tiny or hidden images with tokens are blocked, static spacers and dividers are not",
          "[classifier]") {
  auto r = test::fixture_engine().classify(message({
      element(ElementKind::kImg, "https://mail.shop.example/images/spacer.gif", 1, 1),
      element(ElementKind::kImg, "https://cdn.shop.example/img/divider.png", 600, 1),
      element(ElementKind::kImg, "https://t.unknown-esp.example/o/a8Fk29dLq0Zx7PmWq1", 1, 1),
      element(ElementKind::kImg, "https://t.unknown-esp.example/img.gif?id=a8Fk29dLq0Zx7PmW", -1, -1, false),
      element(ElementKind::kImg, "https://t.unknown-esp.example/open/9f2c41d8e7b6a5c4d3e2f1a0b9c8d7e6.png"),
      element(ElementKind::kImg, "https://d111.cloudfront.net/assets/9f2c41d8e7b6a5c4d3e2f1a0b9c8d7e6/logo.png", 200,
              50),
      element(ElementKind::kImg, "https://mail.shop.example/images/pixel.gif?v=2", 0, 0),
      element(ElementKind::kImg, "https://t.unknown-esp.example/img.gif?id=a8Fk29dLq0Zx7PmW", 1, -1),
      element(ElementKind::kImg, "https://t.unknown-esp.example/img.gif?id=a8Fk29dLq0Zx7PmW", -1, 1),
      element(ElementKind::kImg, "https://cdn.shop.example/img/rule.png?v=3", 1, 400),
  }));
  CHECK(r.elements[0].verdict == Verdict::kAllow);
  CHECK(r.elements[1].verdict == Verdict::kAllow);
  CHECK(r.elements[2].verdict == Verdict::kBlock);
  CHECK(has_reason(r.elements[2], Signal::kTinyImage));
  CHECK(has_reason(r.elements[2], Signal::kTrackingPath));
  CHECK(r.elements[2].tracker.id == "heuristic");
  CHECK(r.elements[2].tracker.company == "unknown-esp.example");
  CHECK(r.elements[3].verdict == Verdict::kBlock);
  CHECK(has_reason(r.elements[3], Signal::kHiddenImage));
  CHECK(r.elements[4].verdict == Verdict::kBlock);  // tracking path + token, size unknown
  CHECK(has_reason(r.elements[4], Signal::kRecipientToken));
  CHECK(r.elements[5].verdict == Verdict::kAllow);  // CDN hash on a normal image
  CHECK(r.elements[6].verdict == Verdict::kBlock);  // 0x0 with a query
  CHECK(r.elements[7].verdict == Verdict::kBlock);  // width="1" only
  CHECK(has_reason(r.elements[7], Signal::kTinyImage));
  CHECK(r.elements[8].verdict == Verdict::kBlock);  // height="1" only
  CHECK(r.elements[9].verdict == Verdict::kAllow);  // a 1x400 vertical rule has both sides
}

TEST_CASE("an address leak blocks an image on any host and is named after its domain", "[classifier]") {
  auto r = test::fixture_engine().classify(message({
      element(ElementKind::kImg, "https://img.partner.example/banner.png?email=jane.doe%40example.org", 600, 300),
      element(ElementKind::kImg, "https://img.telecom.example/hero.png?m=amFuZS5kb2VAZXhhbXBsZS5vcmc", 600, 300),
  }));
  CHECK(r.elements[0].verdict == Verdict::kBlock);
  CHECK(r.elements[0].third_party);
  CHECK(r.elements[0].leaks.at(0).company == "partner.example");
  CHECK(r.elements[1].verdict == Verdict::kBlock);
  CHECK_FALSE(r.elements[1].third_party);  // the sender's own domain
  CHECK(r.score.leaks == 85);              // 60 third party + 25 the sender's own servers, on open
}

TEST_CASE("links: known click trackers are rewritten when the destination is recoverable", "[classifier]") {
  auto r = test::fixture_engine().classify(message({
      element(ElementKind::kLink, "https://shop.us1.list-manage.com/track/click?u=abc&id=def&e=0123456789"),
      element(
          ElementKind::kLink,
          "https://shop.us1.list-manage.com/track/click?u=abc&url=https%3A%2F%2Fshop.example%2Fnew%3Futm_source%3Dmc"),
      element(ElementKind::kLink, "https://x.r.eu-west-1.awstrack.me/L0/https:%2F%2Fshop.example%2Fa/1/0100018b/abc=1"),
      element(ElementKind::kLink,
              "https://click.unknown.example/c/a8Fk29dLq0Zx7PmWq1?redirect=https%3A%2F%2Fshop.example%2Fb"),
      element(ElementKind::kLink, "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fshop.example%2F"),
      element(ElementKind::kLink,
              "https://nam02.safelinks.protection.outlook.com/"
              "?url=https%3A%2F%2Fshop.example%2Fc%3Futm_medium%3Demail&data=05"),
  }));
  CHECK(r.elements[0].verdict == Verdict::kAllow);
  CHECK(r.elements[0].tracked);
  CHECK(has_reason(r.elements[0], Signal::kDestinationUnknown));
  CHECK(r.elements[1].verdict == Verdict::kRewrite);
  CHECK(r.elements[1].rewrite_url == "https://shop.example/new");
  CHECK(r.elements[2].verdict == Verdict::kRewrite);
  CHECK(r.elements[2].rewrite_url == "https://shop.example/a");
  CHECK(r.elements[3].verdict == Verdict::kRewrite);
  CHECK(has_reason(r.elements[3], Signal::kRedirectTracker));
  CHECK(r.elements[3].rewrite_url == "https://shop.example/b");
  CHECK(r.elements[4].verdict == Verdict::kAllow);  // a share link is not a tracker
  CHECK_FALSE(r.elements[4].tracked);
  CHECK(r.elements[5].verdict == Verdict::kRewrite);
  CHECK(r.elements[5].rewrite_url ==
        "https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fshop.example%2Fc&data=05");
  CHECK(r.summary.tracked_links == 4);
}

TEST_CASE("links through a click-time URL scanner are left as they are", "[classifier]") {
  // Redirect-shaped, with a token and a readable destination: without the exception these would be rewritten
  // to the bare destination, removing the reader's organisation's phishing check.
  const std::vector<std::string> wrapped = {
      "https://clicktime.symantec.com/39e8TeBHakB1PfMJjJ1h1zf7V?u=https%3A%2F%2Fshop.example%2Fc%3Futm_source%3Dx",
      "https://urldefense.com/v3/__https://shop.example/c?utm_source=x__;!!AbCdEf123456789!a8Fk29dLq0Zx7PmWq1$",
      "https://protect-eu.mimecast.com/s/a8Fk29dLq0Zx7PmWq1?domain=shop.example",
      "https://linkprotect.cudasvc.com/url?a=https%3a%2f%2fshop.example%2fc&c=E,1,a8Fk29dLq0Zx7PmWq1&typo=1",
  };
  std::vector<Element> elements;
  for (const auto& u : wrapped) elements.push_back(element(ElementKind::kLink, u));
  elements.push_back(element(
      ElementKind::kLink, "https://urldefense.example/c/a8Fk29dLq0Zx7PmWq1?redirect=https%3A%2F%2Fshop.example%2Fb"));
  auto r = test::fixture_engine().classify(message(elements));
  for (size_t i = 0; i < wrapped.size(); ++i) {
    INFO(wrapped[i]);
    CHECK(r.elements[i].verdict == Verdict::kAllow);
    CHECK(r.elements[i].rewrite_url.empty());
    CHECK_FALSE(r.elements[i].tracked);
    CHECK(has_reason(r.elements[i], Signal::kLinkProtection));
  }
  CHECK(r.elements.back().verdict == Verdict::kRewrite);  // a look-alike host is not a scanner
  CHECK(r.summary.tracked_links == 1);
}

TEST_CASE("webmail proxies are seen through for images", "[classifier]") {
  auto r = test::fixture_engine().classify(message({
      element(ElementKind::kImg,
              "https://ci5.googleusercontent.com/proxy/Zx9=s0-d-e1-ft#https://u1.ct.sendgrid.net/wf/"
              "open?upn=a8Fk29dLq0Zx7PmW",
              1, 1),
      element(ElementKind::kImg,
              "https://ci5.googleusercontent.com/proxy/Zy1=s0-d-e1-ft#https://img.shop.example/logo.png", 120, 40),
  }));
  CHECK(r.elements[0].verdict == Verdict::kBlock);
  CHECK(r.elements[0].tracker.id == "sendgrid");
  CHECK(has_reason(r.elements[0], Signal::kWebmailProxy));
  CHECK(r.elements[0].unwrapped_url == "https://u1.ct.sendgrid.net/wf/open?upn=a8Fk29dLq0Zx7PmW");
  CHECK(r.elements[1].verdict == Verdict::kAllow);
}

TEST_CASE("oversized URLs are blocked with an element-level error; others still judged", "[classifier]") {
  std::string huge = "https://x.example/" + std::string(100 * 1024, 'a');
  auto r = test::fixture_engine().classify(message({
      element(ElementKind::kImg, huge, 10, 10),
      element(ElementKind::kImg, "https://www.google-analytics.com/collect?v=1&tid=UA-1-1", 1, 1),
  }));
  CHECK(r.elements[0].verdict == Verdict::kBlock);
  CHECK(r.elements[0].error_code == ErrorCode::kUrlTooLong);
  CHECK(r.elements[1].verdict == Verdict::kBlock);
}

TEST_CASE("classification is deterministic", "[classifier]") {
  Email m = message({
      element(ElementKind::kImg, "https://www.google-analytics.com/collect?v=1&tid=UA-1-1", 1, 1),
      element(ElementKind::kImg, std::string("https://a.weborama.fr/p?h=") + kSha256, 1, 1),
      element(ElementKind::kLink, "https://shop.example/?utm_source=x"),
  });
  auto a = test::fixture_engine().classify(m);
  for (int i = 0; i < 5; ++i) {
    auto b = test::fixture_engine().classify(m);
    CHECK(b.score.value == a.score.value);
    CHECK(b.findings.size() == a.findings.size());
    for (size_t k = 0; k < a.elements.size(); ++k) CHECK(b.elements[k].verdict == a.elements[k].verdict);
  }
}

TEST_CASE("tiny images served by scripts or shortener slugs are blocked; static spacers are not", "[classifier]") {
  auto r = test::fixture_engine().classify(message({
      element(ElementKind::kImg, "https://is.gd/khpEBP", 1, 1),
      element(ElementKind::kImg, "https://app.mailer.example/files/7/open.shtml", 1, 1),
      element(ElementKind::kImg, "https://www.shop.example/img/spacer.gif", 1, 1),
      element(ElementKind::kImg, "https://www.shop.example/img/", 1, 1),
  }));
  CHECK(r.elements[0].verdict == Verdict::kBlock);
  CHECK(has_reason(r.elements[0], Signal::kDynamicEndpoint));
  CHECK(r.elements[1].verdict == Verdict::kBlock);
  CHECK(r.elements[2].verdict == Verdict::kAllow);
  CHECK(r.elements[3].verdict == Verdict::kAllow);
}

TEST_CASE("an imported user list is consulted after the signed list, and its exceptions lift it", "[classifier]") {
  std::string err;
  auto user = parse_signature_list(R"({"format_version": 1, "list_version": 1, "trackers": [
      {"id": "abp-1", "name": "||pixel.newsletter-tool.example^", "company": "pixel.newsletter-tool.example",
       "category": "spam-tracker", "domains": ["newsletter-tool.example"]},
      {"id": "abp-2", "name": "||google-analytics.com^", "company": "imported", "category": "analytics",
       "domains": ["google-analytics.com"]}]})",
                                   &err);
  auto exceptions = parse_signature_list(R"({"format_version": 1, "list_version": 1, "trackers": [
      {"id": "abp-x", "name": "@@||cdn.newsletter-tool.example^", "company": "-", "category": "spam-tracker",
       "domains": ["cdn.newsletter-tool.example"]}]})",
                                         &err);
  REQUIRE(user);
  REQUIRE(exceptions);
  Engine engine(compile_list(*test::fixture_list()), compile_list(*user), compile_list(*exceptions));
  CHECK(engine.user_trackers() == 2);
  auto r = engine.classify(message({
      element(ElementKind::kImg, "https://pixel.newsletter-tool.example/p.png", 600, 200),
      element(ElementKind::kImg, "https://cdn.newsletter-tool.example/logo.png", 600, 200),
      element(ElementKind::kImg, "https://www.google-analytics.com/collect?v=1", 1, 1),
  }));
  CHECK(r.elements[0].verdict == Verdict::kBlock);
  CHECK(r.elements[0].tracker.id == "abp-1");
  CHECK(r.elements[1].verdict == Verdict::kAllow);        // @@ exception
  CHECK(r.elements[2].tracker.id == "google-analytics");  // the signed list wins
}
