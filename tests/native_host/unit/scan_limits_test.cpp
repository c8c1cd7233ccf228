// `scan` on hostile input (issue 12, finding 3 and the MIME limits): devices and FIFOs are skipped with a message,
// every limit reached is said in the table and in --json, and memory stays flat whatever the size of the input.
// The hostile files are generated in a temporary directory; peak memory is the VmHWM of a spawned scan process
// (tests/native_host/tools/scan_peak_rss.cpp), never a timing.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "classifier.h"
#include "digest.h"
#include "mime.h"
#include "scan.h"
#include "signature_list.h"
#include "update_test_support.h"

using namespace mailveil;
using mailveil::test::TempDir;
using nlohmann::json;

namespace {

const std::string kTestList = std::string(MAILVEIL_TEST_DATA) + "/signatures/test-list.json";
const std::string kHeader =
    "From: news@sender.example\r\nTo: me@example.org\r\nSubject: hostile\r\nMIME-Version: 1.0\r\n";
const std::string kImg = "<img src=\"https://t.example/o/open.gif?u=1\" width=\"1\" height=\"1\">";

const Engine& engine() {
  static const Engine e([] {
    std::string err;
    auto list = load_signature_list(kTestList, &err, PatternCheck::kParse);
    if (!list) throw std::runtime_error(err);
    return list;
  }());
  return e;
}

/// Runs run_scan in this process with both sinks; returns {json document, table text, unreadable count}.
struct ScanResult {
  json doc;
  std::string table;
  size_t unreadable = 0;
};
ScanResult scan(const std::vector<std::string>& inputs, const std::vector<std::string>& extra = {}) {
  ScanOptions options;
  options.inputs = inputs;
  options.extra_addresses = extra;
  ScanResult r;
  std::ostringstream json_out;
  auto json_sink = make_json_sink(json_out);
  r.unreadable = run_scan(engine(), options, *json_sink);
  r.doc = json::parse(json_out.str());
  std::ostringstream table_out;
  auto table_sink = make_table_sink(table_out);
  run_scan(engine(), options, *table_sink);
  r.table = table_out.str();
  return r;
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  REQUIRE(out.good());
}

/// A scan of `args` in a process of its own: its exit status, its stdout, and its peak RSS in KiB.
struct Spawned {
  int status = -1;
  std::string out;
  long peak_kib = -1;
};
Spawned spawn_scan(const TempDir& dir, std::vector<std::string> args) {
  const std::string out_path = dir / "scan.out";
  const std::string err_path = dir / "scan.err";
  args.insert(args.begin(), {"--signatures", kTestList});
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::setenv("MAILVEIL_HOME", dir.path().c_str(), 1);
    std::vector<char*> argv;
    std::string bin = MAILVEIL_SCAN_PROBE;
    argv.push_back(bin.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  Spawned s;
  s.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  s.out = test::slurp(out_path);
  const std::string err = test::slurp(err_path);
  INFO("stderr: " << err.substr(0, 2000));
  const size_t at = err.rfind("peak_rss_kib ");
  REQUIRE(at != std::string::npos);
  s.peak_kib = std::stol(err.substr(at + 13));
  return s;
}

/// A multipart/related mail whose HTML part is base64 of `unit` repeated until `bytes`, written in chunks (the
/// test never holds it whole).
void write_base64_html_mail(const std::string& path, const std::string& unit, size_t bytes, const std::string& prefix) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << prefix << kHeader << "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  std::string block;
  while (block.size() < 57 * 1000) block += unit;
  block.resize(57 * 1000);
  std::string encoded;
  for (size_t i = 0; i < block.size(); i += 57) encoded += base64_encode(block.substr(i, 57)) + "\r\n";
  for (size_t written = 0; written < bytes; written += encoded.size()) out << encoded;
  REQUIRE(out.good());
}

}  // namespace

TEST_CASE("scan skips devices, FIFOs and broken links with a message, and scans the rest", "[scan][security]") {
  TempDir dir;
  const std::string mail = kHeader + "Content-Type: text/html\r\n\r\n" + kImg + "\r\n";
  std::filesystem::create_directories(dir / "box/sub");
  write_file(dir / "box/a.eml", mail);
  write_file(dir / "box/sub/z.eml", mail);
  REQUIRE(::mkfifo((dir / "box/b-fifo.eml").c_str(), 0600) == 0);  // nobody ever writes to it
  std::filesystem::create_symlink("/dev/zero", dir / "box/c-zero.eml");
  std::filesystem::create_symlink(dir / "nowhere", dir / "box/d-dangling.eml");
  std::filesystem::create_symlink("e-loop.eml", dir / "box/e-loop.eml");
  REQUIRE(::mkfifo((dir / "arg.fifo").c_str(), 0600) == 0);

  const ScanResult r = scan({"/dev/zero", dir / "arg.fifo", dir / "box"});
  CHECK(r.unreadable == 6);
  REQUIRE(r.doc["messages"].size() == 2);
  std::map<std::string, std::string> errors;
  for (const auto& e : r.doc["errors"])
    errors[std::filesystem::path(e["file"].get<std::string>()).filename()] = e["error"];
  CHECK(errors["zero"] == "skipped: a character device, not a regular file");
  CHECK(errors["arg.fifo"] == "skipped: a FIFO, not a regular file");
  CHECK(errors["b-fifo.eml"] == "skipped: a FIFO, not a regular file");
  CHECK(errors["c-zero.eml"] == "skipped: a character device, not a regular file");
  CHECK_THAT(errors["d-dangling.eml"], Catch::StartsWith("cannot open file: No such file"));
  CHECK_THAT(errors["e-loop.eml"], Catch::StartsWith("cannot open file: Too many levels of symbolic links"));
  CHECK_THAT(r.table, Catch::Contains("!! /dev/zero: skipped: a character device, not a regular file"));
}

TEST_CASE("scan says what it skipped past each limit, in the table and in --json", "[scan][security]") {
  TempDir dir;
  SECTION("more than 10,000 elements") {
    std::string html = "<html><body>";
    for (int i = 0; i < 12345; ++i) html += "<img src=\"https://cdn.example/p" + std::to_string(i) + ".png\">";
    write_file(dir / "many.html", html);
    std::string parts;
    for (int i = 0; i < 3; ++i) {
      parts += "--b\r\nContent-Type: text/html\r\n\r\n" + html + "\r\n";
    }
    write_file(dir / "many.eml",
               kHeader + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" + parts + "--b--\r\n");
    const ScanResult r = scan({dir / "many.html", dir / "many.eml"});
    REQUIRE(r.doc["messages"].size() == 2);
    CHECK(r.doc["messages"][0]["skipped"]["elements"] == 2345);
    CHECK(r.doc["messages"][0]["result"]["elements"].size() == 10000);
    CHECK(r.doc["messages"][1]["skipped"]["elements"] == 3 * 12345 - 10000);
    CHECK(r.doc["messages"][1]["result"]["elements"].back()["ref"] == "e9999");
    CHECK(r.doc["messages"][1]["warnings"][0] ==
          "message too large, 27035 elements skipped (at most 10000 per message)");
    CHECK_THAT(r.table, Catch::Contains("!! message too large, 2345 elements skipped (at most 10000 per message)"));
  }
  SECTION("MIME deeper than 32 levels, more than 10,000 parts") {
    std::string deep = kHeader;
    for (int i = 0; i < 40; ++i)
      deep += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\r\n\r\n--b" + std::to_string(i) +
              "\r\n";
    deep += "Content-Type: text/html\r\n\r\n" + kImg + "\r\n";
    write_file(dir / "deep.eml", deep);
    std::string wide = kHeader + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n";
    for (int i = 0; i < 10100; ++i) wide += "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n";
    write_file(dir / "wide.eml", wide + "--b--\r\n");
    const ScanResult r = scan({dir / "deep.eml", dir / "wide.eml"});
    REQUIRE(r.doc["messages"].size() == 2);
    CHECK(r.doc["messages"][0]["skipped"]["nested_parts"] == 1);
    CHECK(r.doc["messages"][0]["warnings"][0] == "1 MIME parts nested deeper than 32 levels skipped");
    CHECK(r.doc["messages"][1]["skipped"]["mime_parts"] == 100);
    CHECK(r.doc["messages"][1]["warnings"][0] == "100 MIME parts skipped (at most 10000 per message)");
    CHECK_THAT(r.table, Catch::Contains("!! 100 MIME parts skipped"));
    CHECK_THAT(r.table, Catch::Contains("!! 1 MIME parts nested deeper than 32 levels skipped"));
  }
  SECTION("more recipients than watched addresses: --address ones are kept") {
    std::string to = "To: ";
    for (int i = 0; i < 150; ++i) to += (i ? ", u" : "u") + std::to_string(i) + "@example.org";
    write_file(dir / "to.eml",
               "From: a@sender.example\r\n" + to + "\r\nContent-Type: text/html\r\n\r\n" + kImg + "\r\n");
    const ScanResult r = scan({dir / "to.eml"}, {"me@example.org"});
    REQUIRE(r.doc["messages"].size() == 1);
    const json& m = r.doc["messages"][0];
    CHECK(m["recipients"].size() == kMaxUserAddresses);
    CHECK(m["recipients"][0] == "m\u2026@example.org");
    CHECK(m["skipped"]["recipients"] == 51);
    CHECK(m["warnings"][0] == "51 recipient addresses not watched for leaks (at most 100 per message)");
  }
  SECTION("an ordinary mail has neither field") {
    write_file(dir / "ok.eml", kHeader + "Content-Type: text/html\r\n\r\n" + kImg + "\r\n");
    const ScanResult r = scan({dir / "ok.eml"});
    REQUIRE(r.doc["messages"].size() == 1);
    CHECK_FALSE(r.doc["messages"][0].contains("skipped"));
    CHECK_FALSE(r.doc["messages"][0].contains("warnings"));
    CHECK(r.table.find("!!") == std::string::npos);
  }
}

TEST_CASE("an mbox message is cut at the byte cap, the next one is read whole", "[scan][security]") {
  std::string big = "From a@b Thu Jan  1 00:00:00 2026\n" + kHeader + "Content-Type: text/html\r\n\r\n";
  std::string line(1000, 'x');
  for (int i = 0; i < 100; ++i) big += line + "\n";
  big += std::string(5000, 'y');  // a line longer than the whole cap
  big += "\n\nFrom c@d Thu Jan  1 00:00:00 2026\nSubject: second\n\nbody\n";
  std::istringstream in(big);
  MboxReader reader(in, 4096);
  std::string message;
  REQUIRE(reader.next(&message));
  CHECK(message.size() == 4096);
  const uint64_t first_size = big.find("\n\nFrom c@d") + 2 - (big.find('\n') + 1);
  CHECK(message.size() + reader.skipped_bytes() == first_size);
  REQUIRE(reader.next(&message));
  CHECK(message == "Subject: second\n\nbody\n");
  CHECK(reader.skipped_bytes() == 0);
  CHECK_FALSE(reader.next(&message));
}

TEST_CASE("scan memory stays flat on gigabyte and million-element inputs", "[scan][security][memory]") {
  TempDir dir;
  // A 2 GB sparse file, as an .eml and as an mbox whose second line never ends.
  {
    std::ofstream(dir / "sparse.eml").close();
    REQUIRE(::truncate((dir / "sparse.eml").c_str(), 2'000'000'000) == 0);
    std::ofstream mbox(dir / "sparse.mbox");
    mbox << "From a@b Thu Jan  1 00:00:00 2026\n";
    mbox.close();
    REQUIRE(::truncate((dir / "sparse.mbox").c_str(), 2'000'000'000) == 0);
  }
  // About 3.5 times the byte cap of base64 HTML holding an image every 70 bytes (1.2 million in all), as an .eml
  // and as the first message of an mbox that has a second, ordinary one.
  const size_t hostile = 3 * kMaxScanMessageBytes + kMaxScanMessageBytes / 2;
  write_base64_html_mail(dir / "images.eml", "<p>" + kImg + "</p>\n", hostile, "");
  write_base64_html_mail(dir / "images.mbox", "<p>" + kImg + "</p>\n", hostile, "From a@b Thu Jan  1 00:00:00 2026\n");
  {
    std::ofstream mbox(dir / "images.mbox", std::ios::app);
    mbox << "\nFrom c@d Thu Jan  1 00:00:00 2026\nFrom: c@d.example\r\nSubject: second\r\nContent-Type: "
            "text/html\r\n\r\n"
         << kImg << "\n";
  }
  {
    std::ofstream html(dir / "images.html");
    for (size_t i = 0; i < 1'500'000; ++i) html << kImg << "\n";
  }

  // The budget: a 32 MiB message is held, then its decoded HTML part; nothing grows with the file beyond that.
#if defined(__SANITIZE_ADDRESS__)
  const long budget_kib = 640 * 1024;  // ASan's shadow memory and quarantine come on top
#else
  const long budget_kib = 256 * 1024;
#endif
  for (const char* name : {"sparse.eml", "sparse.mbox", "images.eml", "images.mbox", "images.html"}) {
    INFO(name);
    const Spawned s = spawn_scan(dir, {"--json", dir / name});
    CHECK(s.status == 0);
    CHECK(s.peak_kib > 0);
    CHECK(s.peak_kib < budget_kib);
    const json doc = json::parse(s.out);
    REQUIRE(doc["messages"].size() >= 1);
    const json& first = doc["messages"][0];
    CHECK(first["skipped"]["bytes"].get<uint64_t>() > 0);
    CHECK_THAT(first["warnings"][0].get<std::string>(), Catch::StartsWith("message too large: only its first 32 MiB"));
    if (std::string(name).starts_with("images")) {
      // Of the 32 MiB read, the tree builder gets 4 MiB (about 50,000 images): 10,000 are judged, the rest of
      // those counted, and the HTML past 4 MiB is reported as not parsed.
      CHECK(first["result"]["elements"].size() == kMaxElements);
      CHECK(first["skipped"]["elements"].get<size_t>() > 30000);
      CHECK(first["skipped"]["html_bytes"].get<uint64_t>() > (16u << 20));
    }
    if (std::string(name) == "images.mbox") {
      REQUIRE(doc["messages"].size() == 2);
      CHECK(doc["messages"][1]["subject"] == "second");
      CHECK_FALSE(doc["messages"][1].contains("skipped"));
    }
  }
}

TEST_CASE("read_line_capped reads lines of any length across its buffer, keeping at most the cap", "[scan][security]") {
  std::string text;
  const std::vector<size_t> lengths = {0, 1, 65534, 65535, 65536, 65537, 200000, 3};
  for (size_t i = 0; i < lengths.size(); ++i) {
    text += std::string(lengths[i], static_cast<char>('a' + i));
    if (i + 1 < lengths.size()) text += "\n";  // the last line has no end
  }
  for (size_t keep : {size_t{0}, size_t{10}, size_t{65535}, SIZE_MAX}) {
    INFO("keep " << keep);
    std::istringstream in(text);
    std::string line;
    for (size_t i = 0; i < lengths.size(); ++i) {
      uint64_t dropped = 0;
      REQUIRE(read_line_capped(in, &line, keep, &dropped));
      CHECK(line == std::string(std::min(lengths[i], keep), static_cast<char>('a' + i)));
      CHECK(line.size() + dropped == lengths[i]);
    }
    uint64_t dropped = 0;
    CHECK_FALSE(read_line_capped(in, &line, keep, &dropped));
  }
}
