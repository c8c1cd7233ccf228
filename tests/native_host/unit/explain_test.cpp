// Plain words (explain.h): the grade's reason, finding messages without jargon, brands, and the leak-heavy
// score seen through whole mails.
#include "explain.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>

#include "digest.h"
#include "test_support.h"

using namespace mailveil;
using test::element;

namespace {

constexpr const char* kReader = "jane.doe@example.org";

Email message(std::vector<Element> elements, std::string sender = "news@telecom.example") {
  return test::mail_with(std::move(elements), std::move(sender));  // to kReader
}

EmailReport classify(std::vector<Element> elements, std::string sender = "news@telecom.example") {
  return test::fixture_engine().classify(message(std::move(elements), std::move(sender)));
}

const std::string kSha256 = hex_digest(HashAlgorithm::kSha256, kReader);

Element ga_pixel() {
  return element(ElementKind::kImg,
                 "https://www.google-analytics.com/collect?v=1&tid=UA-1234-5&cid=1234567890.17&t=event", 1, 1);
}
Element weborama_leak() {
  return element(ElementKind::kImg, "https://tlc.solution.weborama.fr/fcgi-bin/dispatch.fcgi?a.A=ev&g.cv=" + kSha256, 1,
                 1);
}
Element mailchimp_pixel() {
  return element(ElementKind::kImg, "https://shop.us1.list-manage.com/track/open.php?u=abc&id=def&e=0123456789", 1, 1);
}
Element mailchimp_link() {
  return element(ElementKind::kLink, "https://shop.us1.list-manage.com/track/click?u=abc&id=def&e=0123456789");
}

}  // namespace

TEST_CASE("reason: the most serious fact, with a stable code, its count and the companies by brand", "[explain]") {
  SECTION("address to two companies on open") {
    auto r =
        classify({ga_pixel(), weborama_leak(),
                  element(ElementKind::kImg,
                          "https://shop.us1.list-manage.com/track/open.php?u=abc&e=" + std::string(kReader), 1, 1)});
    CHECK(r.score.grade == "F");
    CHECK(r.score.reason.code == ReasonCode::kAddressLeakOpen);
    CHECK(r.score.reason.count == 2);
    CHECK(r.score.reason.companies == std::vector<std::string>{"Mailchimp (Intuit)", "Weborama"});
    CHECK(r.score.reason.text == "F: 2 companies get your e-mail address when you open this mail");
  }
  SECTION("address on a click only") {
    auto r = classify(
        {element(ElementKind::kLink, "https://shop.us1.list-manage.com/track/click?u=abc&e=" + std::string(kReader))});
    CHECK(r.score.reason.code == ReasonCode::kAddressLeakClick);
    CHECK(r.score.reason.count == 1);
    CHECK(r.score.reason.text == "E: 1 company gets your e-mail address if you click a link in this mail");
  }
  SECTION("plain pixels") {
    auto r = classify({ga_pixel(), mailchimp_pixel(), mailchimp_link()});
    CHECK(r.score.reason.code == ReasonCode::kTrackingPixels);
    CHECK(r.score.reason.count == 2);
    CHECK(r.score.reason.companies == std::vector<std::string>{"Google Analytics", "Mailchimp (Intuit)"});
    CHECK(r.score.reason.text == r.score.grade + ": 2 companies learn when you open this mail");
  }
  SECTION("tracked links only") {
    auto r = classify({mailchimp_link()});
    CHECK(r.score.reason.code == ReasonCode::kTrackedLinks);
    CHECK(r.score.reason.text == "B: 1 company records which links you click");
  }
  SECTION("the sender's own tracking") {
    auto pixel = classify({element(ElementKind::kImg, "https://t.telecom.example/open/a1b2c3d4e5f6a7b8c9d0", 1, 1)});
    CHECK(pixel.score.reason.code == ReasonCode::kSenderTrackingPixels);
    CHECK(pixel.score.reason.count == 0);
    CHECK(pixel.score.reason.companies.empty());
    CHECK(pixel.score.reason.text == "B: the sender learns when you open this mail");
    auto leak = classify(
        {element(ElementKind::kImg, "https://img.telecom.example/hero.png?m=" + std::string(kReader), 600, 300)});
    CHECK(leak.score.reason.code == ReasonCode::kSenderAddressLeak);
    CHECK(leak.score.reason.text == "D: the sender records your e-mail address when you open this mail");
  }
  SECTION("nothing") {
    auto r = classify({element(ElementKind::kImg, "https://photos.example.net/beach.jpg", 800, 600)});
    CHECK(r.score.reason.code == ReasonCode::kNoTracking);
    CHECK(r.score.reason.count == 0);
    CHECK(r.score.reason.text == "A: no tracker found in this mail");
  }
}

TEST_CASE("reason sentences in French, and without the grade", "[explain]") {
  ScoreReason reason;
  reason.code = ReasonCode::kAddressLeakOpen;
  reason.count = 2;
  CHECK(reason_text(reason, "F", Lang::kFr) ==
        "F\u00a0: 2 entreprises reçoivent votre adresse e-mail quand vous ouvrez ce courriel");
  reason.count = 1;
  CHECK(reason_text(reason, "F", Lang::kFr) ==
        "F\u00a0: 1 entreprise reçoit votre adresse e-mail quand vous ouvrez ce courriel");
  CHECK(reason_text(reason, "F", Lang::kEn, false) == "1 company gets your e-mail address when you open this mail");
  reason.code = ReasonCode::kSenderTrackingPixels;
  reason.count = 0;
  CHECK(reason_text(reason, "B", Lang::kEn, false) == "The sender learns when you open this mail");
  // Every reason code has a sentence in both languages (none falls back to the bare code).
  REQUIRE(all_codes<ReasonCode>().back() == ReasonCode::kNoTracking);  // the whole family
  for (const ReasonCode code : all_codes<ReasonCode>()) {
    reason.code = code;
    for (size_t n : {0u, 1u, 3u}) {
      reason.count = n;
      for (Lang lang : {Lang::kEn, Lang::kFr}) {
        const std::string text = reason_text(reason, "C", lang);
        INFO(text);
        CHECK(text.find(to_string(code)) == std::string::npos);
        CHECK(text.starts_with("C"));
        CHECK(text.size() > 20);
      }
    }
  }
}

TEST_CASE("a mail that sends the address to a third party grades E at best, F when it happens on opening",
          "[explain][score]") {
  // The issue's case: a pixel carrying the address next to a plain pixel. Before: 65 (C) next to 67 (C).
  auto plain = classify({mailchimp_pixel()});
  CHECK(plain.score.value == 67);
  CHECK(plain.score.grade == "C");
  auto leaking = classify({element(
      ElementKind::kImg, "https://shop.us1.list-manage.com/track/open.php?u=abc&e=" + std::string(kReader), 1, 1)});
  CHECK(leaking.score.grade == "F");
  CHECK(leaking.score.leaks == 60);
  // Every encoding counts the same.
  for (const std::string& form : {std::string("jane.doe%40example.org"), kSha256,
                                  hex_digest(HashAlgorithm::kMd5, kReader), base64_encode(kReader)}) {
    auto r = classify(
        {element(ElementKind::kImg, "https://tlc.solution.weborama.fr/fcgi-bin/dispatch.fcgi?x=" + form, 1, 1)});
    INFO(form);
    CHECK(r.score.grade == "F");
  }
  // Only on a click: E.
  auto click = classify(
      {element(ElementKind::kLink, "https://shop.us1.list-manage.com/track/click?u=abc&e=" + std::string(kReader))});
  CHECK(click.score.grade == "E");
  // A link to the sender's own site carrying the address (a preferences page) costs nothing.
  auto own_link =
      classify({element(ElementKind::kLink, "https://www.telecom.example/preferences?email=" + std::string(kReader))});
  CHECK(own_link.score.value == 100);
}

TEST_CASE("a listed tracker on a CNAME of the sender's domain is a third party; one on its own domain is not",
          "[explain][classifier]") {
  // SendGrid link branding: url4242.shop-example.org answers /wf/open?upn= for Twilio SendGrid (pattern match).
  const std::string upn = "https://url4242.shop-example.org/wf/open?upn=u001." + base64url_encode(kReader);
  Element branded = element(ElementKind::kImg, upn, 1, 1);
  auto r = test::fixture_engine().classify(message({branded}, "news@shop-example.org"));
  // The fixture list's SendGrid pattern only covers sendgrid.net; the Salesforce one is host-free.
  Element sfmc = element(ElementKind::kImg, "https://click.mail.shop-example.org/open.aspx?ffcb10-abcdef-1234", 1, 1);
  auto s = test::fixture_engine().classify(message({sfmc}, "offers@shop-example.org"));
  REQUIRE(s.elements[0].tracker.id == "salesforce-mc");
  CHECK(s.elements[0].third_party);
  CHECK(s.summary.companies == std::vector<std::string>{"Salesforce"});
  CHECK(s.score.reason.code == ReasonCode::kTrackingPixels);
  // The same host with a leak is a third-party leak: F, not the sender's own (this was 65, C).
  Element sfmc_leak =
      element(ElementKind::kImg,
              "https://click.mail.shop-example.org/open.aspx?ffcb10-abcdef-1234&e=" + std::string(kReader), 1, 1);
  auto l = test::fixture_engine().classify(message({sfmc_leak}, "offers@shop-example.org"));
  CHECK(l.elements[0].third_party);
  CHECK(l.score.grade == "F");
  CHECK(l.score.reason.code == ReasonCode::kAddressLeakOpen);
  // A heuristic find on the sender's domain stays the sender's own.
  CHECK_FALSE(r.elements[0].tracker.empty());
  CHECK_FALSE(r.elements[0].third_party);
  CHECK(r.score.reason.code == ReasonCode::kSenderAddressLeak);
  // Google's own domain when Google sends: matched by domain, first party.
  auto g = test::fixture_engine().classify(message({ga_pixel()}, "noreply@google-analytics.com"));
  CHECK_FALSE(g.elements[0].third_party);
}

TEST_CASE("findings: plain message for anyone, technical detail apart, no jargon in the message", "[explain]") {
  auto r = classify(
      {ga_pixel(), weborama_leak(), mailchimp_link(),
       element(ElementKind::kCssBackground, "https://shop.us1.list-manage.com/track/open.php?u=1&e=77", 1, 1)});
  REQUIRE(r.findings.size() >= 5);
  const std::regex jargon(
      R"(query:|\besp\b|css-background|background-attr|srcset|\bcid\b|\bnpa\b(?!=)|\btid\b|sha256|md5|base64|\bhit\b|tracker-pixels|address-leak)");
  for (const auto& f : r.findings) {
    INFO(to_string(f.code) << ": " << f.message);
    CHECK_FALSE(f.message.empty());
    CHECK_FALSE(std::regex_search(f.message, jargon));
    CHECK(f.message.find(kReader) == std::string::npos);
  }
  auto find = [&](FindingCode code) {
    auto it = std::find_if(r.findings.begin(), r.findings.end(), [&](const Finding& f) { return f.code == code; });
    REQUIRE(it != r.findings.end());
    return *it;
  };
  const Finding ip = find(FindingCode::kGaIpNotAnonymised);
  CHECK(ip.message == "Google Analytics receives your full IP address: IP anonymisation (aip=1) is off");
  CHECK(ip.detail == "Universal Analytics hit (property UA-1234-5) without aip=1");
  const Finding leak = find(FindingCode::kAddressLeak);
  CHECK(leak.message == "Weborama gets your e-mail address (as a SHA-256 hash) when you open this mail");
  CHECK(leak.detail == "j\u2026@example.org: encoding sha256, in query:g.cv");
  CHECK(find(FindingCode::kTrackerPixels).message ==
        "3 tracking pixels would report when you open this mail, and from which IP address");
  CHECK(find(FindingCode::kTrackedLinks).message == "1 link records your click before opening the page");
  CHECK(find(FindingCode::kThirdParties).message ==
        "3 companies other than the sender are involved: Google Analytics, Mailchimp (Intuit), Weborama");
  CHECK(find(FindingCode::kThirdParties).detail == "companies: Google, Intuit, Weborama");
}

TEST_CASE("tracker.brand: the name people know, from the list or derived", "[explain][signatures]") {
  auto r =
      classify({mailchimp_link(), ga_pixel(),
                element(ElementKind::kLink, "https://links-only.example/c/a1b2c3d4e5f6a7b8c9d0e1f2?u=x"),
                element(ElementKind::kImg, "https://px.unlisted-tracker.example/open/a1b2c3d4e5f6a7b8c9d0", 1, 1)});
  CHECK(r.elements[0].tracker.brand == "Mailchimp (Intuit)");
  CHECK(r.elements[1].tracker.brand == "Google Analytics");
  CHECK(r.elements[2].tracker.brand == "Link Only (Links Inc)");  // no brand in the fixture entry: derived
  CHECK(r.elements[3].tracker.brand == "unlisted-tracker.example");
  CHECK(default_brand("Mandrill", "Intuit") == "Mandrill (Intuit)");
  CHECK(default_brand("Amazon SES", "Amazon") == "Amazon SES");
  CHECK(default_brand("Generic open pixel", "Unknown") == "Unknown");
}

TEST_CASE("plain words for kinds, categories and encodings in both languages", "[explain]") {
  CHECK(plain_kind(ElementKind::kCssBackground, Lang::kEn) == "background image");
  CHECK(plain_kind(ElementKind::kCssBackground, Lang::kFr) == "image de fond");
  CHECK(plain_category("esp", Lang::kEn) == "e-mail sending service");
  CHECK(plain_category("esp", Lang::kFr) == "service d'envoi d'e-mails");
  CHECK(plain_category("unknown", Lang::kEn) == "unlisted tracker");
  CHECK(plain_encoding({LeakEncoding::kSha256}, Lang::kEn) == "as a SHA-256 hash");
  CHECK(plain_encoding({LeakEncoding::kSha256Base64}, Lang::kEn) == "as a SHA-256 hash");
  CHECK(plain_encoding({LeakEncoding::kMd5}, Lang::kFr) == "hachée en MD5");
  CHECK(plain_encoding({LeakEncoding::kMd5Base64}, Lang::kEn) == "as an MD5 hash");
  CHECK(plain_encoding({LeakEncoding::kUrlEncoded}, Lang::kEn) == "in plain text");
  CHECK(plain_encoding({LeakEncoding::kSha1, 1}, Lang::kEn) == "as a SHA-1 hash, inside encoded data");
  CHECK(plain_encoding({LeakEncoding::kBase64Embedded, 2}, Lang::kEn) ==
        "inside encoded data, inside encoded data, inside encoded data");
  // Every form has words in both languages, not its code.
  for (const LeakEncoding form : all_codes<LeakEncoding>()) {
    for (const Lang lang : {Lang::kEn, Lang::kFr}) {
      const std::string words = plain_encoding({form}, lang);
      INFO(to_string(form));
      CHECK_FALSE(words.empty());
      CHECK(words != to_string(form));
    }
  }
  CHECK(finding_label(FindingCode::kGaIpNotAnonymised, Lang::kFr) == "Google Analytics reçoit l'adresse IP complète");
  CHECK(lang_from_string("fr") == Lang::kFr);
  CHECK_FALSE(lang_from_string("de"));
}

TEST_CASE("every finding code has a label, and every Google Analytics one its wording", "[explain][codes]") {
  for (const FindingCode code : all_codes<FindingCode>()) {
    for (Lang lang : {Lang::kEn, Lang::kFr}) {
      INFO(to_string(code) << " " << to_string(lang));
      CHECK(finding_label(code, lang) != to_string(code));  // not the fallback
      if (is_google_analytics(code)) CHECK(ga_wording(code, "", "uid", lang).message != to_string(code));
    }
  }
}
