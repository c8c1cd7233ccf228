#include "abp_import.h"

#include <re2/re2.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "charset.h"
#include "plain_pattern.h"
#include "text_util.h"
#include "url.h"

namespace mailveil {
namespace {

using nlohmann::json;

// Same per-pattern memory budget as the list loader: what compiles here also loads.
constexpr int64_t kPatternMaxMem = 1 << 20;

// Unsupported-filter reasons (stable strings, shown to the user with counts).
constexpr char kCosmetic[] = "cosmetic (element hiding) filter";
constexpr char kFirstParty[] = "first-party only ($~third-party): never applies to e-mail content";
constexpr char kSiteRestricted[] = "restricted to pages of given sites ($domain=)";
constexpr char kIrrelevantTypes[] = "only request types e-mail does not load ($script, $xmlhttprequest, ...)";
constexpr char kExcludesImages[] = "excludes images ($~image)";
constexpr char kPageException[] = "page-level exception ($document, $elemhide, ...)";
constexpr char kMatchesAll[] = "matches every URL";
constexpr char kRegexRejected[] = "regular expression RE2 rejects";
constexpr char kTooLong[] = "pattern longer than 512 characters once converted";

bool is_cosmetic(std::string_view line) {
  for (std::string_view sep : {"##", "#@#", "#?#", "#$#", "#@?#", "#@$#", "#%#", "#@%#"}) {
    if (line.find(sep) != std::string_view::npos) return true;
  }
  return false;
}

bool is_regex_body(std::string_view body) {
  return body.size() >= 2 && body.front() == '/' && body.back() == '/';
}

bool re2_accepts(const std::string& pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kPatternMaxMem);
  RE2 re(pattern, options);
  return re.ok();
}

/// Where a filter applies, from its $options.
struct FilterOptions {
  bool pixel = true;
  bool link = false;
  bool match_case = false;
};

/// Parses the comma-separated options. False with *reason when the filter cannot be imported.
bool parse_options(std::string_view text, bool exception, FilterOptions* out, std::string* reason) {
  static const std::set<std::string> kPixelTypes = {"image", "media", "object",           "subdocument",
                                                    "frame", "other", "object-subrequest"};
  static const std::set<std::string> kLinkTypes = {"document", "doc", "popup"};
  static const std::set<std::string> kIrrelevant = {"script",    "stylesheet", "css",           "xmlhttprequest",
                                                    "xhr",       "font",       "ping",          "beacon",
                                                    "websocket", "webrtc",     "inline-script", "inline-font"};
  static const std::set<std::string> kPageLevel = {"elemhide",     "ehide",        "generichide", "ghide",
                                                   "genericblock", "specifichide", "shide",       "content"};
  bool any_positive = false;
  bool pixel = false;
  bool link = false;
  bool excludes_image = false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view opt = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    opt = trim(opt);
    if (opt.empty()) continue;
    bool negated = opt.front() == '~';
    if (negated) opt.remove_prefix(1);
    size_t eq = opt.find('=');
    std::string name = ascii_lower(opt.substr(0, eq));
    std::string_view value = eq == std::string_view::npos ? std::string_view() : opt.substr(eq + 1);

    if (name == "third-party" || name == "3p" || name == "first-party" || name == "1p" || name == "strict1p" ||
        name == "strict3p") {
      // Every remote resource in a webmail page is third-party to it.
      bool third = (name == "third-party" || name == "3p" || name == "strict3p") != negated;
      if (!third) {
        *reason = kFirstParty;
        return false;
      }
    } else if (name == "domain" || name == "from") {
      size_t p = 0;
      while (p <= value.size()) {
        size_t bar = value.find('|', p);
        std::string_view d = value.substr(p, bar == std::string_view::npos ? std::string_view::npos : bar - p);
        p = bar == std::string_view::npos ? value.size() + 1 : bar + 1;
        if (!d.empty() && d.front() != '~') {
          *reason = kSiteRestricted;
          return false;
        }
      }
      // Only negated sites: the filter applies everywhere else, so in webmail too.
    } else if (name == "match-case") {
      out->match_case = !negated;
    } else if (name == "important") {
      // Precedence over exceptions inside the imported list: not modelled, imported as a plain filter.
    } else if (name == "all") {
      any_positive = true;
      pixel = link = true;
    } else if (kPixelTypes.count(name) || kLinkTypes.count(name) || kIrrelevant.count(name)) {
      if (exception && !negated && (name == "document" || name == "doc")) {
        *reason = kPageException;
        return false;
      }
      if (negated) {
        if (name == "image") excludes_image = true;
        continue;
      }
      any_positive = true;
      if (kPixelTypes.count(name)) pixel = true;
      if (kLinkTypes.count(name)) link = true;
    } else if (kPageLevel.count(name)) {
      *reason = kPageException;
      return false;
    } else {
      *reason = "unsupported option $" + name;
      return false;
    }
  }
  if (any_positive) {
    if (!pixel && !link) {
      *reason = kIrrelevantTypes;
      return false;
    }
    out->pixel = pixel;
    out->link = link;
  } else {
    if (excludes_image) {
      *reason = kExcludesImages;
      return false;
    }
    // ABP's default: every resource type, but not top-level navigations (link clicks).
    out->pixel = true;
    out->link = false;
  }
  return true;
}

/// The host a `||host...` pattern is anchored at, if the pattern spells a whole hostname.
std::string anchored_host(std::string_view body) {
  if (!body.starts_with("||")) return {};
  body.remove_prefix(2);
  size_t end = 0;
  while (end < body.size()) {
    char c = ascii_lower_char(body[end]);
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) break;
    ++end;
  }
  std::string host = ascii_lower(body.substr(0, end));
  if (end < body.size() && std::string_view("^/:?$").find(body[end]) == std::string_view::npos) return {};
  return is_valid_hostname(host) ? host : std::string();
}

std::string dedupe_key(const AbpFilter& f) {
  std::string key = f.exception ? "x|" : "b|";
  key += f.entry.applies_to_pixel ? 'p' : '-';
  key += f.entry.applies_to_link ? 'l' : '-';
  for (const auto& d : f.entry.domains) key += "|d:" + d;
  for (const auto& p : f.entry.patterns) key += "|r:" + p;
  return key;
}

json entry_json(const Tracker& t, const std::string& notes) {
  json e = {{"id", t.id}, {"name", t.name}, {"company", t.company}, {"category", t.category}};
  if (!t.domains.empty()) e["domains"] = t.domains;
  if (!t.patterns.empty()) e["patterns"] = t.patterns;
  json applies = json::array();
  if (t.applies_to_pixel) applies.push_back("pixel");
  if (t.applies_to_link) applies.push_back("link");
  e["applies_to"] = applies;
  if (!notes.empty()) e["notes"] = notes;
  return e;
}

}  // namespace

std::string abp_pattern_to_re2(std::string_view pattern, bool match_case) {
  return plain_pattern_to_re2(plain_from_abp(pattern, match_case));
}

std::optional<AbpFilter> convert_abp_filter(std::string_view raw, std::string* reason) {
  reason->clear();
  std::string_view line = trim(raw);
  if (line.empty() || line.front() == '!' || (line.front() == '[' && line.back() == ']')) return std::nullopt;
  if (is_cosmetic(line)) {
    *reason = kCosmetic;
    return std::nullopt;
  }
  AbpFilter out;
  std::string_view body = line;
  if (body.starts_with("@@")) {
    out.exception = true;
    body.remove_prefix(2);
  }
  FilterOptions options;
  if (!is_regex_body(body)) {
    if (size_t dollar = body.rfind('$'); dollar != std::string_view::npos) {
      if (!parse_options(body.substr(dollar + 1), out.exception, &options, reason)) return std::nullopt;
      body = body.substr(0, dollar);
    } else if (!parse_options({}, out.exception, &options, reason)) {
      return std::nullopt;
    }
  } else if (!parse_options({}, out.exception, &options, reason)) {
    return std::nullopt;
  }
  out.entry.applies_to_pixel = options.pixel;
  out.entry.applies_to_link = options.link;
  out.filter = std::string(line);

  if (is_regex_body(body)) {
    std::string re = (options.match_case ? "" : "(?i)") + std::string(body.substr(1, body.size() - 2));
    if (re.size() > kMaxPatternLength) {
      *reason = kTooLong;
      return std::nullopt;
    }
    if (!re2_accepts(re)) {
      *reason = kRegexRejected;
      return std::nullopt;
    }
    out.entry.patterns.push_back(std::move(re));
    return out;
  }

  std::string_view stripped = body;
  while (!stripped.empty() && (stripped.front() == '|' || stripped.front() == '*')) stripped.remove_prefix(1);
  while (!stripped.empty() && (stripped.back() == '|' || stripped.back() == '*')) stripped.remove_suffix(1);
  if (stripped.empty() || stripped == "^") {
    *reason = kMatchesAll;
    return std::nullopt;
  }
  // ||host^ with nothing after it: a whole domain, matched by the host index rather than a regex.
  if (body.starts_with("||") && body.ends_with("^")) {
    std::string host = ascii_lower(body.substr(2, body.size() - 3));
    if (is_valid_hostname(host) && host.find('.') != std::string::npos) {
      out.entry.domains.push_back(std::move(host));
      return out;
    }
  }
  std::string re = abp_pattern_to_re2(body, options.match_case);
  if (re.size() > kMaxPatternLength) {
    *reason = kTooLong;
    return std::nullopt;
  }
  // abp_pattern_to_re2 writes quoted literals, ".*" and fixed groups: within the length limit that always
  // compiles, so the costly RE2 check (a third of an EasyPrivacy import) is kept for /regex/ filters. What
  // remains to check is the text itself, which the user list stores as JSON.
  if (!is_valid_utf8(re)) {
    *reason = kRegexRejected;
    return std::nullopt;
  }
  out.entry.patterns.push_back(std::move(re));
  return out;
}

AbpImport import_abp_list(std::string_view text, const AbpImportOptions& options) {
  AbpImport result;
  result.title = options.title;
  std::set<std::string> seen;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    ++result.stats.lines;
    std::string_view t = trim(line);
    if (result.title.empty() && t.starts_with("! Title:")) result.title = std::string(trim(t.substr(8)));

    std::string reason;
    std::optional<AbpFilter> f = convert_abp_filter(line, &reason);
    if (!f) {
      if (reason.empty()) {
        ++result.stats.comments;
      } else {
        ++result.stats.filters;
        ++result.stats.unsupported;
        ++result.stats.unsupported_reasons[reason];
      }
      continue;
    }
    ++result.stats.filters;
    if (!seen.insert(dedupe_key(*f)).second) {
      ++result.stats.duplicates;
      continue;
    }
    f->line = line_no;
    Tracker& e = f->entry;
    e.id = options.id_prefix + (f->exception ? "x" : "") + std::to_string(line_no);
    e.category = options.category;
    std::string host =
        e.domains.empty() ? anchored_host(std::string_view(f->filter).substr(f->exception ? 2 : 0)) : e.domains.front();
    e.name = !host.empty() ? host : f->filter.substr(0, std::min<size_t>(f->filter.size(), 80));
    e.company = host.empty() ? std::string() : registrable_domain(host);
    if (f->exception) {
      ++result.stats.exceptions;
      result.exceptions.push_back(std::move(*f));
    } else {
      ++result.stats.imported;
      result.trackers.push_back(std::move(*f));
    }
  }
  if (result.title.empty()) result.title = "imported list";
  // Entries without a known owner are attributed to the list they came from.
  for (auto* v : {&result.trackers, &result.exceptions}) {
    for (auto& f : *v) {
      if (f.entry.company.empty()) f.entry.company = result.title;
    }
  }
  return result;
}

std::shared_ptr<SignatureList> imported_list(const std::vector<AbpFilter>& filters) {
  auto list = std::make_shared<SignatureList>();
  list->list_version = 1;
  list->trackers.reserve(filters.size());
  for (const auto& f : filters) list->trackers.push_back(f.entry);
  return list;
}

std::string user_list_json(const AbpImport& import, const std::string& source_name) {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[16];
  std::strftime(date, sizeof date, "%Y-%m-%d", &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  int64_t version = (int64_t(utc.tm_year + 1900) * 100000000) + int64_t(utc.tm_mon + 1) * 1000000 +
                    int64_t(utc.tm_mday) * 10000 + int64_t(utc.tm_hour) * 100 + utc.tm_min;

  json stats = {{"lines", import.stats.lines},
                {"filters", import.stats.filters},
                {"imported", import.stats.imported},
                {"exceptions", import.stats.exceptions},
                {"duplicates", import.stats.duplicates},
                {"unsupported", import.stats.unsupported},
                {"unsupported_reasons", import.stats.unsupported_reasons}};
  json doc = {{"format_version", kSignatureFormatVersion},
              {"list_version", version},
              {"published", date},
              {"description", "User list imported from " + source_name + " (Adblock Plus syntax)"},
              {"import",
               {{"format", "adblock-plus"},
                {"source", source_name},
                {"title", import.title},
                {"imported_at", stamp},
                {"stats", stats}}}};
  json trackers = json::array();
  auto notes = [](const AbpFilter& f) { return f.filter + " (line " + std::to_string(f.line) + ")"; };
  for (const auto& f : import.trackers) trackers.push_back(entry_json(f.entry, notes(f)));
  json exceptions = json::array();
  for (const auto& f : import.exceptions) exceptions.push_back(entry_json(f.entry, notes(f)));
  doc["trackers"] = std::move(trackers);
  doc["exceptions"] = std::move(exceptions);
  // Filter text may hold arbitrary bytes: replace invalid UTF-8 instead of throwing.
  return doc.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace mailveil
