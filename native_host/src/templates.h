/// The mustache templates of native_host/templates (audit report, evidence pack), compiled into the binary
/// (native_host/cmake/embed_templates.cmake) and rendered with kainjow mustache (Debian libkainjow-mustache-dev).
/// Every {{value}} is escaped by the renderer, with every address-shaped string masked: a template cannot put an
/// unmasked address on a page unless it uses {{{triple}}} braces, which only pre-escaped, checked values may.
#pragma once

#include <concepts>
#include <kainjow/mustache.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace mailveil {

struct ReportVersions;

using TemplateData = kainjow::mustache::data;
using TemplateList = kainjow::mustache::list;

/// How {{value}} is written. Both repair invalid UTF-8 and mask addresses (mask_addresses_in_text).
enum class TemplateEscape {
  kHtml,  ///< HTML text and attribute values: & < > " ' escaped
  kText,  ///< plain text (a letter that a page later escapes as a whole)
};

/// Renders embedded template `name` (its file name without extension) with `data`; `{{> other}}` includes the
/// embedded template `other`. Throws std::runtime_error when the template is unknown or does not parse (a build
/// defect: the tests render every template).
void render_template(std::string_view name, const TemplateData& data, TemplateEscape escape, std::ostream& out);
std::string render_template(std::string_view name, const TemplateData& data, TemplateEscape escape);

/// Names of the embedded templates, in name order, and the text of one ("" when unknown).
std::vector<std::string_view> template_names();
std::string_view template_text(std::string_view name);

/// The colour of a grade's badge (one per kGradeBands entry, best to worst); the worst band's for unknown letters.
const char* grade_color(std::string_view grade);

/// & < > " ' as HTML references.
std::string html_escape(std::string_view s);

/// {host, list, published, psl} for a page footer (psl and published are false when unknown).
TemplateData versions_data(const ReportVersions& versions);
/// The current time, "YYYY-MM-DD HH:MM UTC".
std::string utc_now();

/// A count or score as template text.
template <std::integral T>
std::string num(T v) {
  return std::to_string(v);
}

}  // namespace mailveil
