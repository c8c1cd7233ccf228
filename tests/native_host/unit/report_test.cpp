#include "report.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "digest.h"
#include "evidence.h"
#include "scan.h"
#include "test_support.h"

using namespace mailveil;
namespace fs = std::filesystem;

namespace {

constexpr const char* kReader = "jane.doe@example.org";
constexpr const char* kOtherReader = "max.power@corp.example";

/// A fresh directory under the system temp dir, removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("mailveil-report-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string raw_mail(const std::string& from, const std::string& to, const std::string& subject,
                     const std::string& html) {
  return "From: " + from + "\nTo: " + to + "\nSubject: " + subject +
         "\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n" + html + "\n";
}

/// A newsletter with a GA pixel (no aip, no npa), a Weborama pixel carrying the reader's SHA-256, a Mailchimp
/// click link and a plain logo.
std::string newsletter(const std::string& reader) {
  const std::string sha = hex_digest(HashAlgorithm::kSha256, reader);
  return raw_mail("Shop News <news@mail.shop.example>", "Jane <" + reader + ">", "Deals for " + reader,
                  "<p>Hello " + reader +
                      "</p><img src=\"https://www.google-analytics.com/collect?v=1&amp;tid=UA-1234-5&amp;"
                      "cid=5f2b8c1e-4d3a-4b2c-9e1f-0a1b2c3d4e5f&amp;t=event\" width=\"1\" height=\"1\">"
                      "<img src=\"https://tlc.solution.weborama.fr/fcgi-bin/dispatch.fcgi?a.A=ev&amp;g.cv=" +
                      sha +
                      "\" width=\"1\" height=\"1\">"
                      "<a href=\"https://shop.us1.list-manage.com/track/click?u=abc&amp;id=def&amp;e=0123456789\">Sale"
                      "</a><img src=\"https://www.shop.example/logo.png\" width=\"200\" height=\"60\">");
}

/// A transactional mail with one SendGrid open pixel that puts the reader's address in plain text.
std::string receipt(const std::string& reader) {
  return raw_mail("orders@shop.example", reader, "Your order",
                  "<p>Thanks</p><img src=\"https://u42.ct.sendgrid.net/wf/open?upn=" + reader +
                      "\" width=\"1\" height=\"1\"><a href=\"https://www.shop.example/orders/42\">Order</a>");
}

/// A personal mail without any remote content.
std::string personal(const std::string& reader) {
  return raw_mail("Bob <bob@friends.example>", reader, "Lunch?", "<p>See you at noon, " + reader + "</p>");
}

ScannedMessage scan(const std::string& raw, const std::string& file, size_t index = 0) {
  return scan_message(test::fixture_engine(), raw, {}, file, index);
}

/// Collects the aggregate, for assertions.
class AggregateSink : public ScanSink {
 public:
  void on_message(const ScannedMessage& m) override { aggregate.add(m); }
  void on_error(const std::string& f, const std::string& e) override { aggregate.add_error(f, e); }
  void finish() override { finished = true; }
  ScanAggregate aggregate;
  bool finished = false;
};

std::string html_for(const std::vector<ScannedMessage>& messages) {
  std::ostringstream out;
  auto sink = make_html_report_sink(out, {"/tmp/inbox"});
  for (const auto& m : messages) sink->on_message(m);
  sink->on_error("/tmp/missing.mbox", "no such file or directory");
  sink->finish();
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

}  // namespace

TEST_CASE("mask_addresses_in_text masks plain and percent-encoded addresses only", "[report]") {
  CHECK(mask_addresses_in_text("to jane.doe@example.org today") == "to j\u2026@example.org today");
  CHECK(mask_addresses_in_text("https://t.example/o?e=jane.doe%40example.org&x=1") ==
        "https://t.example/o?e=j\u2026@example.org&x=1");
  CHECK(mask_addresses_in_text("a@b.co, max+tag@corp.example.") == "a\u2026@b.co, m\u2026@corp.example.");
  // Not addresses: CSS at-rules, a bare handle, a one-letter domain, an already masked address.
  CHECK(mask_addresses_in_text("@media x; @jane; a@b") == "@media x; @jane; a@b");
  // Dotless domains are masked all the same (anonymised corpora use "someone@pot").
  CHECK(mask_addresses_in_text("query:phishing@pot") == "query:p\u2026@pot");
  CHECK(mask_addresses_in_text("j\u2026@example.org") == "j\u2026@example.org");
  CHECK(mask_addresses_in_text("") == "");
}

TEST_CASE("BoundedCounter folds names beyond its limit into (other)", "[report]") {
  BoundedCounter c(2);
  c.add("a");
  c.add("b", 3);
  c.add("a");
  c.add("c");
  c.add("d", 4);
  CHECK(c.count("a") == 2);
  CHECK(c.count("b") == 3);
  CHECK(c.count("c") == 0);
  CHECK(c.count(kOtherKey) == 5);
  CHECK(c.overflowed());
  auto rows = c.sorted();
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].first == kOtherKey);
  CHECK(rows[1].first == "b");
}

TEST_CASE("sender_key is the registrable domain of the From address", "[report]") {
  CHECK(sender_key("news@mail.shop.example") == "shop.example");
  CHECK(sender_key("x@news.bbc.co.uk") == "bbc.co.uk");
  CHECK(sender_key("") == "(unknown)");
}

TEST_CASE("ScanAggregate counts mails, pixels, leaks, companies, GA findings and scores", "[report]") {
  ScanAggregate a;
  a.add(scan(newsletter(kReader), "inbox.mbox", 1));
  a.add(scan(newsletter(kOtherReader), "inbox.mbox", 2));
  a.add(scan(receipt(kReader), "receipt.eml"));
  a.add(scan(personal(kReader), "bob.eml"));
  a.add_error("gone.eml", "cannot open file");

  CHECK(a.messages() == 4);
  CHECK(a.messages_with_trackers() == 3);
  CHECK(a.messages_with_pixels() == 3);
  CHECK(a.messages_with_leaks() == 3);
  CHECK(a.messages_with_ga() == 2);
  CHECK(a.pixels() == 5);  // GA + Weborama twice, SendGrid once
  CHECK(a.tracked_links() == 2);
  CHECK(a.leaks() == 3);
  CHECK(a.errors() == 1);

  // Both senders are the same registrable domain; Bob is his own.
  REQUIRE(a.senders().count("shop.example") == 1);
  const SenderStats& shop = a.senders().at("shop.example");
  CHECK(shop.mails == 3);
  CHECK(shop.mails_with_trackers == 3);
  CHECK(shop.pixels == 5);
  CHECK(shop.leaks == 3);
  CHECK(shop.ga_hits == 2);
  CHECK(shop.companies.count("Weborama") == 2);
  CHECK(shop.companies.count("Twilio") == 1);
  CHECK(a.senders().at("friends.example").mails == 1);
  CHECK(a.senders().at("friends.example").min_score == 100);

  REQUIRE(a.companies().count("Google") == 1);
  CHECK(a.companies().at("Google").mails == 2);
  CHECK(a.companies().at("Google").pixels == 2);
  CHECK(a.companies().at("Weborama").leaks == 2);
  CHECK(a.companies().at("Intuit").tracked_links == 2);
  CHECK(a.companies().at("Intuit").pixels == 0);
  CHECK(a.companies().at("Twilio").leaks == 1);
  CHECK(a.companies().at("Google").examples.size() <= kMaxReportExamples);

  // Leaks keyed by masked address, encoding and company.
  CHECK(a.leak_table().count(std::string("j\u2026@example.org\tsha256\tWeborama")) == 1);
  CHECK(a.leak_table().count(std::string("m\u2026@corp.example\tsha256\tWeborama")) == 1);
  CHECK(a.leak_table().count(std::string("j\u2026@example.org\tplain\tTwilio")) == 1);

  REQUIRE(a.ga().count("shop.example") == 1);
  const GaStats& ga = a.ga().at("shop.example");
  CHECK(ga.hits == 2);
  CHECK(ga.no_aip == 2);
  CHECK(ga.no_npa == 2);
  CHECK(ga.client_id == 2);
  CHECK(ga.properties.count("UA-1234-5") == 2);

  size_t bucketed = 0;
  for (size_t b : a.score_buckets()) bucketed += b;
  CHECK(bucketed == 4);
  CHECK(a.score_buckets()[10] == 1);  // Bob's mail: 100
  size_t graded = 0;
  for (const auto& [g, n] : a.grades()) graded += n;
  CHECK(graded == 4);
  CHECK(a.grades().at("A") == 1);
}

TEST_CASE("HTML report is self-contained and shows no unmasked address", "[report]") {
  const std::string html =
      html_for({scan(newsletter(kReader), "inbox.mbox", 1), scan(newsletter(kOtherReader), "inbox.mbox", 2),
                scan(receipt(kReader), "receipt.eml"), scan(personal(kReader), "bob.eml")});
  REQUIRE(html.starts_with("<!DOCTYPE html>"));
  CHECK(html.find("</html>") != std::string::npos);

  // Nothing to fetch or run: no script, no external stylesheet, no image, no remote reference of any kind.
  for (const char* banned : {"<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import"}) {
    INFO(banned);
    CHECK(html.find(banned) == std::string::npos);
  }
  CHECK(html.find("default-src 'none'") != std::string::npos);

  // No personal address in any form, only masked ones.
  for (const char* a : {kReader, kOtherReader, "jane.doe%40example.org", "bob@friends.example",
                        "news@mail.shop.example", "orders@shop.example"}) {
    INFO(a);
    CHECK(html.find(a) == std::string::npos);
  }
  std::smatch any;
  CHECK_FALSE(std::regex_search(html, any, std::regex(R"([A-Za-z0-9._+-]{2,}@[A-Za-z0-9-]+\.[A-Za-z])")));
  CHECK(html.find("j\u2026@example.org") != std::string::npos);
  CHECK(html.find("m\u2026@corp.example") != std::string::npos);

  // The required tables and the histogram are there, with the counts.
  for (const char* section : {"Tracking companies", "Sender domains", "Address leaks", "Google Analytics findings",
                              "Grades", "<svg", "Unreadable inputs"}) {
    INFO(section);
    CHECK(html.find(section) != std::string::npos);
  }
  CHECK(html.find("<div class=\"n\">4</div><div class=\"l\">mails scanned") != std::string::npos);
  CHECK(std::regex_search(html, std::regex("<td>shop\\.example</td><td class=\"n\">.*?</span></span> 3</td>")));
  CHECK(std::regex_search(html, std::regex("<td>Weborama</td>.*?</span></span> 2</td><td class=\"n\">2</td>"
                                           "<td class=\"n\">0</td><td class=\"n\">2</td>")));
  CHECK(html.find("UA-1234-5") != std::string::npos);
}

TEST_CASE("HTML report: template sections, a grade legend built from kGradeBands, plain words, versions",
          "[report][templates]") {
  ScanAggregate a;
  a.add(scan(newsletter(kReader), "inbox.mbox", 1));
  a.add(scan(receipt(kReader), "receipt.eml"));
  a.add(scan(personal(kReader), "bob.eml"));
  ReportVersions versions;
  versions.list_version = 2026010101;
  versions.list_published = "2026-01-01";
  versions.psl = "2026-05-01_abc";
  std::ostringstream out;
  write_html_report(a, {"inbox.mbox"}, out, versions);
  const std::string html = out.str();

  // One section per template, in order.
  size_t at = 0;
  for (const char* id :
       {"overview", "grades", "companies", "senders", "leaks", "google-analytics", "findings", "versions"}) {
    INFO(id);
    const size_t found = html.find(std::string("id=\"") + id + "\"");
    CHECK(found != std::string::npos);
    CHECK(found > at);
    at = found == std::string::npos ? at : found;
  }
  // The legend is the band table: each letter with its range, in the table's order; the mails per band add up.
  at = 0;
  for (size_t i = 0; i < kGradeBands.size(); ++i) {
    const std::string row = std::string(kGradeBands[i].grade) + "</span></td><td>" +
                            std::to_string(kGradeBands[i].min) + "\u2013" + std::to_string(grade_band_max(i)) + "</td>";
    INFO(row);
    const size_t found = html.find(row);
    CHECK(found != std::string::npos);
    CHECK(found > at);
    at = found == std::string::npos ? at : found;
  }
  // Plain words first, the codes as technical detail.
  CHECK(html.find("e-mail sending service") != std::string::npos);  // category esp
  CHECK(html.find("audience measurement") != std::string::npos);    // category analytics
  CHECK(html.find("as a SHA-256 hash") != std::string::npos);       // encoding sha256
  CHECK(html.find("Google Analytics receives the full IP address") != std::string::npos);
  CHECK(html.find("<code>ga-ip-not-anonymised</code>") != std::string::npos);
  // The versions it was produced with.
  CHECK(html.find("signature list 2026010101 (2026-01-01)") != std::string::npos);
  CHECK(html.find("Public Suffix List 2026-05-01_abc") != std::string::npos);
  CHECK(html.find(std::string("MailVeil ") + MAILVEIL_VERSION) != std::string::npos);
  // No template tag left unrendered.
  CHECK(html.find("{{") == std::string::npos);
}

TEST_CASE("HTML report escapes markup from the mails", "[report]") {
  std::string evil = raw_mail("x@evil.example", kReader, "s",
                              "<img src=\"https://www.google-analytics.com/collect?v=1&amp;tid=UA-9&amp;"
                              "el=%3Cscript%3E&amp;x=<blink>\" width=1 height=1>");
  const std::string html = html_for({scan(evil, "<script>alert(1)</script>.eml")});
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<blink>") == std::string::npos);
  CHECK(html.find("x=&lt;blink&gt;") != std::string::npos);  // shown, escaped
}

TEST_CASE("CSV has one row per blocked, tracked or leaking element, quoted and masked", "[report]") {
  std::ostringstream out;
  auto sink = make_csv_sink(out);
  sink->on_message(scan(newsletter(kReader), "in,box \"a\".mbox", 7));
  sink->on_message(scan(receipt(kReader), "=cmd.eml"));
  sink->on_message(scan(personal(kReader), "bob.eml"));
  sink->finish();
  const std::string csv = out.str();
  auto lines = lines_of(csv);
  REQUIRE(lines.size() == 1 + 3 + 1);  // header, newsletter: GA, Weborama, Mailchimp link; receipt: SendGrid
  CHECK(lines[0] ==
        "file,index,sender_domain,kind,verdict,tracker,company,category,reasons,leak_encodings,evidence_url");
  CHECK(lines[1].starts_with("\"in,box \"\"a\"\".mbox\",7,shop.example,"));
  CHECK(csv.find(",img,block,weborama,Weborama,advertising,") != std::string::npos);
  CHECK(csv.find(",sha256,") != std::string::npos);
  CHECK(csv.find(",link,allow,mailchimp,Intuit,esp,") != std::string::npos);
  CHECK(lines[4].starts_with("'=cmd.eml,0,shop.example,img,block,sendgrid,Twilio,esp,"));
  CHECK(lines[4].find(",plain,") != std::string::npos);
  CHECK(csv.find(kReader) == std::string::npos);
  CHECK(csv.find("jane.doe%40") == std::string::npos);
  CHECK(csv.find(hex_digest(HashAlgorithm::kSha256, kReader)) == std::string::npos);
  CHECK(csv.find("bob.eml") == std::string::npos);  // nothing tracked there
}

TEST_CASE("tee sink forwards every call to each sink", "[report]") {
  AggregateSink a, b;
  auto tee = make_tee_sink({&a, &b});
  tee->on_message(scan(receipt(kReader), "r.eml"));
  tee->on_error("x", "y");
  tee->finish();
  CHECK(a.aggregate.messages() == 1);
  CHECK(b.aggregate.messages() == 1);
  CHECK(a.aggregate.errors() == 1);
  CHECK(b.finished);
}

TEST_CASE("a 10,000-message mbox streams through the report in bounded memory", "[report][stream]") {
  TempDir dir;
  const fs::path mbox = dir.path / "big.mbox";
  constexpr size_t kMessages = 10000;
  constexpr size_t kDomains = 1500;  // more sender domains than a table keeps
  {
    std::ofstream out(mbox, std::ios::binary);
    for (size_t i = 0; i < kMessages; ++i) {
      const std::string reader = "reader" + std::to_string(i) + "@example.net";
      const std::string domain = "brand" + std::to_string(i % kDomains) + ".example";
      out << "From sender@" << domain << " Thu Jan  1 00:00:00 2026\n";
      std::string html = "<p>Hi</p>";
      if (i % 2 == 0) {  // half: a Mailchimp open pixel carrying the reader's address
        html += "<img src=\"https://b.us1.list-manage.com/track/open.php?u=1&amp;e=" + reader +
                "\" width=\"1\" height=\"1\">";
      }
      if (i % 5 == 0) html += "<a href=\"https://u1.ct.sendgrid.net/ls/click?upn=abcdefghijklmnopqrstuv\">x</a>";
      out << raw_mail("news@" + domain, reader, "Issue " + std::to_string(i), html) << "\n";
    }
  }
  AggregateSink aggregate;
  std::ostringstream html, csv, evidence_log;
  auto html_sink = make_html_report_sink(html, {mbox.string()});
  auto csv_sink = make_csv_sink(csv);
  const fs::path evidence_dir = dir.path / "evidence";
  fs::create_directories(evidence_dir);
  EvidenceSink evidence(evidence_dir.string(), Lang::kEn, {}, evidence_log);
  auto tee = make_tee_sink({&aggregate, html_sink.get(), csv_sink.get(), &evidence});
  ScanOptions options;
  options.inputs = {mbox.string()};
  REQUIRE(run_scan(test::fixture_engine(), options, *tee) == 0);

  const ScanAggregate& a = aggregate.aggregate;
  CHECK(aggregate.finished);
  CHECK(a.messages() == kMessages);
  CHECK(a.messages_with_pixels() == kMessages / 2);
  CHECK(a.pixels() == kMessages / 2);
  CHECK(a.leaks() == kMessages / 2);
  CHECK(a.tracked_links() == kMessages / 5);
  CHECK(a.messages_with_trackers() == kMessages / 2 + kMessages / 10);  // i%2==0 or i%5==0
  CHECK(a.companies().at("Intuit").pixels == kMessages / 2);
  CHECK(a.companies().at("Twilio").tracked_links == kMessages / 5);
  // Every reader address is distinct, yet the leak table has one row per masked form: "r…@example.net".
  CHECK(a.leak_table().size() == 1);
  CHECK(a.leak_table().begin()->second.occurrences == kMessages / 2);

  // Bounded tables: 1,500 sender domains fold into kMaxReportKeys rows plus "(other)", with no mail lost.
  CHECK(a.senders().size() == kMaxReportKeys + 1);
  REQUIRE(a.senders().count(kOtherKey) == 1);
  size_t mails = 0;
  for (const auto& [k, s] : a.senders()) mails += s.mails;
  CHECK(mails == kMessages);
  CHECK(a.companies().at("Intuit").senders.distinct() <= kMaxReportSubKeys + 1);

  // One CSV row per tracked element; the HTML stays small whatever the number of messages.
  CHECK(lines_of(csv.str()).size() == 1 + kMessages / 2 + kMessages / 5);
  CHECK(html.str().size() < 400 * 1024);
  CHECK(html.str().find("reader1@example.net") == std::string::npos);
  CHECK(csv.str().find("reader1@example.net") == std::string::npos);

  // Evidence packs: one per sender domain with tracking (even domains get pixels, odd ones links when the
  // domain number is a multiple of 5: 750 + 150), each with at most its 5 worst mails.
  CHECK_FALSE(evidence.failed());
  CHECK(evidence.written() == 900);
  CHECK(evidence_log.str().empty());
  std::ifstream pack(evidence_dir / "mailveil-evidence-brand0.example-en.html");
  std::stringstream text;
  text << pack.rdbuf();
  CHECK(text.str().find("7 e-mails from brand0.example contain tracking") != std::string::npos);
  CHECK(text.str().find("2 more e-mails from this sender") != std::string::npos);
  CHECK(text.str().find("@example.net") == std::string::npos);
  CHECK(text.str().size() < 200 * 1024);
}
