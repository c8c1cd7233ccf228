// scan.cpp with the HTML tree builder: worker threads keep the input order, Outlook-only elements and unparsed
// HTML are reported, .html files are sniffed for their charset.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "email.h"
#include "leak_detector.h"
#include "protocol.h"
#include "scan.h"
#include "test_support.h"

using namespace mailveil;
namespace fs = std::filesystem;

namespace {

struct Folder {
  fs::path path;
  Folder() {
    path = fs::temp_directory_path() / ("mailveil-scan-parse-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
  }
};

std::string mail(const std::string& subject, const std::string& html) {
  return "From: news@shop.example\r\nTo: reader@example.org\r\nSubject: " + subject +
         "\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html;
}

std::string scan_json(const std::vector<std::string>& inputs, size_t jobs) {
  std::ostringstream out;
  auto sink = make_json_sink(out);
  ScanOptions options;
  options.inputs = inputs;
  options.jobs = jobs;
  run_scan(test::fixture_engine(), options, *sink);
  return out.str();
}

}  // namespace

TEST_CASE("scan: the same output in the same order whatever the number of threads", "[scan][parse]") {
  Folder dir;
  for (int i = 0; i < 40; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "m%02d.eml", i);
    dir.write(name, mail("n" + std::to_string(i),
                         "<img src=\"https://b.us1.list-manage.com/track/open.php?u=" + std::to_string(i) +
                             "\" width=1 height=1><p>" + std::string(static_cast<size_t>(i) * 500, 'x')));
  }
  const std::string missing = (dir.path / "missing.eml").string();
  const std::string one = scan_json({dir.path.string(), missing}, 1);
  CHECK(scan_json({dir.path.string(), missing}, 3) == one);
  CHECK(scan_json({dir.path.string(), missing}, 0) == one);
  const auto j = nlohmann::json::parse(one);
  REQUIRE(j["messages"].size() == 40);
  for (size_t i = 0; i < 40; ++i) CHECK(j["messages"][i]["subject"] == "n" + std::to_string(i));
  REQUIRE(j["errors"].size() == 1);
  CHECK(j["psl"]["list"].get<std::string>().size() == 10);
}

TEST_CASE("scan: large mails, taken before the ones ahead of them, are delivered in input order", "[scan][parse]") {
  // Mails of 256 KiB or more are prepared first; an mbox's messages, errors and the unreadable count keep their
  // place and value whatever the number of threads.
  Folder dir;
  const std::string filler = "<p>" + std::string(300 * 1024, 'y') + "</p>";
  for (int i = 0; i < 24; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "m%02d.eml", i);
    const std::string pixel =
        "<img src=\"https://b.us1.list-manage.com/track/open.php?u=" + std::to_string(i) + "\" width=1 height=1>";
    dir.write(name, mail("n" + std::to_string(i), i % 5 == 2 ? filler + pixel : pixel));
  }
  std::string box;
  for (int k = 0; k < 3; ++k)
    box += "From x@y Mon Jan  1 00:00:00 2024\n" + mail("box" + std::to_string(k), "<p>b</p>") + "\n\n";
  dir.write("m10b.mbox", box);
  const std::vector<std::string> inputs = {dir.path.string(), (dir.path / "missing.eml").string()};
  const std::string one = scan_json(inputs, 1);
  for (size_t jobs : {2, 3, 5}) CHECK(scan_json(inputs, jobs) == one);
  const auto j = nlohmann::json::parse(one);
  REQUIRE(j["messages"].size() == 27);
  std::vector<std::string> subjects;
  for (const auto& m : j["messages"]) subjects.push_back(m["subject"]);
  CHECK(subjects[10] == "n10");
  CHECK(subjects[11] == "box0");
  CHECK(subjects[13] == "box2");
  CHECK(subjects[14] == "n11");
  CHECK(subjects[26] == "n23");
  CHECK(j["messages"][2]["result"]["elements"].size() == 1);
  REQUIRE(j["errors"].size() == 1);
  for (size_t jobs : {1, 2, 3}) {
    std::ostringstream out;
    auto sink = make_json_sink(out);
    ScanOptions options;
    options.inputs = inputs;
    options.jobs = jobs;
    CHECK(run_scan(test::fixture_engine(), options, *sink) == 1);
  }
}

TEST_CASE("scan: messages at the element cap, past the workers' element budget, keep their order", "[scan][parse]") {
  // Six messages of kMaxElements images each exceed the element budget of the finished messages waiting for
  // delivery whenever the reader falls behind: workers then wait for the front, which is always taken, and
  // everything still comes out in order.
  Folder dir;
  std::string images;
  for (size_t k = 0; k < kMaxElements + 10; ++k) {
    images += "<img src=\"https://cdn.shop.example/i/" + std::to_string(k) + ".png\" width=600 height=300>";
  }
  for (int i = 0; i < 18; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "m%02d.eml", i);
    dir.write(name, mail("n" + std::to_string(i), i % 3 == 0 ? images : "<p>small</p>"));
  }
  const std::string one = scan_json({dir.path.string()}, 1);
  CHECK(scan_json({dir.path.string()}, 3) == one);
  CHECK(scan_json({dir.path.string()}, 5) == one);
  const auto j = nlohmann::json::parse(one);
  REQUIRE(j["messages"].size() == 18);
  for (size_t i = 0; i < 18; ++i) {
    CHECK(j["messages"][i]["subject"] == "n" + std::to_string(i));
    CHECK(j["messages"][i]["result"]["elements"].size() == (i % 3 == 0 ? kMaxElements : 0));
  }
}

TEST_CASE("scan --json: Outlook-only elements, CSS rule context and unparsed HTML are reported", "[scan][parse]") {
  Folder dir;
  std::string deep;
  for (int i = 0; i < 50000; ++i) deep += "<div>";
  dir.write("a.eml", mail("outlook",
                          "<!--[if mso]><img src=\"https://b.us1.list-manage.com/track/open.php?u=9\" "
                          "width=1 height=1><![endif]--><style>@media print{#t{background:url("
                          "https://print.example/p.gif)}}</style><p id=t>x</p>"));
  dir.write("b.eml", mail("deep", "<img src=\"https://early.example/a.png\">" + deep));
  const auto j = nlohmann::json::parse(scan_json({dir.path.string()}, 1));
  REQUIRE(j["messages"].size() == 2);
  const auto& els = j["messages"][0]["result"]["elements"];
  REQUIRE(els.size() == 2);
  CHECK(els[0]["outlook_only"] == true);
  CHECK(els[0]["verdict"] == "block");
  CHECK(els[1]["css_media"] == "print");
  CHECK(els[1]["css_selector"] == "#t");
  CHECK_FALSE(j["messages"][0].contains("skipped"));
  CHECK(j["messages"][1]["skipped"]["html_bytes"].get<size_t>() > 0);
  CHECK(j["messages"][1]["result"]["elements"].size() == 1);
}

TEST_CASE("scan --json: each record is the text dump_json gives for it, escapes and invalid UTF-8 included",
          "[scan][parse]") {
  // The records are written as text, not through a DOM: read back and dumped again, each must give the same
  // bytes (keys in sorted order, the same escapes, invalid UTF-8 replaced), and hold what the DOM held.
  Folder dir;
  dir.write("a.eml",
            "From: \"Shop \\\"Deals\\\"\" <news@shop.example>\r\nTo: Reader <reader@example.org>\r\n"
            "Subject: =?utf-8?q?Caf=C3=A9_=22news=22_=5C_tab=09end?=\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            "<img src=\"https://b.us1.list-manage.com/track/open.php?u=1&e=reader%40example.org\" width=1 height=1>"
            "<a href=\"https://shop.example/caf\xc3\xa9?q=\x01\x7f\">x</a>"
            "<img src=\"https://cdn.shop.example/bad\xff\xfe.png\" width=600 style=\"display:none\">"
            "<style>@media print{#t{background:url(https://print.example/p.gif)}}</style><p id=t>x</p>"
            "<!--[if mso]><img src=\"https://t.example/o.gif\" width=1 height=1><![endif]-->");
  std::string big = mail("offer for jane.doe@example.org", "");
  for (int i = 0; i < 3; ++i) big += "<img src=\"https://img.shop.example/" + std::to_string(i) + ".png\">";
  dir.write("b.eml", big);
  std::string deep;  // past the tree builder's budget: a record with "skipped" and "warnings"
  for (int i = 0; i < 50000; ++i) deep += "<div>";
  dir.write("c.eml", mail("deep", "<img src=\"https://early.example/a.png\">" + deep));
  const std::string out = scan_json({dir.path.string()}, 1);
  const auto j = nlohmann::json::parse(out);
  REQUIRE(j["messages"].size() == 3);
  REQUIRE(j["messages"][2].contains("skipped"));
  CHECK(j["messages"][2]["warnings"].size() == 1);
  for (const auto& m : j["messages"]) {
    INFO(m["file"]);
    CHECK(out.find(dump_json(m)) != std::string::npos);
    CHECK_FALSE(m["result"].contains("omitted"));  // every element is listed
    CHECK(m["result"]["elements"].size() == m["result"]["summary"]["elements"].get<size_t>());
  }
  const auto& a = j["messages"][0];
  CHECK(a["subject"] == "Caf\xc3\xa9 \"news\" \\ tab end");  // a tab in a header reads as a space
  CHECK(a["recipients"] == nlohmann::json::array({mask_address("reader@example.org")}));
  CHECK(a["sender"] == mask_address("news@shop.example"));
  CHECK(out.find("news@shop.example") == std::string::npos);
  const auto& els = a["result"]["elements"];
  REQUIRE(els.size() == 5);
  CHECK(els[0]["verdict"] == "block");
  CHECK(els[0]["declared"] == nlohmann::json({{"height", 1}, {"width", 1}}));
  CHECK(els[0]["company"].is_string());
  REQUIRE(els[0].contains("leaks"));
  CHECK(els[0]["leaks"][0]["address"] == mask_address("reader@example.org"));
  CHECK(out.find("reader@example.org") == std::string::npos);  // the URL keeps its %40, as the mail has it
  CHECK(els[1]["kind"] == "link");
  CHECK(els[1]["tracker"].is_null());
  CHECK(els[2]["visible"] == false);
  CHECK(els[2]["declared"] == nlohmann::json({{"height", -1}, {"width", 600}}));
  CHECK(els[3]["css_media"] == "print");
  CHECK(els[4]["outlook_only"] == true);
  CHECK(j["messages"][1]["result"]["elements"].size() == 3);
  CHECK(j["messages"][1]["subject"] == "offer for " + mask_address("jane.doe@example.org"));
}

TEST_CASE("scan: .html files are decoded as a browser sniffs them", "[scan][parse]") {
  Folder dir;
  dir.write("latin1.html", "<meta charset=\"iso-8859-1\"><a href=\"https://shop.example/caf\xE9\">caf\xE9</a>");
  const auto j = nlohmann::json::parse(scan_json({(dir.path / "latin1.html").string()}, 1));
  REQUIRE(j["messages"].size() == 1);
  const auto& els = j["messages"][0]["result"]["elements"];
  REQUIRE(els.size() == 1);
  CHECK(els[0]["url"] == "https://shop.example/caf\xC3\xA9");
}

TEST_CASE("scan: the engine and the outputs may come after the first messages are read", "[scan][parse]") {
  Folder dir;
  for (int i = 0; i < 12; ++i) {
    dir.write("m" + std::to_string(10 + i) + ".eml",
              mail("n" + std::to_string(i), "<img src=\"https://b.us1.list-manage.com/track/open.php?u=" +
                                                std::to_string(i) + "\" width=1 height=1>"));
  }
  const std::string expected = scan_json({dir.path.string()}, 1);
  for (size_t jobs : {1, 3}) {
    std::ostringstream out;
    auto sink = make_json_sink(out);
    std::promise<ScanTarget> ready;
    ScanOptions options;
    options.inputs = {dir.path.string()};
    options.jobs = jobs;
    // The target is made on another thread while the scan has started (as the list loads in `scan`).
    std::thread late([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      ready.set_value({&test::fixture_engine(), sink.get(), {}});
    });
    CHECK(run_scan(ready.get_future().share(), options) == 0);
    late.join();
    CHECK(out.str() == expected);
  }
  // No engine: the scan stops with the reason, whatever the number of threads, and nothing is written.
  for (size_t jobs : {1, 3}) {
    std::promise<ScanTarget> failed;
    failed.set_value({nullptr, nullptr, "no list"});
    ScanOptions options;
    options.inputs = {dir.path.string()};
    options.jobs = jobs;
    CHECK_THROWS_WITH(run_scan(failed.get_future().share(), options), "no list");
  }
}

TEST_CASE("scan command: a bad list or report path fails with exit status 2 and leaves an earlier report", "[scan]") {
  Folder dir;
  dir.write("a.eml", mail("a", "<img src=\"https://b.us1.list-manage.com/track/open.php?u=1\" width=1 height=1>"));
  const std::string report = (dir.path / "report.html").string();
  dir.write("report.html", "earlier report");
  std::ostringstream err;
  std::streambuf* old_err = std::cerr.rdbuf(err.rdbuf());
  const int status = run_scan_command({"--quiet", "--report", report, "--signatures",
                                       (dir.path / "no-such-list.json").string(), (dir.path / "a.eml").string()});
  const int status2 =
      run_scan_command({"--quiet", "--report", (dir.path / "no-dir" / "r.html").string(), "--signatures",
                        test::data_path("signatures/test-list.json"), (dir.path / "a.eml").string()});
  std::cerr.rdbuf(old_err);
  CHECK(status == 2);
  CHECK_THAT(err.str(), Catch::Contains("mailveil-host scan: ") && Catch::Contains("no-such-list.json"));
  std::ifstream in(report);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "earlier report");
  CHECK(status2 == 2);
  CHECK_THAT(err.str(),
             Catch::Contains("mailveil-host scan: cannot write " + (dir.path / "no-dir" / "r.html").string()));
}
