// Link judgement: click-tracker families of the shipped list (public URL shapes, example.org addresses), the
// generic rule for unlisted redirectors, destination recovery, and the clean links that must stay clean.
#include "link_judge.h"

#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "digest.h"
#include "test_support.h"

using namespace mailveil;
using test::element;

namespace {

const Engine& shipped_engine() {
  static Engine engine([] {
    std::string err;
    auto list = load_signature_list(std::string(MAILVEIL_SOURCE_DIR) + "/signatures/trackers.json", &err);
    if (!list) throw std::runtime_error(err);
    return list;
  }());
  return engine;
}

/// One link of a newsletter from news@shop.example, judged with the shipped list.
ElementResult judge(const std::string& url, const std::string& text = "",
                    const std::string& sender = "news@shop.example") {
  Email e;
  e.sender = sender;
  e.user_addresses = {"jane.doe@example.org"};
  Element link = element(ElementKind::kLink, url);
  link.ref = "e0";
  link.text = text;
  e.elements = {link};
  return shipped_engine().classify(e).elements.at(0);
}

bool has_reason(const ElementResult& r, Signal reason) {
  return std::find(r.reasons.begin(), r.reasons.end(), reason) != r.reasons.end();
}

std::string b64url(std::string_view s) {
  return base64url_encode(s);
}

std::string zlib_b64url(const std::string& s) {
  uLongf size = compressBound(s.size());
  std::string out(size, '\0');
  REQUIRE(compress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(s.data()), s.size()) ==
          Z_OK);
  out.resize(size);
  return b64url(out);
}

std::string hex(std::string_view s) {
  return to_hex(s);
}

}  // namespace

TEST_CASE("is_link_token tells generated ids from words, slugs and numbers", "[link]") {
  for (const char* token :
       {"4cffWk24727PRIO591cnrzpfzyip1733ETHFEUQOTYEQYIZ29278", "Qu9K9mzKhb_PNowB", "5effa7da96dbe29c4254353e82d84616",
        "d12425a2-57e5-445b-896d-425ad79fd2ca", "lc1CD3615SO370MA", "zDXjvartiQ8nFPh", "rFJsFqwPUrTNGgb",
        "P2Q9MTA3JmVpPTAwMSZpZj0xJmxpPTAwJnR5PTE=", "1syj6729e2dcbf80b_vl_inter.3"}) {
    INFO(token);
    CHECK(is_link_token(token));
  }
  for (const char* plain :
       {"issuecomment-1187", "louis-vuitton-m44813-multi-pochette", "PyramidConsultingInc", "45626153000187",
        "37692PVVW901762", "feGrTuI3lZk", "order20240512", "privacy-policy", "jane.doe@example.org", "B08N5WRWNW"}) {
    INFO(plain);
    CHECK_FALSE(is_link_token(plain));
  }
}

TEST_CASE("generic rule: redirector paths, opaque paths, query tokens and fragment tokens are click trackers",
          "[link]") {
  struct Case {
    const char* url;
    const char* text;
    const char* why;
  };
  const Case cases[] = {
      // Spam mailers' per-recipient paths (the /track/<token> pixel family's click link).
      {"http://greetsld.example/4cffWk24727PRIO591cnrzpfzyip1733ETHFEUQOTYEQYIZ29278/4100B9", "", "opaque-path"},
      {"http://mailer.example/4/186451/1472/21498/78745/5329/9/h85f5jbr2e", "", "opaque-path"},
      // Click prefixes and redirector scripts with ids.
      {"https://t2d857ce9.mailer.example/c/136/1071579/1264/0/4531494/9012/52881/5bcc576f50.html", "", "redirect-path"},
      {"https://click.mailer.example/redirect/redirect.aspx?A=R&l=0840C2FA-1EAE-4670-A8D9-E6533C47A799&u=E64BC615-F441",
       "", "redirect-path"},
      {"https://app-b.mailer.example/lnk.php?id=322C32322C", "", "redirect-path"},
      {"https://news.shop.example/c/12345678/abcdef0123456789", "", "redirect-path"},
      {"https://news.city.example/r.aspx?ID=4471&U=88231", "", "redirect-path"},
      {"https://mail.example/track/click?q=eyJ1cmwiOiJodHRwczovL2NpdHkuZXhhbXBsZS9ldmVudHMifQ", "", "redirect-path"},
      {"http://spam.example/fwd/P2Q9MTA3JmVpPTAwMSZpZj0xJmxpPTAwJnR5PTE=/x", "", "redirect-path"},
      // A token in the query of a bare endpoint on a third-party host.
      {"https://casino.example/index.php?search=4&lm=37692PVVW901762&sd=4&page=zDXjvartiQ8nFPh", "", "query-token"},
      {"http://spam.example/yjxff.php?32=1a4328525ff14fa0a_3655.b7cb82f.c00227bf0822badb7c_8b8580", "", "query-token"},
      // A bare base64 key, its padding read as an empty value.
      {"http://uni.example/r60ff.php?gAAAAABlzLC7CiEZS-xoOcY-kqD-n5ekndtcCp3bEFgDVg2okoNIUu0kdVHu4ldV5DkA==", "",
       "query-token"},
      // A static page that forwards the token after '#' by script.
      {"https://storage.example/bucket/page.html#4gCZGf27822DthY905giavceurdt14302PCCEREHCGLHDJAW2Q", "",
       "fragment-token"},
      {"https://storage.example/v.html#cl/60_md/1995/171/660/1/7790", "View in browser", "fragment-token"},
  };
  for (const auto& c : cases) {
    INFO(c.url);
    auto u = parse_url(c.url);
    REQUIRE(u);
    const char* why = generic_click_tracker(*u, c.text, "shop.example");
    REQUIRE(why != nullptr);
    CHECK(std::string(why) == c.why);
  }
}

TEST_CASE("generic rule: deep links, pages and share links stay clean", "[link]") {
  struct Case {
    const char* url;
    const char* text;
  };
  const Case cases[] = {
      // Product pages and articles, on the sender's site or another.
      {"https://www.shop.example/product/louis-vuitton-m44813-multi-pochette-accessoires-monogram/", "SHOP NOW"},
      {"https://order.market.example/ord/show?itemId=115975209841&euid=1314c7b48be74648940490eb72912cfa", ""},
      {"https://www.shop.example/smart-tv-50-4k/produto/LVL59063260#image-0", ""},
      {"https://git.forge.example/team/tool/issues/42#issuecomment-1187", ""},
      {"https://open.music.example/track/4uLU6hMCjMI75M1A2tKUQC", ""},
      {"https://www.social.example/PyramidConsultingInc", "Facebook"},
      {"https://www.social.example/freebitcoinofficialaccount/", ""},
      // Unsubscribe, preference and web-view pages that carry only an id.
      {"https://www.shop.example/unsubscribe/daaa739365f29b80704d2b4e65f98a9c703779/057f6bb6974c7f69505b1ea0d40b67",
       "Unsubscribe here"},
      {"https://esp.example/proc.php?nl=125&c=6704&m=6956&s=d7220edfb1b1f74f093793a94fd89618&act=unsub", ""},
      {"https://r.esp.example/mk/mr/sh/7nVTPdZCTJDXPIOlxg3FXGdDeiV75pF/QlgfLlw45yCs", "View in browser"},
      {"https://r.esp.example/mk/un/sh/7nVTPdbLJ2bPbZUt1kMhyN2yt9SBXRV/g0EG9qSti3mH", "stop receiving all emails"},
      {"https://www.shop.example/hs/preferences-center/en/page?data=W2nXS-N30h-H9W32s5PB4cg-M1W43rFLg22XfSQ", ""},
      {"https://view.mail.shop.example/?qs=74d6c55d6f57c9883d56c51e3fb3e7623b6d9ca0603f7f3da119faa2", "browser"},
      // Share and short links name content, the same for every reader; a reset page names its purpose.
      {"https://share.forms.example/1OxvmrkcFS4qsxKpNXCi76wee466?utm_source=advertise", ""},
      {"https://maps.app.example/Ab12Cd34Ef56Gh78", ""},
      {"https://meet.video.example/j/98765432101?pwd=AbCdEf12GhIjKl34MnOp", ""},
      {"https://cloud.backup.example/Account/ResetPassword?GvNnM5AG2iSX5S/g4HiW0JriBs7wcENnzpV/V0vs6ojL9TOIu", ""},
      {"https://forms.site.example/cloud/65815ae83e9d0801973d7263/", ""},
      {"https://www.polymer.example/med/ww2ib/axps.php?hash=%EMAIL%", ""},
      // A phishing page reached directly, the victim's address prefilled (base64): a leak, not a redirect.
      {"https://login.phish.example/?e=amFuZS5kb2VAZXhhbXBsZS5vcmc=", "Sign in"},
      {"https://login.phish.example/index.html#amFuZS5kb2VAZXhhbXBsZS5vcmc", "Sign in"},
      // The text names the site the link goes to.
      {"https://www.other.example/?ref=Xk29dLq0Zx7PmWq1", "www.other.example"},
      // A campaign's web archive, a web view on the ESP's host, a file key and an application route after '#'.
      {"https://us5.campaign-archive.com/?u=69204f289fac23ee517f6138b&id=33584df68e&e=d9fb92b50d", ""},
      {"https://shop.createsend1.com/t/ViewEmail/r/4A0DA1B2C3D4E5F6/C67FD2F38AC4859C/", ""},
      {"https://mega.example/file/AbCdEfGh#Xk29dLq0Zx7PmWq1Ab3dEf9hIjKlMn0pQrStUvWxYz1", ""},
      {"https://app.example/#/invite/AbCdEf1234567890XyZ", ""},
      // A page's title then its id (Notion, Medium): the id names the page.
      {"https://www.notes.example/Onboarding-Guide-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d", ""},
      {"https://team.notes.example/Roadmap-2024-0f1e2d3c4b5a69788796a5b4c3d2e1f0", ""},
      // Share ids in the query of a page named by a word (Spotify's ?si=, Dropbox's rlkey=).
      {"https://open.music.example/track/4uLU6hMCjMI75M1A2tKUQC?si=9f8e7d6c5b4a3210", ""},
      {"https://www.box.example/scl/fi/a1b2c3d4e5f6g7h8i9j0k/report.pdf?rlkey=abcdef1234567890abcdef123&dl=0", ""},
      // A one-letter route followed by words is an application's page (Stripe checkout, Slack invitations).
      {"https://checkout.pay.example/c/pay/cs_live_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ", "Pay your invoice"},
      {"https://join.chat.example/t/acme/shared_invite/zt-2abcdef12-AbCdEfGhIjKlMnOpQrStUv", "Join us"},
      // A file named by its content hash.
      {"https://cdn.shop.example/files/a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6.pdf", "Download the catalogue"},
      // A token on the sender's own bare endpoint is the sender's page, not a third party's.
      {"https://www.shop.example/?op=home&t=TuBsscJCAi05IBvEF641iypUAteNxcy7", ""},
  };
  for (const auto& c : cases) {
    INFO(c.url);
    auto u = parse_url(c.url);
    REQUIRE(u);
    const char* why = generic_click_tracker(*u, c.text, "shop.example");
    CHECK(why == nullptr);
  }
}

TEST_CASE("redirector families of the list are recognised from their public shapes", "[link]") {
  struct Case {
    std::string url;
    const char* tracker;
  };
  const std::vector<Case> cases = {
      {"https://go.candidate.example/page/m/5dd3c3b4/3e3c2e1a/2dc4a3b6/5ad1d5de/3485893419/VEsH/",
       "blue-state-digital"},
      {"https://click.everyaction.com/k/12345678/123456789/-1234567890?nvep=ew0KICAiVGVuYW50VXJpIjogIm5ncHZhbjov&"
       "hmac=Ab3dE",
       "everyaction"},
      {"https://act.campaign.example/signup?nvep=ew0KICAiVGVuYW50VXJpIjogIm5ncHZhbjovL3Zhbi9FQS9FQTAwMS8xLzg2&emci=1",
       "everyaction"},
      {"https://act.cause.example/go/1234?t=5&akid=1234.5678.AbCdEf", "actionkit"},
      {"http://campaigns.shop.example/t/d-l-jidutik-juyklhmj-a/", "campaign-monitor"},
      {"https://shop.cmail20.com/t/y-l-kdhuuh-l-r/", "campaign-monitor"},
      {"https://links.shop.example/u/click?_t=5e1f9b2c3d4a4b6c8d9e0f1a2b3c4d5e&_m=0a1b2c3d4e5f&_e=abc", "iterable"},
      {"https://mkto-ab12345.com/NDI1LUVHSy0yNjAAAAGLm3xZ", "marketo"},
      {"https://info.shop.example/NDI1LUVHSy0yNjAAAAGLm3xZrT0a9Hk2Qw", "marketo"},
      {"https://www.linkedin.com/e/v2?e=6m81ta-ihd6z5md-7&a=customerServiceUrl&midToken=AQHp7WCc2qHESg",
       "linkedin-email"},
      {"http://ics.mailrelay-v.com/newslink/402862/21.html", "mailrelay"},
      {"https://t.crsend.com/c/12345678/abcdef0123456789", "cleverreach"},
      {"https://r.news.shop.example/tr/cl/Ab3dEf9hIjKlMn0pQrStUvWx", "brevo"},
      {"http://r.notification.shop.example/mk/cl/f/sh/7nVU1aA2nfsTSzF50tlaorLNTMB40yT/mP1yH953OqAB", "brevo"},
      {"https://www.google.com/appserve/mkt/p/AxB-dqY5N8vKFEjajb5YTgw3oVy1twMcyGqgACzQ1vZBtozpjKO27T_OoxtmGF25",
       "google-marketing-links"},
      {"https://links.shop.example/f/a/Xk29dLq0Zx7PmWq1~~/AAAAAQA~/RgRiXk29dLq0", "sparkpost"},
      {"https://blog.example/r/3f2a9c1d?m=5b0e3c44-8f0a-4b5e-9a1d-2c3b4d5e6f70", "ghost"},
      {"https://campaign-statistics.com/link_click/Qu9K9mzKhb_PNowB/5effa7da96dbe29c4254353e82d84616", "sender-net"},
      {"https://offers.example/?a=6073&oc=17607&c=47878&m=3&s1=", "cake-affiliate"},
      {"https://www.track.example/B1PP4G4/2S7LC1M7/?creative_id=46306", "everflow"},
      {"https://grabify.link/YQADZ3", "ip-logger"},
      {"https://www.shareasale.com/r.cfm?b=1234567&u=2345678&m=34567&urllink=shop.example%2Fsale&afftrack=",
       "shareasale"},
      {"https://prf.hn/click/camref:1100l3Abc/pubref:newsletter/destination:https%3A%2F%2Fshop.example%2Fsale",
       "partnerize"},
      {"https://pub.omeclk.com/portal/wts/ue%5EcnvA6%5EEdfjbEn9y6Ep", "omeda"},
  };
  for (const auto& c : cases) {
    INFO(c.url);
    ElementResult r = judge(c.url);
    CHECK(r.tracked);
    CHECK(r.tracker.id == c.tracker);
    CHECK(has_reason(r, Signal::kClickTracker));
  }
}

TEST_CASE("destinations are recovered from every encoding and the rewrite leads to them", "[link]") {
  const std::string dest = "https://city.example/events?id=7&lang=en";
  const std::string enc = percent_encode(dest);
  struct Case {
    std::string url;
    const char* tracker;  // "" for the generic rule
  };
  const std::vector<Case> cases = {
      // GovDelivery: a JWT whose payload holds the URL.
      {"https://lnks.gd/l/" + b64url(R"({"alg":"HS256"})") + "." +
           b64url(R"({"bulletin_link_id":100,"uri":"bp2:click","bulletin_id":"20200428.1","url":")" + dest + "\"}") +
           ".Wja34zpUSbb9WM5p-rXfP73ixsFCOzmc/s/440305174/br/151948143821-l",
       "govdelivery"},
      // GovDelivery's older links: the destination written out after the ids.
      {"http://links.govdelivery.com:80/track?type=click&enid=ZWFzPTEmbWFpbGluZ2lkPTIwMTcwMTI0&&&100&&&" + dest,
       "govdelivery"},
      // Customer.io: base64 JSON with "href" in the path.
      {"http://email.shop.example/e/c/" + b64url(R"({"email_id":"NDkzOTo","position":1,"href":")" + dest + "\"}") +
           "/Ab3dEf9hIjKl",
       "customer-io"},
      // Mailgun: base64url of a zlib-compressed query string with the destination in "l".
      {"http://email.mg.shop.example/c/" + zlib_b64url("email_id=2148421848&h=e5e77afb&l=" + enc + "&r=jane"),
       "mailgun"},
      // Substack: /redirect/2/<base64 JSON>.
      {"https://substack.com/redirect/2/" + b64url(R"({"e":")" + dest + R"(","p":1234,"s":5678})") + "?j=eyJ1Ijo",
       "substack"},
      // Substack's signed form: <base64 JSON>.<signature>, no JWT header.
      {"https://substack.com/redirect/2/" +
           b64url(R"({"e":")" + dest + R"(","p":1234,"s":5678,"sub":"link-redirect"})") +
           ".sSZyhodHh7396EPbdH0ouL0mu5UTN9UDyyppMNZmo_c",
       "substack"},
      // Kit: the last path segment is base64 of the destination.
      {"https://click.convertkit-mail2.com/v8u0ozwm2dh0hz/" + std::string("ab3dEf9h") + "/" + b64url(dest),
       "convertkit"},
      // Bing: "a1" + base64url.
      {"https://www.bing.com/ck/a?!&&p=f72d79d9480073e0JmltdHM9&ptn=3&ver=2&hsh=3&u=a1" + b64url(dest) + "&ntb=1",
       "bing-click"},
      // Amazon SES: the encoded URL as a path segment.
      {"https://x.r.us-east-1.awstrack.me/L0/" + enc + "/1/0100018b-token/xyz=123", "amazon-ses"},
      // Partnerize: a named value in a path segment.
      {"https://prf.hn/click/camref:1100l3Abc/pubref:newsletter/destination:" + enc, "partnerize"},
      // Meta's and YouTube's outbound shims.
      {"https://l.facebook.com/l.php?u=" + enc + "&h=AT0Xk29dLq0Zx7PmWq1Ab3d", "facebook-link-shim"},
      {"https://www.youtube.com/redirect?event=video_description&redir_token=QUFFLUhqbXk0d2Zp&q=" + enc,
       "youtube-email"},
      // An unlisted redirect whose q= is base64 JSON.
      {"https://mail.example/track/click?q=" + b64url(R"({"cid":42,"url":")" + dest + "\"}"), ""},
      // Hex of the URL.
      {"https://mail.example/redirect/?target=statredirect&linknum=0&href=" + hex(dest), ""},
      // Percent-encoded twice.
      {"https://click.mail.example/c/a8Fk29dLq0Zx7PmWq1?redirect=" + percent_encode(enc), ""},
      // Nested: a listed tracker wrapping Google's /url wrapping another listed tracker with a readable destination.
      {"https://shop.us1.list-manage.com/track/click?u=abc&id=def&e=0123456789&url=" +
           percent_encode("https://www.google.com/url?q=" +
                          percent_encode("https://x.r.us-east-1.awstrack.me/L0/" + enc + "/1/0100018b/xyz=1") +
                          "&sa=D&usg=AOvVaw0K"),
       "mailchimp"},
  };
  for (const auto& c : cases) {
    INFO(c.url);
    ElementResult r = judge(c.url);
    CHECK(r.tracked);
    if (*c.tracker) CHECK(r.tracker.id == c.tracker);
    CHECK(r.verdict == Verdict::kRewrite);
    CHECK(r.rewrite_url == dest);
    CHECK_FALSE(has_reason(r, Signal::kDestinationUnknown));
  }
}

TEST_CASE("a recovered destination is always an absolute http(s) URL spelled out in the link", "[link]") {
  for (const std::string& url : std::vector<std::string>{
           "https://click.mail.example/c/a8Fk29dLq0Zx7PmWq1?url=javascript%3Aalert(1)",
           "https://click.mail.example/c/a8Fk29dLq0Zx7PmWq1?url=data%3Atext%2Fhtml%3Bbase64%2CPHNjcmlwdD4",
           "https://click.mail.example/c/a8Fk29dLq0Zx7PmWq1?url=%2Flocal%2Fpath",
           "https://click.mail.example/c/a8Fk29dLq0Zx7PmWq1?url=https%3A%2F%2Fbad%20host%2Fx",
           "https://click.mail.example/c/a8Fk29dLq0Zx7PmWq1?url=" + b64url("ftp://files.example/a"),
       }) {
    INFO(url);
    ElementResult r = judge(url);
    CHECK(r.tracked);
    CHECK(r.verdict == Verdict::kAllow);  // tracked, destination unknown: the extension asks before the click
    CHECK(r.rewrite_url.empty());
    CHECK(has_reason(r, Signal::kDestinationUnknown));
  }
}

TEST_CASE("LinkedIn /comm/ links lead to the same path without the prefix and the per-recipient parameters", "[link]") {
  ElementResult r = judge(
      "https://www.linkedin.com/comm/jobs/view/3861234567?trackingId=Ab3dEf&refId=Xk29&lipi=urn%3Ali%3Apage&"
      "midToken=AQHp7WCc2qHESg&midSig=2x9&trk=eml-email_job_alert&trkEmail=eml-email_job_alert-null-0&eid=6m81ta&"
      "otpToken=MTAwNTFk");
  CHECK(r.tracker.id == "linkedin-email");
  CHECK(r.verdict == Verdict::kRewrite);
  CHECK(r.rewrite_url == "https://www.linkedin.com/jobs/view/3861234567?trackingId=Ab3dEf&refId=Xk29&eid=6m81ta");
}

TEST_CASE("a direct link that only carries a tracker's recipient parameter is rewritten without it", "[link]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"https://www.shop.example/offer?id=7&mkt_tok=NDI1LUVHSy0yNjAAAAGLm3xZrT0a9Hk2Qw",
       "https://www.shop.example/offer?id=7"},
      {"https://act.cause.example/petition/clean-water?source=mail&akid=1234.5678.AbCdEf",
       "https://act.cause.example/petition/clean-water?source=mail"},
      {"https://secure.cause.example/donate?id=7&nvep=ew0KICAiVGVuYW50VXJpIjogIm5ncHZhbjovL3Zhbi9FQS9FQTAwMS8x&"
       "hmac=Ab3dE&emci=9b1c&emdi=ea000000&ceid=1234",
       "https://secure.cause.example/donate?id=7"},
      // Klaviyo's profile token for its on-site script.
      {"https://www.shop.example/products/mug?_kx=AbCdEf123456GhIjKlMnOp.XyZab1&utm_source=klaviyo",
       "https://www.shop.example/products/mug"},
  };
  for (const auto& [url, clean] : cases) {
    INFO(url);
    ElementResult r = judge(url);
    CHECK(r.tracked);
    CHECK(r.verdict == Verdict::kRewrite);
    CHECK(r.rewrite_url == clean);
  }
}

TEST_CASE("Google's /url shim in a link is Google's click tracker, rewritten to its destination", "[link]") {
  ElementResult r =
      judge("https://www.google.com/url?q=https%3A%2F%2Fportal.shop.example%2F&sa=D&sntz=1&usg=AOvVaw0KG");
  CHECK(r.tracked);
  CHECK(r.tracker.id == "google-url-redirect");
  CHECK(r.verdict == Verdict::kRewrite);
  CHECK(r.rewrite_url == "https://portal.shop.example/");
}

TEST_CASE("opaque tracked links stay allow + tracked with their company", "[link]") {
  for (const std::string& url : std::vector<std::string>{
           "http://email.v.shop.example/c/eJxlkkuP2yAQxz-NfamIeBp84JDVPrTqrZGaNhcLwxCzcWwXk03z7Uu8bqW2EkgzGub1-wNnE",
           "https://www.linkedin.com/e/v2?e=6m81ta-ihd6z5md-7&a=customerServiceUrl&midToken=AQHp7WCc2qHESg",
           "http://topmarkting.example/4qcZve33817Tcai977ejzuphjrra14302FBKNMNKKDHOFIUS2CAWV2608t10",
       }) {
    INFO(url);
    ElementResult r = judge(url);
    CHECK(r.tracked);
    CHECK(r.verdict == Verdict::kAllow);
    CHECK(r.rewrite_url.empty());
    CHECK_FALSE(r.tracker.company.empty());
    CHECK(has_reason(r, Signal::kDestinationUnknown));
  }
}

TEST_CASE("pages on an ESP's tracking host are not click trackers; their utm_* still go", "[link]") {
  for (const std::string& url : std::vector<std::string>{
           "https://u7686547.ct.sendgrid.net/wf/unsubscribe?upn=u001.s4A7ZqC-2Ftxqw36qkcPzhAm-2BF5MGad",
           "https://view.e1.shop.example/?qs=3b73f0a8b33c74b2b3a64ce86fb43d2f9e5627dce8d02d41515e59ef45afc5896833a998f",
           "https://click.mail.shop.example/profile_center.aspx?qs=68be2cc9a1fdcf95293e757eebf39e097e5ecd6be42a8bac",
       }) {
    INFO(url);
    ElementResult r = judge(url);
    CHECK_FALSE(r.tracked);
    CHECK(r.verdict == Verdict::kAllow);
  }
  // A redirect *to* an unsubscribe page is still a redirect.
  ElementResult r = judge("https://x.r.us-east-1.awstrack.me/L0/" +
                          percent_encode("https://www.shop.example/?op=unsubscribe&u=2783731") + "/1/0100018b/xyz=1");
  CHECK(r.tracked);
  CHECK(r.rewrite_url == "https://www.shop.example/?op=unsubscribe&u=2783731");
  // A plain deep link on the sender's site only loses its campaign parameters.
  r = judge("https://www.shop.example/games/community?utm_source=Digest&utm_medium=puzzle_week");
  CHECK_FALSE(r.tracked);
  CHECK(r.verdict == Verdict::kRewrite);
  CHECK(r.reasons == std::vector<Signal>{Signal::kTrackingParams});
}

TEST_CASE("Outlook Safe Links stays around a recovered destination", "[link]") {
  const std::string inner =
      "https://x.r.us-east-1.awstrack.me/L0/" + percent_encode("https://www.shop.example/a") + "/1/0100018b/xyz=1";
  ElementResult r = judge("https://nam02.safelinks.protection.outlook.com/?url=" + percent_encode(inner) + "&data=05");
  CHECK(r.tracker.id == "amazon-ses");
  CHECK(r.rewrite_url == "https://nam02.safelinks.protection.outlook.com/?url=" +
                             percent_encode("https://www.shop.example/a") + "&data=05");
}

TEST_CASE("hostile payloads are refused without a destination and without running away", "[link]") {
  // JSON nested thousands deep inside base64, a query of thousands of "&http:" candidates, a zlib bomb: each
  // ends in a bounded walk, with no destination.
  std::string nested(4000, '[');
  nested += "\"https://deep.example/\"";
  nested += std::string(4000, ']');
  std::string bomb_text(1 << 20, 'a');  // inflates far past the 16 KiB the decoder reads
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "&http:x";
  for (const std::string& url : std::vector<std::string>{
           "https://click.mail.example/c/a8Fk29dLq0Zx7PmWq1?q=" + b64url(nested),
           "https://click.mail.example/c/a8Fk29dLq0Zx7PmWq1?id=1" + many,
           "https://click.mail.example/c/a8Fk29dLq0Zx7PmWq1/" + zlib_b64url(bomb_text),
       }) {
    ElementResult r = judge(url);
    CHECK(r.tracked);
    CHECK(r.rewrite_url.empty());
  }
}

TEST_CASE("a long article slug at the root is a page, not the spam mailers' base64 path", "[link]") {
  ElementResult r = judge(
      "https://blog.shop.example/strategically-constrained-how-to-turn-limitations-into-opportunities-4d20295c1a94");
  CHECK_FALSE(r.tracked);
  r = judge(
      "http://spam.example/"
      "TVZWNzBSbDRQTEZiK3pyS3g5WlRnK0Q5RGFTdmI1OXhEVGYzVzQzU1ptdWR1SnZIL1VoTnlpQm9aNUluamI5SFoxRXlPcytGVXVDNTNTQjY1");
  CHECK(r.tracked);
  CHECK(r.tracker.id == "spam-base64-path");
}
