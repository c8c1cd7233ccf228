// The embedded templates (templates.h): every file of native_host/templates is in the binary as written, every
// one parses, and only the checked values are inserted without escaping.
#include "templates.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "score.h"

using namespace mailveil;
namespace fs = std::filesystem;

TEST_CASE("templates: every file of native_host/templates is compiled in, as written", "[templates]") {
  const fs::path dir = fs::path(MAILVEIL_SOURCE_DIR) / "native_host" / "templates";
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().stem().string();
    files.insert(name);
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string expected = text.str();
    if (expected.ends_with('\n')) expected.pop_back();
    INFO(name);
    CHECK(template_text(name) == expected);
  }
  const auto names = template_names();
  CHECK(std::set<std::string>(names.begin(), names.end()) == files);
  for (const char* needed : {"report", "evidence_en", "evidence_fr", "letter_en", "letter_fr", "evidence_copy",
                             "evidence_style", "report_style"}) {
    CHECK(files.count(needed) == 1);
  }
}

TEST_CASE("templates: each parses, and unescaped values are only the checked ones", "[templates]") {
  for (std::string_view name : template_names()) {
    INFO(name);
    const std::string text(template_text(name));
    kainjow::mustache::mustache parsed{text};
    CHECK(parsed.is_valid());
    // {{{x}}} and {{&x}} bypass the escaping that masks addresses: allowed for the page's own style and script,
    // the letter (escaped as a whole), and the Message-ID (checked to hold none of the reader's addresses).
    std::string rest = text;
    for (const char* allowed :
         {"{{{style}}}", "{{{copy_script}}}", "{{{letter_html}}}", "{{#message_id_html}}<span class=\"u\">{{{.}}}",
          "{{#message_id_text}} (Message-ID {{{.}}})"}) {
      for (size_t at; (at = rest.find(allowed)) != std::string::npos;) rest.erase(at, std::string(allowed).size());
    }
    CHECK(rest.find("{{{") == std::string::npos);
    CHECK(rest.find("{{&") == std::string::npos);
  }
}

TEST_CASE("templates: rendering escapes and masks every value", "[templates]") {
  TemplateData data;
  data.set("value", "<b>jane.doe@example.org</b> & 'x'");
  // A throwaway use of an embedded partial: report_bar takes class, width and value.
  data.set("class", "b\" onclick=\"x");
  data.set("width", "5");
  const std::string html = render_template("report_bar", data, TemplateEscape::kHtml);
  CHECK(html.find("jane.doe@") == std::string::npos);
  CHECK(html.find("&lt;b&gt;j\u2026@example.org&lt;/b&gt; &amp; &#39;x&#39;") != std::string::npos);
  CHECK(html.find("b&quot; onclick=&quot;x") != std::string::npos);
  const std::string text = render_template("report_bar", data, TemplateEscape::kText);
  CHECK(text.find("<b>j\u2026@example.org</b> & 'x'") != std::string::npos);
  CHECK_THROWS(render_template("no-such-template", data, TemplateEscape::kHtml));
}

TEST_CASE("templates: one colour per grade band", "[templates][grades]") {
  std::set<std::string> colours;
  for (const GradeBand& b : kGradeBands) colours.insert(grade_color(b.grade));
  CHECK(colours.size() == kGradeBands.size());
  CHECK(std::string(grade_color("?")) == grade_color(kGradeBands.back().grade));
}
