#include "evaluation.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "abp_export.h"
#include "abp_import.h"
#include "matcher.h"
#include "test_support.h"

using namespace mailveil;
namespace fs = std::filesystem;

namespace {

/// A fresh directory under the system temp dir, removed at scope exit.
struct EvalDir {
  fs::path path;
  EvalDir() {
    path = fs::temp_directory_path() / ("mailveil-eval-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::create_directories(path);
  }
  ~EvalDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
  }
};

/// Captures std::cout and std::cerr for the lifetime of the object.
struct CoutCapture {
  std::ostringstream text;
  std::ostringstream errors;
  std::streambuf* old;
  std::streambuf* old_err;
  CoutCapture() : old(std::cout.rdbuf(text.rdbuf())), old_err(std::cerr.rdbuf(errors.rdbuf())) {}
  ~CoutCapture() {
    std::cout.rdbuf(old);
    std::cerr.rdbuf(old_err);
  }
};

constexpr const char* kPixel = "https://u1.ct.sendgrid.net/wf/open?upn=abcdefghijklmnopqrstuvwxyz";
constexpr const char* kLogo = "https://www.shop.example/logo.png";
constexpr const char* kSpacer = "https://www.shop.example/spacer.gif";
constexpr const char* kClick = "https://shop.us1.list-manage.com/track/click?u=1&id=2&e=3";
constexpr const char* kPlain = "https://www.shop.example/sale";
constexpr const char* kLeaky = "https://stat.tracker.example/o.php?email=ann.lee@example.com";

std::string mail(const std::string& html) {
  return "From: news@shop.example\nTo: ann.lee@example.com\nSubject: t\nMIME-Version: 1.0\n"
         "Content-Type: text/html; charset=utf-8\n\n" +
         html + "\n";
}

/// Two mails and labels with deliberate disagreements:
///  a.eml: SendGrid pixel (blocked, labelled), logo (allowed, negative), Mailchimp click (tracked, labelled),
///         plain link (not tracked, negative);
///  b.eml: a 1x1 spacer wrongly labelled as a pixel (a miss), a leaky 1x1 pixel left out of the labels (a false
///         positive) whose leak is labelled, and the Mailchimp click left out of the labels (a link false positive).
void write_set(const EvalDir& dir) {
  dir.write("a.eml", mail(std::string("<img src=\"") + kPixel + "\" width=1 height=1><img src=\"" + kLogo +
                          "\" width=200 height=50><a href=\"" + kClick + "\">x</a><a href=\"" + kPlain + "\">y</a>"));
  dir.write("b.eml", mail(std::string("<img src=\"") + kSpacer + "\" width=1 height=1><img src=\"" + kLeaky +
                          "\" width=1 height=1><a href=\"" + kClick + "\">x</a>"));
  nlohmann::json labels = {{"mails",
                            {{{"file", "a.eml"},
                              {"type", "tracker"},
                              {"recipient", "ann.lee@example.com"},
                              {"expected_grade", "C"},
                              {"expected_score", 64},
                              {"pixels", {kPixel}},
                              {"tracked_links", {kClick}},
                              {"leaks", nlohmann::json::array()}},
                             {{"file", "b.eml"},
                              {"type", "tricky"},
                              {"recipient", "ann.lee@example.com"},
                              {"expected_grade", "A"},
                              {"expected_score", 100},
                              {"pixels", {kSpacer}},
                              {"tracked_links", nlohmann::json::array()},
                              {"leaks", {{{"url", kLeaky}, {"encoding", "plain"}, {"company", "tracker.example"}}}}}}}};
  dir.write("labels.json", labels.dump());
}

std::vector<LabelledMail> labels_of(const EvalDir& dir) {
  std::ifstream in(dir.path / "labels.json");
  std::stringstream text;
  text << in.rdbuf();
  std::string err;
  auto labels = parse_eval_labels(text.str(), &err);
  REQUIRE(labels);
  return *labels;
}

}  // namespace

TEST_CASE("Confusion precision and recall, including empty cases", "[eval]") {
  Confusion c;
  CHECK(c.precision() == 1.0);
  CHECK(c.recall() == 1.0);
  c.tp = 19;
  c.fp = 1;
  c.fn = 3;
  CHECK(c.precision() == Approx(0.95));
  CHECK(c.recall() == Approx(19.0 / 22.0));
}

TEST_CASE("parse_eval_labels reads the set's shape and rejects others", "[eval]") {
  std::string err;
  auto ok = parse_eval_labels(
      R"({"mails":[{"file":"x.eml","type":"clean","recipient":"a@b.example","expected_grade":"A",
          "expected_score":100,"pixels":["https://p.example/o"],"tracked_links":[],
          "leaks":[{"url":"https://p.example/o","encoding":"md5","company":"P"}],
          "destinations":{"https://l.example/c":"https://d.example/"}}]})",
      &err);
  REQUIRE(ok);
  REQUIRE(ok->size() == 1);
  const LabelledMail& m = ok->front();
  CHECK(m.file == "x.eml");
  CHECK(m.expected_score == 100);
  CHECK(m.pixels == std::vector<std::string>{"https://p.example/o"});
  REQUIRE(m.leaks.size() == 1);
  CHECK(m.leaks[0].encoding == "md5");
  CHECK(m.destinations.at("https://l.example/c") == "https://d.example/");

  CHECK_FALSE(parse_eval_labels("[]", &err));
  CHECK_FALSE(parse_eval_labels(R"({"mails":[{"type":"clean"}]})", &err));
  CHECK(err.find("file") != std::string::npos);
  CHECK_FALSE(parse_eval_labels(R"({"mails":[{"file":"x","pixels":"https://p"}]})", &err));
  CHECK_FALSE(parse_eval_labels("{not json", &err));
  CHECK_FALSE(parse_eval_labels(R"({"mails":[{"file":"x","type":5}]})", &err));  // wrong type: no throw
  CHECK(err.find("labels") != std::string::npos);
}

TEST_CASE("evaluate counts per-URL hits, misses and false positives against the labels", "[eval]") {
  EvalDir dir;
  write_set(dir);
  EvalResult r = evaluate(test::fixture_engine(), labels_of(dir), dir.path.string());
  CHECK(r.mails == 2);
  CHECK(r.unreadable == 0);
  // Pixels: a.eml pixel found, logo allowed; b.eml spacer labelled but allowed, leaky pixel blocked unlabelled.
  CHECK(r.pixels.tp == 1);
  CHECK(r.pixels.tn == 1);
  CHECK(r.pixels.fn == 1);
  CHECK(r.pixels.fp == 1);
  REQUIRE(r.pixel_misses.size() == 1);
  CHECK(r.pixel_misses[0].url == kSpacer);
  REQUIRE(r.pixel_false_positives.size() == 1);
  CHECK(r.pixel_false_positives[0].url == kLeaky);
  CHECK(r.pixel_false_positives[0].detail.starts_with("block"));
  // Links: the click is tracked in both mails but only labelled in a.eml.
  CHECK(r.links.tp == 1);
  CHECK(r.links.fp == 1);
  CHECK(r.links.tn == 1);
  CHECK(r.links.fn == 0);
  // The leak is found; its company is the tracker's registrable domain.
  CHECK(r.leaks.tp == 1);
  CHECK(r.leaks.fn == 0);
  CHECK(r.leak_company_mismatches == 0);
  // Grades: a.eml is as labelled only if the score matches; b.eml cannot be A with a blocked leaky pixel.
  CHECK(r.grades_by_type.at("tricky").first == 1);
  CHECK(r.grades_by_type.at("tricky").second == 0);
  CHECK(r.grades_agree <= 1);
  CHECK_FALSE(r.grade_mismatches.empty());
  CHECK(r.pixels.recall() == Approx(0.5));
  CHECK_FALSE(r.meets_targets());
}

TEST_CASE("evaluate reports a labelled URL the mail does not contain and an unreadable file", "[eval]") {
  EvalDir dir;
  write_set(dir);
  auto labels = labels_of(dir);
  labels[0].pixels.push_back("https://absent.example/o.gif");
  labels.push_back(LabelledMail{});
  labels.back().file = "missing.eml";
  EvalResult r = evaluate(test::fixture_engine(), labels, dir.path.string());
  CHECK(r.unreadable == 1);
  CHECK(r.mails == 2);
  CHECK(r.pixels.fn == 2);
  bool reported = false;
  for (const auto& c : r.pixel_misses)
    reported |= c.url == "https://absent.example/o.gif" && c.detail.find("not extracted") != std::string::npos;
  CHECK(reported);
  CHECK_FALSE(r.meets_targets());
}

TEST_CASE("base64 and base64url name one leak when the two texts are identical", "[eval]") {
  EvalDir dir;
  // base64 of ann.lee@example.com has no '+' or '/': both names fit.
  const std::string url = "https://t.example/p.gif?u=YW5uLmxlZUBleGFtcGxlLmNvbQ";
  dir.write("c.eml", mail("<img src=\"" + url + "\" width=1 height=1>"));
  LabelledMail l;
  l.file = "c.eml";
  l.recipient = "ann.lee@example.com";
  l.pixels = {url};
  l.leaks = {{url, "base64url", "t.example"}};
  EvalResult r = evaluate(test::fixture_engine(), {l}, dir.path.string());
  CHECK(r.leaks.tp == 1);
  CHECK(r.leaks.fp == 0);
  CHECK(r.leaks.fn == 0);
}

TEST_CASE("eval command: exit status follows the pixel targets", "[eval]") {
  EvalDir dir;
  write_set(dir);
  const std::string list = test::data_path("signatures/test-list.json");
  {
    CoutCapture out;
    CHECK(run_eval_command({"--data", dir.path.string(), "--signatures", list}) == 1);
    CHECK(out.text.str().find("NOT MET") != std::string::npos);
    CHECK(out.text.str().find(kSpacer) != std::string::npos);
  }
  {
    CoutCapture out;
    CHECK(run_eval_command({"--data", (dir.path / "nowhere").string(), "--signatures", list}) == 2);
    CHECK(out.errors.str().find("cannot read") != std::string::npos);
    CHECK(run_eval_command({"--bogus"}) == 2);
    CHECK(out.errors.str().find("usage:") != std::string::npos);
  }
}

TEST_CASE("the labelled evaluation set meets the pixel targets with the shipped list", "[eval][set]") {
  CoutCapture out;
  const int status = run_eval_command({"--data", test::data_path("eval"), "--signatures",
                                       std::string(MAILVEIL_SOURCE_DIR) + "/signatures/trackers.json"});
  INFO(out.text.str());
  CHECK(status == 0);
  CHECK(out.text.str().find("76 mail(s)") != std::string::npos);
}

// ---- ABP export (native_host/src/abp_export.h): the rules Ghostery's engine gets in the comparison -------------

TEST_CASE("re2_to_js_regex keeps the meaning and escapes slashes", "[abp-export]") {
  bool ci = true;
  std::string why;
  CHECK(re2_to_js_regex("^https?://[^/?#]+/open\\.aspx\\?", &ci, &why) == "^https?:\\/\\/[^\\/?#]+\\/open\\.aspx\\?");
  CHECK_FALSE(ci);
  CHECK(re2_to_js_regex("(?i)^https?://x\\.example/a\\z", &ci, &why) == "^https?:\\/\\/x\\.example\\/a$");
  CHECK(ci);
  CHECK(re2_to_js_regex("\\A(?P<h>[a-z]+)\\.example[]/]", &ci, &why) == "^(?<h>[a-z]+)\\.example[]\\/]");
  CHECK(re2_to_js_regex("a\\/b", &ci, &why) == "a\\/b");
  for (const char* unsupported : {"\\pL+", "x(?i)y", "[[:alpha:]]", "\\Qa.b\\E", "(?s).", "a\\"}) {
    INFO(unsupported);
    CHECK_FALSE(re2_to_js_regex(unsupported, &ci, &why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("export_abp writes domains, exact hosts, patterns and type options", "[abp-export]") {
  AbpExport ex = export_abp(*test::fixture_list(), "fixture");
  const std::string& t = ex.text;
  CHECK(t.starts_with("[Adblock Plus 2.0]\n! Title: fixture\n"));
  CHECK(t.find("\n||google-analytics.com^\n") != std::string::npos);
  CHECK(t.find("\n|http://stats.g.doubleclick.net^\n|https://stats.g.doubleclick.net^\n") != std::string::npos);
  CHECK(t.find("\n/^https?:\\/\\/[^\\/]*sendgrid\\.net\\/(?:wf\\/open|ls\\/click)/$match-case\n") != std::string::npos);
  CHECK(t.find("\n||links-only.example^$document\n") != std::string::npos);
  CHECK(t.find("! weborama: Weborama (Weborama)\n") != std::string::npos);
  CHECK(ex.skipped.empty());
  size_t lines = 0;
  for (char c : t) lines += c == '\n';
  size_t comments = 0;
  for (size_t p = t.find("\n!"); p != std::string::npos; p = t.find("\n!", p + 1)) ++comments;
  CHECK(ex.filters == lines - comments - 1);  // minus the [Adblock Plus 2.0] line
}

TEST_CASE("an exported list read back by the ABP importer judges URLs as the original", "[abp-export]") {
  AbpExport ex = export_abp(*test::fixture_list(), "fixture");
  AbpImport back = import_abp_list(ex.text, {});
  CHECK(back.stats.unsupported == 0);
  CHECK(back.stats.imported == ex.filters);
  std::string err;
  auto reread = parse_signature_list(user_list_json(back, "export.txt"), &err);
  REQUIRE(reread);
  CHECK(reread->skipped.empty());
  Matcher original(test::fixture_list());
  Matcher exported(reread);
  const std::vector<std::string> pixels = {
      "https://www.google-analytics.com/collect?v=1&tid=UA-1",
      "https://stats.g.doubleclick.net/r/collect?v=1",
      "https://x.stats.g.doubleclick.net/r/collect",  // hosts are exact: no match on either side
      "https://u1.ct.sendgrid.net/wf/open?upn=abc",
      "https://u1.ct.sendgrid.net/wf/other",
      "https://click.shop.example/?qs=0123456789abcdef",
      "https://tlc.solution.weborama.fr/fcgi-bin/dispatch.fcgi",
      "https://www.shop.example/logo.png",
      "https://evil.example/?r=google-analytics.com",
      "https://notweborama.fr/x.gif",
  };
  size_t matched = 0;
  for (const auto& u : pixels) {
    auto url = parse_url(u);
    REQUIRE(url);
    const bool a = static_cast<bool>(original.match(*url, url->without_fragment(), false));
    const bool b = static_cast<bool>(exported.match(*url, url->without_fragment(), false));
    INFO(u);
    CHECK(a == b);
    matched += a;
  }
  CHECK(matched == 5);
  auto link = parse_url("https://go.links-only.example/c?id=1");
  REQUIRE(link);
  CHECK(exported.match(*link, link->without_fragment(), true));
  CHECK_FALSE(exported.match(*link, link->without_fragment(), false));
}
