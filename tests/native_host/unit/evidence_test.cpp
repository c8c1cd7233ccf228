// Evidence packs (evidence.h): required sections in English and French, nothing unmasked, one self-contained page
// whose only style and script are allowed by their hashes, the protocol request, and the per-sender scan output.
#include "evidence.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "digest.h"
#include "public_suffix.h"
#include "test_support.h"

using namespace mailveil;
using nlohmann::json;
using test::element;
namespace fs = std::filesystem;

namespace {

constexpr const char* kReader = "jane.doe@example.org";
const std::string kSha256 = hex_digest(HashAlgorithm::kSha256, kReader);
const std::string kMd5 = hex_digest(HashAlgorithm::kMd5, kReader);

/// The Bouygues-style mail: GA without aip (uid = the address's SHA-256), Weborama with the MD5, a Mailchimp
/// link carrying the address in base64, a logo.
Email bouygues() {
  Email e;
  e.message_id = "msg-1";
  e.webmail = "gmail";
  e.sender = "newsletter@news.operateur.example";
  e.user_addresses = {kReader};
  e.elements = {
      element(ElementKind::kImg,
              "https://www.google-analytics.com/collect?v=1&tid=UA-4242-7&cid=5551234567&uid=" + kSha256 + "&t=event",
              1, 1),
      element(ElementKind::kImg, "https://tlc.solution.weborama.fr/fcgi-bin/dispatch.fcgi?a.A=im&g.ha=" + kMd5, 1, 1),
      element(ElementKind::kLink,
              "https://shop.us1.list-manage.com/track/click?u=abc&id=def&e=" + base64_encode(kReader)),
      element(ElementKind::kImg, "https://img.operateur.example/logo.png", 200, 60),
  };
  for (size_t i = 0; i < e.elements.size(); ++i) e.elements[i].ref = "e" + std::to_string(i);
  return e;
}

MailHeaders headers() {
  return {"Tue, 24 Nov 2026 09:30:00 +0100", "newsletter@news.operateur.example",
          "Jane, votre offre (jane.doe@example.org)", "<0123456789abcdef.42@mta.operateur.example>"};
}

ReportVersions versions() {
  ReportVersions v;
  v.list_version = 2026010101;
  v.list_published = "2026-01-01";
  return v;
}

std::string pack_html(Lang lang, const MailHeaders& h = headers()) {
  const Email email = bouygues();
  EvidencePack pack("operateur.example", lang);
  pack.add(h, test::fixture_engine().classify(email), email.user_addresses, true);
  return pack.html(versions());
}

/// Every form of the reader's address a page could leak.
std::vector<std::string> secrets() {
  std::string upper = kSha256;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return {kReader,
          "jane.doe%40example.org",
          "jane.doe&#64;example.org",
          kSha256,
          upper,
          kMd5,
          hex_digest(HashAlgorithm::kSha1, kReader),
          base64_encode(kReader).substr(0, 24),
          base64url_encode(kReader).substr(0, 24),
          "jane.doe"};
}

/// The text between <tag ...> and </tag> (first occurrence).
std::string element_text(const std::string& html, const std::string& tag) {
  const size_t open = html.find("<" + tag);
  if (open == std::string::npos) return {};
  const size_t start = html.find('>', open) + 1;
  const size_t end = html.find("</" + tag + ">", start);
  return html.substr(start, end - start);
}

std::string unescape_attribute(std::string s) {
  for (auto [from, to] : {std::pair{"&#39;", "'"}, std::pair{"&quot;", "\""}, std::pair{"&amp;", "&"}}) {
    for (size_t at; (at = s.find(from)) != std::string::npos;) s.replace(at, std::string(from).size(), to);
  }
  return s;
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("mailveil-evidence-test-" + std::to_string(::getpid()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("evidence pack: the required sections and facts, in English and in French", "[evidence]") {
  struct Expect {
    Lang lang;
    std::vector<std::string> texts;
  };
  const std::vector<Expect> expectations = {
      {Lang::kEn,
       {"<html lang=\"en\">",
        "Tue, 24 Nov 2026 09:30:00 +0100",
        "n\u2026@news.operateur.example",
        "Jane, votre offre",
        "&lt;0123456789abcdef.42@mta.operateur.example&gt;",
        "Who learns what",
        "Weborama",
        "the reader's e-mail address (as an MD5 hash, when the e-mail is opened)",
        "Google Analytics",
        "Mailchimp (Intuit)",
        "when a link is clicked: which link, and when",
        "Google Analytics findings",
        "Google Analytics receives the full IP address",
        "Universal Analytics hit (property UA-4242-7) without aip=1",
        "Google Analytics ties the open to a known person",
        "g.ha=[email:md5]",
        "MailVeil " MAILVEIL_VERSION,
        "2026010101",
        "2026-01-01",
        "Article 5(3) of Directive 2002/58/EC",
        "Article 6 of Regulation (EU) 2016/679",
        "Article 13 GDPR",
        "To: the data protection officer of operateur.example",
        "Copy: [your data protection authority]",
        "<textarea id=\"letter-text\"",
        "id=\"copy-letter\""}},
      {Lang::kFr,
       {"<html lang=\"fr\">", "Tue, 24 Nov 2026 09:30:00 +0100", "n\u2026@news.operateur.example", "Qui apprend quoi",
        "l'adresse e-mail du lecteur (hachée en MD5, à l&#39;ouverture du courriel)", "Constats Google Analytics",
        "Google Analytics reçoit l&#39;adresse IP complète",
        "Requête Universal Analytics (propriété UA-4242-7) sans aip=1", "[email:md5]",
        "article 5, paragraphe 3, de la directive 2002/58/CE", "article 6 du règlement (UE) 2016/679",
        "l&#39;article 13 du RGPD", "À : délégué(e) à la protection des données de operateur.example",
        "la CNIL en France", "Copier la lettre", "Liste de signatures"}},
  };
  for (const auto& e : expectations) {
    const std::string html = pack_html(e.lang);
    for (const auto& text : e.texts) {
      INFO(to_string(e.lang) << ": " << text);
      CHECK(html.find(text) != std::string::npos);
    }
    // Every section, in the same order in both languages.
    size_t at = 0;
    for (const char* id :
         {"summary", "mails", "third-parties", "google-analytics", "evidence-urls", "letter", "versions"}) {
      INFO(to_string(e.lang) << ": section " << id);
      const size_t found = html.find(std::string("<section id=\"") + id + "\"");
      CHECK(found != std::string::npos);
      CHECK(found > at);
      at = found == std::string::npos ? at : found;
    }
    CHECK(html.find("{{") == std::string::npos);
  }
  // Plain words, not codes, outside the technical lines.
  const std::string en = pack_html(Lang::kEn);
  const std::string summary = element_text(en, "section");
  CHECK(summary.find("F</span> 2 companies get your e-mail address when you open this mail") != std::string::npos);
}

TEST_CASE("evidence pack: no address unmasked, in any form, in either language", "[evidence]") {
  for (Lang lang : {Lang::kEn, Lang::kFr}) {
    const std::string html = pack_html(lang);
    for (const auto& secret : secrets()) {
      INFO(to_string(lang) << ": " << secret);
      CHECK(html.find(secret) == std::string::npos);
    }
    // Every address-shaped string is masked, except the Message-ID, which is no address and holds none of the
    // reader's.
    const std::regex address(R"([A-Za-z0-9._+-]{2,}@[A-Za-z0-9-]+\.[A-Za-z]+)");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), address); it != std::sregex_iterator(); ++it) {
      INFO(it->str());
      CHECK(std::string("0123456789abcdef.42@mta.operateur.example").starts_with(it->str()));
    }
  }
}

TEST_CASE("evidence pack: a Message-ID that carries the reader's address is withheld", "[evidence]") {
  for (const std::string& id : std::vector<std::string>{
           "<" + base64_encode(kReader) + ".1@mta.example>", "<x.jane.doe=example.org@bounce.example>",
           "<" + kSha256 + "@mta.example>", std::string("<jane.doe@example.org>")}) {
    MailHeaders h = headers();
    h.message_id = id;
    const std::string html = pack_html(Lang::kEn, h);
    INFO(id);
    CHECK(html.find("withheld: it contains the reader's address") != std::string::npos);
    CHECK(html.find(id.substr(1, 12)) == std::string::npos);
  }
  MailHeaders none = headers();
  none.message_id.clear();
  CHECK(pack_html(Lang::kFr, none).find("non disponible") != std::string::npos);
}

TEST_CASE("evidence pack: one self-contained page; its style and script allowed by hash, nothing else", "[evidence]") {
  for (Lang lang : {Lang::kEn, Lang::kFr}) {
    const std::string html = pack_html(lang);
    REQUIRE(html.starts_with("<!DOCTYPE html>"));
    CHECK(html.find("</html>") != std::string::npos);
    // Nothing to fetch: no remote or local reference of any kind.
    for (const char* banned : {"<link", "<img", "<iframe", "<object", "<embed", "src=", "href=", "url(", "@import",
                               "http-equiv=\"refresh\"", "<base", "<form", "action=",
                               "on"
                               "click=",
                               "onload="}) {
      INFO(banned);
      CHECK(html.find(banned) == std::string::npos);
    }
    // The CSP: nothing by default; the one <style> and the one <script> by their SHA-256.
    std::smatch csp;
    REQUIRE(std::regex_search(html, csp, std::regex("http-equiv=\"Content-Security-Policy\" content=\"([^\"]+)\"")));
    const std::string policy = unescape_attribute(csp[1]);
    CHECK(policy.starts_with("default-src 'none';"));
    CHECK(policy.find("unsafe-inline") == std::string::npos);
    CHECK(policy.find("http") == std::string::npos);
    const std::string style = element_text(html, "style");
    const std::string script = element_text(html, "script");
    REQUIRE_FALSE(style.empty());
    REQUIRE_FALSE(script.empty());
    CHECK(policy.find("style-src 'sha256-" + base64_encode(raw_digest(HashAlgorithm::kSha256, style)) + "'") !=
          std::string::npos);
    CHECK(policy.find("script-src 'sha256-" + base64_encode(raw_digest(HashAlgorithm::kSha256, script)) + "'") !=
          std::string::npos);
    // One style element, one script element, no style attribute (the CSP would refuse it).
    CHECK(html.find("<style", html.find("</style>")) == std::string::npos);
    CHECK(html.find("<script", html.find("</script>")) == std::string::npos);
    CHECK(html.find(" style=") == std::string::npos);
    // The script touches the clipboard and the page, never the network.
    for (const char* banned : {"fetch", "XMLHttpRequest", "WebSocket", "sendBeacon", "import(", "src", "location"}) {
      INFO(banned);
      CHECK(script.find(banned) == std::string::npos);
    }
    CHECK(script.find("clipboard") != std::string::npos);
  }
}

TEST_CASE("evidence pack: the letter is plain text, editable, escaped once", "[evidence]") {
  MailHeaders h = headers();
  h.subject = "<b>Offre</b> & \"cadeau\"";
  const std::string html = pack_html(Lang::kEn, h);
  const std::string letter = element_text(html, "textarea");
  CHECK(letter.starts_with("To: the data protection officer of operateur.example"));
  CHECK(letter.find("&lt;b&gt;Offre&lt;/b&gt; &amp; &quot;cadeau&quot;") != std::string::npos);
  CHECK(letter.find("&amp;amp;") == std::string::npos);
  CHECK(letter.find("<") == std::string::npos);
  CHECK(letter.find("my e-mail address (as an MD5 hash, when the e-mail is opened)") != std::string::npos);
  CHECK(letter.find("\n\n\n") == std::string::npos);  // no blank lines left by empty sections
  // The printed page shows the same draft (a textarea prints only its visible part).
  CHECK(html.find("<pre class=\"print-only\">" + letter + "</pre>") != std::string::npos);
}

TEST_CASE("evidence request: parsed from a classify message with headers and a language", "[evidence][protocol]") {
  json body = {
      {"action", "evidence"},
      {"lang", "fr"},
      {"message",
       {{"sender", "newsletter@news.operateur.example"},
        {"user_addresses", {kReader}},
        {"subject", "Offre"},
        {"date", "2026-11-24"},
        {"message_id_header", "<a@b.example>"},
        {"elements", json::array({{{"kind", "img"}, {"url", "https://www.google-analytics.com/collect?v=1"}}})}}}};
  ProtocolError error;
  auto r = parse_evidence_request(body, &error);
  REQUIRE(r);
  CHECK(r->lang == Lang::kFr);
  CHECK(r->headers.subject == "Offre");
  CHECK(r->headers.date == "2026-11-24");
  CHECK(r->headers.message_id == "<a@b.example>");
  CHECK(r->headers.sender == "newsletter@news.operateur.example");
  CHECK(r->email.elements.size() == 1);

  body["lang"] = "de";
  CHECK_FALSE(parse_evidence_request(body, &error));
  CHECK(error.code == ErrorCode::kInvalidValue);
  body["lang"] = 3;
  CHECK_FALSE(parse_evidence_request(body, &error));
  CHECK(error.code == ErrorCode::kWrongType);
  body.erase("lang");
  body["message"]["subject"] = 42;
  CHECK_FALSE(parse_evidence_request(body, &error));
  CHECK(error.code == ErrorCode::kWrongType);
  CHECK(error.message == "message.subject: expected string");
  body["message"].erase("subject");
  body["message"].erase("elements");
  CHECK_FALSE(parse_evidence_request(body, &error));
  CHECK(error.code == ErrorCode::kMissingField);
}

TEST_CASE("evidence result: html and a file name, under the reply limit even for a huge mail", "[evidence]") {
  EvidenceRequest request;
  request.email = bouygues();
  request.headers = headers();
  auto result = evidence_result(test::fixture_engine(), request, versions(), 1 << 20);
  REQUIRE(result);
  CHECK((*result)["html"].get<std::string>().starts_with("<!DOCTYPE html>"));
  CHECK(std::regex_match((*result)["filename"].get<std::string>(),
                         std::regex(R"(mailveil-evidence-operateur\.example-\d{4}-\d{2}-\d{2}-en\.html)")));

  // 10,000 tracked elements with long URLs: the page lists fewer and still fits.
  EvidenceRequest huge;
  huge.email = bouygues();
  huge.headers = headers();
  huge.email.elements.clear();
  for (int i = 0; i < 10000; ++i) {
    huge.email.elements.push_back(element(ElementKind::kImg,
                                          "https://tlc.solution.weborama.fr/fcgi-bin/dispatch.fcgi?n=" +
                                              std::to_string(i) + "&pad=" + std::string(3000, 'x'),
                                          1, 1));
    huge.email.elements.back().ref = "e" + std::to_string(i);
  }
  auto big = evidence_result(test::fixture_engine(), huge, versions(), 1 << 20);
  REQUIRE(big);
  CHECK(dump_json(*big).size() < (1u << 20));
  CHECK((*big)["html"].get<std::string>().find("more elements not listed") != std::string::npos);

  // A clean mail still gets its page (nothing to report is a fact too).
  EvidenceRequest clean;
  clean.email = bouygues();
  clean.email.elements = {element(ElementKind::kImg, "https://img.operateur.example/logo.png", 200, 60)};
  clean.headers = headers();
  auto page = evidence_result(test::fixture_engine(), clean, versions(), 1 << 20);
  REQUIRE(page);
  CHECK((*page)["html"].get<std::string>().find("No company receives anything from this e-mail") != std::string::npos);
}

TEST_CASE("scan --evidence: one file per sender domain with tracking, the worst mails kept", "[evidence][scan]") {
  TempDir dir;
  std::ostringstream log;
  EvidenceSink sink(dir.path.string(), Lang::kFr, versions(), log);
  auto raw = [](const std::string& from, const std::string& subject, const std::string& html) {
    return "From: " + from + "\nTo: Jane <" + std::string(kReader) + ">\nSubject: " + subject +
           "\nDate: Tue, 24 Nov 2026 09:30:00 +0100\nMessage-ID: <" + subject + "@mta.example>" +
           "\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n" + html + "\n";
  };
  const std::string pixel =
      "<img src=\"https://shop.us1.list-manage.com/track/open.php?u=1&amp;e=" + std::string(kReader) +
      "\" width=\"1\" height=\"1\">";
  for (int i = 0; i < 8; ++i) {
    sink.on_message(scan_message(test::fixture_engine(), raw("news@shop.example", "n" + std::to_string(i), pixel), {},
                                 "inbox.mbox", static_cast<size_t>(i + 1)));
  }
  sink.on_message(
      scan_message(test::fixture_engine(), raw("bob@friends.example", "lunch", "<p>noon</p>"), {}, "bob.eml", 0));
  // The same mail filed twice (same Message-ID) counts once.
  sink.on_message(scan_message(test::fixture_engine(), raw("news@shop.example", "n3", pixel), {}, "copy.eml", 0));
  sink.finish();
  CHECK_FALSE(sink.failed());
  CHECK(sink.written() == 1);
  const fs::path file = dir.path / "mailveil-evidence-shop.example-fr.html";
  REQUIRE(fs::exists(file));
  CHECK_FALSE(fs::exists(dir.path / "mailveil-evidence-friends.example-fr.html"));
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const std::string html = text.str();
  CHECK(html.find("8 courriels de shop.example contiennent des traceurs") != std::string::npos);
  // Five mails shown, three counted.
  CHECK(html.find("3 autres courriels de cet expéditeur") != std::string::npos);
  CHECK(html.find(kReader) == std::string::npos);
  CHECK(html.find("J&#39;ai reçu 8 courriels de shop.example") != std::string::npos);
}

TEST_CASE("evidence pack: a sender with a display name keeps the name, its address masked", "[evidence]") {
  MailHeaders h = headers();
  h.sender = "Opérateur News <newsletter@news.operateur.example>";
  for (Lang lang : {Lang::kEn, Lang::kFr}) {
    const std::string html = pack_html(lang, h);
    INFO(to_string(lang));
    CHECK(html.find("Opérateur News &lt;n\u2026@news.operateur.example&gt;") != std::string::npos);
    CHECK(html.find("O\u2026@") == std::string::npos);
    CHECK(html.find("newsletter@") == std::string::npos);
  }
}

TEST_CASE("scan --report --evidence: each sender row of the audit report links to its evidence pack",
          "[evidence][scan]") {
  TempDir dir;
  const fs::path mails = dir.path / "mails";
  fs::create_directories(mails);
  auto write = [&](const std::string& name, const std::string& from, const std::string& html) {
    std::ofstream(mails / name) << "From: " << from << "\nTo: Jane <" << kReader << ">\nSubject: " << name
                                << "\nDate: Tue, 24 Nov 2026 09:30:00 +0100\nMessage-ID: <" << name
                                << "@mta.example>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"
                                << html << "\n";
  };
  write("a.eml", "News <news@shop.example>",
        "<img src=\"https://shop.us1.list-manage.com/track/open.php?u=1&amp;e=" + std::string(kReader) +
            "\" width=\"1\" height=\"1\">");
  write("b.eml", "bob@friends.example", "<p>noon</p>");
  const fs::path report = dir.path / "out" / "audit report.html";
  fs::create_directories(report.parent_path());
  const fs::path packs = dir.path / "packs fr";
  const int rc = run_scan_command({"--quiet", "--signatures", test::data_path("signatures/test-list.json"), "--report",
                                   report.string(), "--evidence", packs.string(), "--lang", "fr", mails.string()});
  CHECK(rc == 0);
  std::ifstream in(report);
  std::stringstream text;
  text << in.rdbuf();
  const std::string html = text.str();
  // The link is relative to the report and percent-encoded, and it names a file that exists.
  const std::string href = "../packs%20fr/mailveil-evidence-shop.example-fr.html";
  CHECK(html.find("<a href=\"" + href + "\">evidence pack</a>") != std::string::npos);
  CHECK(fs::exists(packs / "mailveil-evidence-shop.example-fr.html"));
  // A sender without tracking has no pack and no link.
  CHECK_FALSE(fs::exists(packs / "mailveil-evidence-friends.example-fr.html"));
  CHECK(html.find("friends.example-fr.html") == std::string::npos);
  CHECK(html.find("linked from the sender table") != std::string::npos);
  // Both name the Public Suffix List that named the companies (issue 14).
  CHECK(html.find("Public Suffix List " + public_suffix_info().date + " (libpsl ") != std::string::npos);
  std::ifstream pack_in(packs / "mailveil-evidence-shop.example-fr.html");
  std::stringstream pack;
  pack << pack_in.rdbuf();
  CHECK(pack.str().find("<th>Public Suffix List</th><td>" + public_suffix_info().date + " (libpsl ") !=
        std::string::npos);

  // Without --evidence the report has no evidence column and says how to get one.
  const fs::path plain = dir.path / "plain.html";
  CHECK(run_scan_command({"--quiet", "--signatures", test::data_path("signatures/test-list.json"), "--report",
                          plain.string(), mails.string()}) == 0);
  std::ifstream in2(plain);
  std::stringstream text2;
  text2 << in2.rdbuf();
  CHECK(text2.str().find("<th>evidence pack</th>") == std::string::npos);
  CHECK(text2.str().find("--evidence DIR") != std::string::npos);
}
