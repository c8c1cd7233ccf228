// `mailveil-host eval --labels`: score.py's TSV format and its matching rules, from the product.
#include "real_eval.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_support.h"

using namespace mailveil;
namespace fs = std::filesystem;

TEST_CASE("TSV labels are read as score.py reads them", "[real-eval]") {
  std::string err;
  auto rows =
      parse_tsv_labels("# comment\n\na.html\thttps://t.example/o\ttracker\timg\r\nb.eml\tx\tclean\tlink\n", &err);
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0].tracker);
  CHECK_FALSE((*rows)[0].link);
  CHECK((*rows)[1].link);
  CHECK_FALSE(parse_tsv_labels("a.html\tx\tmaybe\timg\n", &err));
  CHECK_FALSE(parse_tsv_labels("a.html\tx\ttracker\n", &err));
  CHECK(err.find("line 1") != std::string::npos);
}

TEST_CASE("eval --labels scores images, links and leaks like score.py", "[real-eval]") {
  const fs::path dir = fs::temp_directory_path() / ("mailveil-real-eval-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream(dir / "news.html")
        << "<img src=\"https://t.esp.example/open/459/4f439e0f78\" width=\"3\" height=\"1\">"
           "<img src=\"https://cdn.news.example/images/logo.png\" width=\"200\" height=\"50\">"
           "<img src=\"https://cdn.news.example/images/hero.png\" width=\"600\" height=\"300\">"
           "<a href=\"https://news.example/unsubscribe?email=jane.doe%40example.org\">unsubscribe</a>";
  }
  std::string err;
  auto labels = parse_tsv_labels(
      "news.html\thttps://t.esp.example/open/\ttracker\timg\n"
      "news.html\thttps://cdn.news.example/images/logo.png\tclean\timg\n"
      "news.html\thttps://cdn.news.example/images/hero\ttracker\timg\n"  // a wrong label: a miss
      "news.html\thttps://nowhere.example/\ttracker\timg\n",             // unmatched
      &err);
  auto leaks =
      parse_tsv_leaks("news.html\tjane.doe@example.org\turl-encoded\thttps://news.example/unsubscribe\n", &err);
  REQUIRE(labels);
  REQUIRE(leaks);
  RealEvalResult r = evaluate_real(test::fixture_engine(), dir.string(), *labels, *leaks);
  CHECK(r.files == 1);
  CHECK(r.img_trackers == 3);
  CHECK(r.img_caught == 1);
  CHECK(r.img_unmatched == 1);
  CHECK(r.img_clean == 1);
  CHECK(r.img_false_positives == 0);
  CHECK(r.leaks == 1);
  CHECK(r.leaks_found == 1);
  std::ostringstream summary, details;
  print_real_eval(r, summary);
  CHECK(summary.str().find("trackers blocked 1/3 (recall 0.333; 1 not in the host's output)") != std::string::npos);
  write_real_eval_details(r, details);
  CHECK(details.str().find("miss-unmatched") != std::string::npos);
  CHECK(details.str().find("jane.doe@") == std::string::npos);
  fs::remove_all(dir);
}
