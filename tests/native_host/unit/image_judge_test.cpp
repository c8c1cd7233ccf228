// Judgement of fetched elements on shapes taken from real mail (issue 9): responsive duplicates, asset hashes,
// thin pixels, open endpoints of unlisted ESPs. Hosts and addresses are replaced by example ones; the path and
// query shapes are the senders'.
#include "image_judge.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "classifier.h"
#include "digest.h"
#include "leak_detector.h"
#include "test_support.h"

using namespace mailveil;
using test::element;

namespace {

Email mail_of(std::vector<Element> elements) {
  Email e;
  e.message_id = "m1";
  e.sender = "news@shop.example";
  e.user_addresses = {"jane.doe@example.org"};
  for (size_t i = 0; i < elements.size(); ++i) elements[i].ref = "e" + std::to_string(i);
  e.elements = std::move(elements);
  return e;
}

Element link(std::string url) {
  return element(ElementKind::kLink, std::move(url));
}

bool blocked(const EmailReport& r, size_t i) {
  return r.elements.at(i).verdict == Verdict::kBlock;
}

bool has_reason(const ElementResult& r, Signal reason) {
  return std::find(r.reasons.begin(), r.reasons.end(), reason) != r.reasons.end();
}

}  // namespace

TEST_CASE("hidden responsive duplicates of visible images are content", "[image]") {
  // Salesforce Marketing Cloud content builder: desktop copy shown, mobile copy hidden with display:none.
  const std::string lib = "https://image.email.gym.example/lib/fe9213727763067a77/m/2/";
  auto r = test::fixture_engine().classify(mail_of({
      element(ElementKind::kImg, lib + "0a370547-7718-446f-8e20-aac14e42014f.png", 120),
      element(ElementKind::kImg, lib + "0a370547-7718-446f-8e20-aac14e42014f.png", 120, -1, false),
      // A dark-mode logo next to its visible twin in the same folder.
      element(ElementKind::kImg, "https://cdn.shop.example/emails/logos-norton-350x42.png", 350, 42),
      element(ElementKind::kImg, "https://cdn.shop.example/emails/logos-norton-350x42-darkmode.png", 350, 42, false),
      // Mobile-only social icons in the same media library, with no twin of their own.
      element(ElementKind::kImg, "http://image.shop.example/lib/fe6b1570746006757114/m/21/Footer_Social_Mobile_v1.jpg",
              48, 48, false),
      // A hidden pixel in that folder still names the reader.
      element(ElementKind::kImg, lib + "spacer.gif?uid=8a7f6e5d4c3b2a19", -1, -1, false),
  }));
  CHECK_FALSE(blocked(r, 0));
  CHECK_FALSE(blocked(r, 1));
  CHECK_FALSE(blocked(r, 3));
  CHECK_FALSE(blocked(r, 4));
  CHECK(blocked(r, 5));
  CHECK(has_reason(r.elements[5], Signal::kRecipientToken));
}

TEST_CASE("asset hashes and UUIDs name files, not readers", "[image]") {
  auto r = test::fixture_engine().classify(mail_of({
      // Home Depot's 1 px spacer in an SFMC library: the hex is the account's library id.
      element(ElementKind::kImg, "http://image.shop.example/lib/fe6b1570746006757114/m/19/20150625_GC_1px.gif", -1, 1),
      // SFMC's 1x1 spacer named by a UUID, as content builder names every upload.
      element(ElementKind::kImg,
              "https://image.email.gym.example/lib/fe9213727763067a77/m/2/5cb2f933-1ffb-42de-803d-a4de40358a3a.gif", 1,
              1),
      // A content hash as the file name, visible at a normal size.
      element(ElementKind::kImg, "https://res.shop.example/res/kalmbach_mkt_prod1/9f2c41d8e7b6a5c4d3e2f1a0b9c8d7e6.png",
              600, 300),
      // A UUID folder on S3, hidden (mobile copy) with no visible twin.
      element(ElementKind::kImg, "https://bucket.s3.amazonaws.com/5bb14016-8a8c-4c3e-9f5a-2b1d3c4e5f60/hero-mobile.jpg",
              320, 160, false),
      // A CMS id in the query of a content servlet, at a normal size.
      element(ElementKind::kImg, "https://www.games.example/servlet/fileservlet?id=4192617785130", 230, 125),
      // LinkedIn-style signed media: the expiry repeats on every image, the signature differs per image.
      element(ElementKind::kImg,
              "https://media.social.example/dms/image/C4E03AQH/profile-displayphoto-shrink_100_100/0/1600000000000"
              "?e=1712793600&v=beta&t=Zx0Qm3aB9cD4eF5gH6iJ7kL8mN9oP0qR",
              100, 100),
      element(ElementKind::kImg,
              "https://media.social.example/dms/image/D5F14BRI/feedshare-shrink_800/0/1600000000001"
              "?e=1712793600&v=beta&t=Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv",
              400, 300),
  }));
  for (size_t i = 0; i < r.elements.size(); ++i) {
    INFO(r.elements[i].url);
    CHECK_FALSE(blocked(r, i));
  }
}

TEST_CASE("a per-recipient id is a tracker even on a visible image: it recurs across the mail", "[image]") {
  const std::string uid = "E64BC615-F441-44E3-B7FB-BC3D2520C7B5";
  auto r = test::fixture_engine().classify(mail_of({
      link("https://clickmail.esp.example/redirect/redirect.aspx?A=R&l=4A409C40-815D-45A3-8D38-1E6F7BADB074&u=" + uid),
      link("https://clickmail.esp.example/redirect/redirect.aspx?A=U&u=" + uid + "&I=BR"),
      // The view beacon: no size, a script, the reader's id shared with every link.
      element(ElementKind::kImg,
              "https://clickmail.esp.example/redirect/redirect.aspx?A=V&u=" + uid + "&IMG=" + uid + ".png"),
      // Brevo-style content image with a recipient token in `e`.
      element(ElementKind::kImg,
              "https://r.news.example/im/1774880/0e64e1f5b65a812b1cd5e6e96977a10767635a3e9e2fe414a89fbd856d30e440.jpg"
              "?e=OYsT5hPMbeGfoxLU4p-FTqe-vN5mt9z5Xh8qXY1GqgQxtsrI6_3x1t62t6F738jHPd8gWtYuZ3TY",
              70),
      // The same reader token on several content images.
      element(ElementKind::kImg, "https://img.notification.news.example/im/sh/lqZ-D-8IdZNG.png?u=39KVvVK8itaGr7odbrTK",
              570),
      element(ElementKind::kImg, "https://img.notification.news.example/im/sh/TjeS1SGoP05G.png?u=39KVvVK8itaGr7odbrTK",
              270),
  }));
  CHECK(blocked(r, 2));
  CHECK(r.elements[2].tracker.id == "heuristic");
  CHECK(blocked(r, 3));
  CHECK(blocked(r, 4));
  CHECK(blocked(r, 5));
}

TEST_CASE("thin pixels: area and endpoint together", "[image]") {
  auto r = test::fixture_engine().classify(mail_of({
      // Cooperpress (Node Weekly, Golang Weekly): a 3x1 open pixel.
      element(ElementKind::kImg, "https://weekly.example/open/459/4f439e0f78", 3, 1),
      // 20x1 and 1x5 beacons with a reader id.
      element(ElementKind::kImg, "https://t.esp.example/i.gif?u=8a7f6e5d4c3b2a1908f7", 20, 1),
      element(ElementKind::kImg, "https://t.esp.example/v/8a7f6e5d4c3b2a1908f7e6d5", 1, 5),
      // Static slivers: Constant Contact's S.gif spacer, Kajabi's spacer, a Responsys divider.
      element(ElementKind::kImg, "https://static.ctctcdn.example/letters/images/1101116784221/S.gif", 1, 5),
      element(ElementKind::kImg, "https://a.kajabi.example/9/9d08eac.png", 40, 1),
      element(ElementKind::kImg, "https://static.cdn.esp.example/winback/width-fix-120dpi.png", 640, 1),
  }));
  CHECK(blocked(r, 0));
  CHECK(has_reason(r.elements[0], Signal::kThinImage));
  CHECK(has_reason(r.elements[0], Signal::kTrackingPath));
  CHECK(blocked(r, 1));
  CHECK(blocked(r, 2));
  CHECK_FALSE(blocked(r, 3));
  CHECK_FALSE(blocked(r, 4));
  CHECK_FALSE(blocked(r, 5));
}

TEST_CASE("open endpoints of unlisted ESPs with no declared size", "[image]") {
  auto r = test::fixture_engine().classify(mail_of({
      element(ElementKind::kImg, "https://news.example/open/459/4f439e0f78"),
      element(ElementKind::kImg, "https://mailer.example/e/view.php?id=77&sub=1234567890abcdef1234"),
      // Live image services keyed on the ESP's subscriber id.
      element(ElementKind::kImg,
              "https://em.live.example/service/rte?kind=liveimage&id=1210192002&esp_uid=4ef44ed2-64b8-3b89-9a16-"
              "3821cc1e92cf"),
      // A per-mail id on a logo servlet.
      element(ElementKind::kImg, "https://www.games.example/servlet/mfileservlet?id=1523796726951&lmid=947028393lPso",
              159, 21),
      // Content with no size: a static file, an icon named "open", a resized CDN image.
      element(ElementKind::kImg, "https://cdn.news.example/images/open.png"),
      element(ElementKind::kImg,
              "https://images.photos.example/photo-1500000000000-abcdef123456?ixid=MnwxMjA3fDB8MXxzZWFyY2h8&w=1080"),
  }));
  CHECK(blocked(r, 0));
  CHECK(blocked(r, 1));
  CHECK(blocked(r, 2));
  CHECK(blocked(r, 3));
  CHECK_FALSE(blocked(r, 4));
  CHECK_FALSE(blocked(r, 5));
}

TEST_CASE("token facts read the position of an id", "[image]") {
  auto facts = [](const char* u) { return token_facts(*parse_url(u)); };
  CHECK(facts("https://t.example/o/a8Fk29dLq0Zx7PmWq1").endpoint_token);
  CHECK(facts("https://img.example/lib/fe6b1570746006757114/m/1/logo.png").asset_path);
  CHECK_FALSE(facts("https://img.example/lib/fe6b1570746006757114/m/1/logo.png").endpoint_token);
  CHECK(facts("https://x.example/p/9f2c41d8e7b6a5c4d3e2f1a0b9c8d7e6.png").stem_token);
  CHECK(facts("https://x.example/open/9f2c41d8e7b6a5c4d3e2f1/o.gif").folder_token_after_word);
  CHECK(facts("https://x.example/a.gif?e=8a7f6e5d4c3b").recipient_key);
  CHECK(facts("https://x.example/a.gif?esp_uid=8a7f6e5d4c3b").recipient_key);
  CHECK_FALSE(facts("https://cms.example/image.aspx?guid=0a370547-7718-446f-8e20-aac14e42014f").recipient_key);
  CHECK_FALSE(facts("https://x.example/a.gif?e=1712793600").query_token);  // an expiry
  CHECK_FALSE(facts("https://x.example/a.gif?v=8a7f6e5d4c3b2a1908f7").query_token);
  CHECK(looks_like_timestamp("1712793600"));
  CHECK(looks_like_timestamp("1600000000000"));
  CHECK_FALSE(looks_like_timestamp("9712793600"));
  CHECK(is_thin({3, 1}));
  CHECK(is_thin({1, 600}));
  CHECK_FALSE(is_thin({1, 1}));
  CHECK_FALSE(is_thin({1, -1}));
}

TEST_CASE("CSS beacons are judged like images", "[image]") {
  // Extracted from <style>: a `@media print` body background and a forward-detection rule, no box of their own.
  auto r = test::fixture_engine().classify(mail_of({
      element(ElementKind::kCssBackground, "https://t.news.example/print.gif?u=8a7f6e5d4c3b2a1908f7"),
      element(ElementKind::kCssBackground, "https://t.news.example/fwd.gif?r=8a7f6e5d4c3b2a1908f7e6d5"),
      element(ElementKind::kCssBackground, "https://t.news.example/open/2024/7?s=1"),
      // Content backgrounds: a static hero and a cache-busted texture.
      element(ElementKind::kCssBackground, "https://cdn.news.example/bg/hero.jpg"),
      element(ElementKind::kCssBackground, "https://cdn.news.example/bg/paper.png?v=8a7f6e5d4c3b2a1908f7"),
      element(ElementKind::kCssBackground, "https://lh3.googleusercontent.com/pw/ABLVV84jVv71K6ur3ayHN-NCE=w1440"),
  }));
  CHECK(blocked(r, 0));
  CHECK(blocked(r, 1));
  CHECK(blocked(r, 2));
  CHECK_FALSE(blocked(r, 3));
  CHECK_FALSE(blocked(r, 4));
  CHECK_FALSE(blocked(r, 5));
}

TEST_CASE("Outlook-only elements are judged and tagged", "[image]") {
  Element vml = element(ElementKind::kImg, "https://t.news.example/open/459/4f439e0f78", 1, 1);
  vml.outlook_only = true;
  Element logo = element(ElementKind::kImg, "https://cdn.news.example/images/logo.png", 200, 50);
  logo.outlook_only = true;
  auto r = test::fixture_engine().classify(mail_of({vml, logo, link("https://news.example/")}));
  CHECK(blocked(r, 0));
  CHECK(r.elements[0].outlook_only);
  CHECK_FALSE(blocked(r, 1));
  CHECK(r.elements[1].outlook_only);
  CHECK_FALSE(r.elements[2].outlook_only);
}

TEST_CASE("signed media, one file at two sizes and words in content paths stay content", "[image]") {
  auto r = test::fixture_engine().classify(mail_of({
      // LinkedIn-style signed media with no declared size: the signature sits next to an expiry.
      element(ElementKind::kImg,
              "https://media.social.example/dms/image/C4E03AQH/article-cover_image-shrink_600/0/1600000000000"
              "?e=1712793600&v=beta&t=Zx0Qm3aB9cD4eF5gH6iJ7kL8mN9oP0qR"),
      // The same photo at two widths.
      element(ElementKind::kImg, "https://images.photos.example/photo-1500000000000-abcdef123456?w=600", 600, 300),
      element(ElementKind::kImg, "https://images.photos.example/photo-1500000000000-abcdef123456?w=300", 300, 150),
      // Words of tracking in content paths, at a declared size.
      element(ElementKind::kImg, "https://www.music.example/track/9f2c41d8e7b6a5c4d3e2f1a0b9c8d7e6.jpg", 300, 300),
      element(ElementKind::kImg, "https://www.shop.example/open/logo.png?v=2", 120, 40),
  }));
  for (size_t i = 0; i < r.elements.size(); ++i) {
    INFO(r.elements[i].url);
    CHECK_FALSE(blocked(r, i));
  }
}

TEST_CASE("the engine's leak detectors follow each mail's addresses, whatever the order of the mails",
          "[image][leak]") {
  // The engine keeps the detectors of the last few address sets; a mailbox alternates between them. Each mail's
  // leaks and masked evidence must be those of its own addresses.
  const Engine& engine = test::fixture_engine();
  auto mail_to = [](const std::string& address) {
    Email e = mail_of({element(ElementKind::kImg, "https://b.us1.list-manage.com/track/open.php?u=1&e=" + address +
                                                      "&h=" + hex_digest(HashAlgorithm::kSha256, address))});
    e.user_addresses = {address};
    return e;
  };
  const std::vector<std::string> readers = {"jane.doe@example.org", "john.roe@example.net", "a.b@example.com"};
  for (int pass = 0; pass < 3; ++pass) {
    for (size_t k = 0; k < 12; ++k) {
      const std::string& me = readers[(k * 7 + pass) % readers.size()];
      const EmailReport r = engine.classify(mail_to(me));
      REQUIRE(r.elements.size() == 1);
      const ElementResult& e = r.elements[0];
      REQUIRE(e.leaks.size() == 2);  // plain and SHA-256, both of this mail's reader
      for (const LeakReport& leak : e.leaks) CHECK(leak.address == mask_address(me));
      CHECK(e.evidence_url.find(me) == std::string::npos);
      CHECK(e.evidence_url.find(hex_digest(HashAlgorithm::kSha256, me)) == std::string::npos);
      CHECK(e.evidence_url.find("[email]") != std::string::npos);
    }
  }
}

TEST_CASE("MailImages: visible files and folders, and ids that recur in another place of the mail", "[image_judge]") {
  const std::vector<Element> elements = {
      element(ElementKind::kImg, "https://cdn.shop.example/news/2024/hero.jpg", 600, 300),
      element(ElementKind::kImg, "https://cdn.shop.example/news/2024/hero.jpg?w=300", 1, 1, false),
      element(ElementKind::kImg, "https://img.esp.example/o/Ab3dE6gH9jKlMn0pQr", 1, 1),
      link("https://click.esp.example/c?u=Ab3dE6gH9jKlMn0pQr&l=1"),
      element(ElementKind::kImg, "https://static.shop.example/a/Zx8Yw7Vu6Ts5Rq4Po3Nm.png?w=600"),
      element(ElementKind::kImg, "https://static.shop.example/a/Zx8Yw7Vu6Ts5Rq4Po3Nm.png?w=300"),
      element(ElementKind::kImg, "https://pix.esp.example/open?t=Kq9Lm8Np7Ob6Pa5Qz4Ry&s=1"),
      element(ElementKind::kImg, "https://pix.esp.example/open?t=Kq9Lm8Np7Ob6Pa5Qz4Ry&s=1"),
      element(ElementKind::kImg, "https://pix.esp.example/open?t=Hw2Jx3Ky4Lz5Ma6Nb7Oc&s=1"),
      element(ElementKind::kImg, "https://pix.esp.example/open?t=Hw2Jx3Ky4Lz5Ma6Nb7Oc&s=2"),
  };
  std::vector<Url> urls;
  for (const Element& e : elements) urls.push_back(*parse_url(e.url));
  std::vector<const Url*> pointers;
  for (const Url& u : urls) pointers.push_back(&u);
  const MailImages mail(elements, pointers);

  // The hidden copy at another size is the shown file; another file of its folder is near it; another folder or
  // host is not.
  CHECK(mail.shown_visibly_nearby(urls[1]));
  CHECK(mail.shown_visibly_nearby(*parse_url("https://cdn.shop.example/news/2024/logo.png")));
  CHECK_FALSE(mail.shown_visibly_nearby(*parse_url("https://cdn.shop.example/news/2023/hero.jpg")));
  CHECK_FALSE(mail.shown_visibly_nearby(*parse_url("https://cdn2.shop.example/news/2024/hero.jpg")));
  CHECK_FALSE(mail.shown_visibly_nearby(urls[2]));  // 1x1: not shown at a normal size

  // An id in an image's endpoint and in a link's query: two places, so it recurs.
  CHECK(mail.has_repeated_token(urls[2]));
  // One file at two sizes: the same place for a path id.
  CHECK_FALSE(mail.has_repeated_token(urls[4]));
  // The same URL twice: the same place for a query id.
  CHECK_FALSE(mail.has_repeated_token(urls[6]));
  // A query id in two URLs that differ: it recurs.
  CHECK(mail.has_repeated_token(urls[8]));
  CHECK(mail.has_repeated_token(urls[9]));
}
