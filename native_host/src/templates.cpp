#include "templates.h"

#include <array>
#include <ctime>
#include <map>
#include <sstream>
#include <stdexcept>

#include "charset.h"
#include "report.h"
#include "score.h"
#include "templates.inc"

namespace mailveil {
namespace {

namespace km = kainjow::mustache;

/// The embedded templates as partials: {{> name}} in any template finds them here.
class EmbeddedContext : public km::context<std::string> {
 public:
  explicit EmbeddedContext(const km::data* data) : km::context<std::string>(data) {}
  const km::data* get_partial(const std::string& name) const override {
    static const std::map<std::string, km::data, std::less<>> partials = [] {
      std::map<std::string, km::data, std::less<>> m;
      for (const auto& t : embedded::kEmbeddedTemplates) m.emplace(std::string(t.name), km::data(std::string(t.text)));
      return m;
    }();
    auto it = partials.find(name);
    return it == partials.end() ? nullptr : &it->second;
  }
};

/// Badge colours, best to worst, one per kGradeBands entry.
constexpr std::array<const char*, kGradeBands.size()> kBandColors = {"#2e7d32", "#7cb342", "#fbc02d",
                                                                     "#fb8c00", "#e64a19", "#b71c1c"};

}  // namespace

const char* grade_color(std::string_view grade) {
  for (size_t i = 0; i < kGradeBands.size(); ++i) {
    if (kGradeBands[i].grade == grade) return kBandColors[i];
  }
  return kBandColors.back();
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

TemplateData versions_data(const ReportVersions& versions) {
  TemplateData d;
  d.set("host", versions.host);
  d.set("list", versions.list_version > 0 ? std::to_string(versions.list_version) : std::string("unknown"));
  d.set("published", versions.list_published.empty() ? TemplateData(false) : TemplateData(versions.list_published));
  d.set("psl", versions.psl.empty() ? TemplateData(false) : TemplateData(versions.psl));
  return d;
}

std::string utc_now() {
  char when[64] = "";
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  if (gmtime_r(&now, &tm)) std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
  return when;
}

std::vector<std::string_view> template_names() {
  std::vector<std::string_view> names;
  for (const auto& t : embedded::kEmbeddedTemplates) names.push_back(t.name);
  return names;
}

std::string_view template_text(std::string_view name) {
  for (const auto& t : embedded::kEmbeddedTemplates) {
    if (t.name == name) return t.text;
  }
  return {};
}

void render_template(std::string_view name, const TemplateData& data, TemplateEscape escape, std::ostream& out) {
  const std::string_view text = template_text(name);
  if (text.empty()) throw std::runtime_error("no template named " + std::string(name));
  km::mustache tmpl{std::string(text)};
  if (!tmpl.is_valid()) throw std::runtime_error("template " + std::string(name) + ": " + tmpl.error_message());
  if (escape == TemplateEscape::kHtml) {
    tmpl.set_custom_escape([](const std::string& s) { return html_escape(mask_addresses_in_text(repair_utf8(s))); });
  } else {
    tmpl.set_custom_escape([](const std::string& s) { return mask_addresses_in_text(repair_utf8(s)); });
  }
  EmbeddedContext context(&data);
  tmpl.render(context, out);
  if (!tmpl.is_valid()) throw std::runtime_error("template " + std::string(name) + ": " + tmpl.error_message());
}

std::string render_template(std::string_view name, const TemplateData& data, TemplateEscape escape) {
  std::ostringstream out;
  render_template(name, data, escape, out);
  return out.str();
}

}  // namespace mailveil
