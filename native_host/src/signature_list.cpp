#include "signature_list.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "text_util.h"
#include "url.h"

namespace mailveil {
namespace {

using nlohmann::json;

// RE2 program memory budget per pattern: a hostile pattern (huge repetition counts) fails to compile
// instead of eating memory.
constexpr int64_t kPatternMaxMem = 1 << 20;

bool is_valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

/// Reads an optional array of strings; false with *why on a type error.
bool read_string_array(const json& entry, const char* field, std::vector<std::string>* out, std::string* why) {
  auto it = entry.find(field);
  if (it == entry.end()) return true;
  if (!it->is_array()) {
    *why = std::string(field) + ": expected an array of strings";
    return false;
  }
  for (const auto& v : *it) {
    if (!v.is_string()) {
      *why = std::string(field) + ": expected an array of strings";
      return false;
    }
    out->push_back(v.get<std::string>());
  }
  return true;
}

bool read_required_string(const json& entry, const char* field, std::string* out, std::string* why) {
  auto it = entry.find(field);
  if (it == entry.end()) {
    *why = std::string("missing field '") + field + "'";
    return false;
  }
  if (!it->is_string() || it->get<std::string>().empty()) {
    *why = std::string(field) + ": expected a non-empty string";
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

/// Validates one entry into *t. Returns false with the reason when it must be skipped.
bool parse_entry(const json& entry, PatternCheck check, Tracker* t, std::string* why) {
  if (!entry.is_object()) {
    *why = "entry is not an object";
    return false;
  }
  if (!read_required_string(entry, "id", &t->id, why)) return false;
  if (!is_valid_id(t->id)) {
    *why = "id must match [a-z0-9-]{1,64}";
    return false;
  }
  if (!read_required_string(entry, "name", &t->name, why)) return false;
  if (!read_required_string(entry, "company", &t->company, why)) return false;
  if (auto brand = entry.find("brand"); brand != entry.end()) {
    if (!read_required_string(entry, "brand", &t->brand, why)) return false;
  } else {
    t->brand = default_brand(t->name, t->company);
  }
  if (!read_required_string(entry, "category", &t->category, why)) return false;
  const auto& categories = tracker_categories();
  if (std::find(categories.begin(), categories.end(), t->category) == categories.end()) {
    *why = "unknown category '" + t->category + "'";
    return false;
  }
  if (!read_string_array(entry, "domains", &t->domains, why) || !read_string_array(entry, "hosts", &t->hosts, why) ||
      !read_string_array(entry, "patterns", &t->patterns, why) ||
      !read_string_array(entry, "redirect_params", &t->redirect_params, why)) {
    return false;
  }
  if (t->domains.empty() && t->hosts.empty() && t->patterns.empty()) {
    *why = "needs at least one of domains, hosts, patterns";
    return false;
  }
  for (auto* list : {&t->domains, &t->hosts}) {
    for (auto& d : *list) {
      std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return std::tolower(c); });
      if (!is_valid_hostname(d)) {
        *why = "'" + d + "' is not a hostname";
        return false;
      }
    }
  }
  for (const auto& p : t->patterns) {
    if (p.size() > kMaxPatternLength) {
      *why = "pattern longer than " + std::to_string(kMaxPatternLength) + " characters";
      return false;
    }
    if (check == PatternCheck::kCompile) {
      RE2::Options options;
      options.set_log_errors(false);
      options.set_encoding(RE2::Options::EncodingLatin1);  // as the Matcher compiles them
      options.set_max_mem(kPatternMaxMem);
      RE2 re(p, options);
      if (!re.ok()) {
        *why = "pattern rejected by RE2: " + re.error();
        return false;
      }
    } else if (check == PatternCheck::kParse) {
      // RE2::Set::Add parses without compiling: the cheap check.
      RE2::Options options;
      options.set_log_errors(false);
      options.set_encoding(RE2::Options::EncodingLatin1);
      RE2::Set probe(options, RE2::UNANCHORED);
      std::string error;
      if (probe.Add(p, &error) < 0) {
        *why = "pattern rejected by RE2: " + error;
        return false;
      }
    }
  }
  std::vector<std::string> applies_to;
  if (!read_string_array(entry, "applies_to", &applies_to, why)) return false;
  if (!applies_to.empty()) {
    t->applies_to_pixel = false;
    t->applies_to_link = false;
    for (const auto& a : applies_to) {
      if (a == "pixel") {
        t->applies_to_pixel = true;
      } else if (a == "link") {
        t->applies_to_link = true;
      } else {
        *why = "applies_to: unknown value '" + a + "'";
        return false;
      }
    }
  }
  std::vector<std::string> checks;
  if (!read_string_array(entry, "checks", &checks, why)) return false;
  for (const auto& c : checks) {
    if (c == "google-analytics") {
      t->check_google_analytics = true;
    } else {
      *why = "checks: unknown value '" + c + "'";
      return false;
    }
  }
  return true;
}

}  // namespace

std::string default_brand(std::string_view name, std::string_view company) {
  if (company == kUnknownCompany) return std::string(kUnknownCompany);
  if (ifind(name, company) != std::string_view::npos) return std::string(name);
  return std::string(name) + " (" + std::string(company) + ")";
}

const std::vector<std::string>& tracker_categories() {
  static const std::vector<std::string> kCategories = {
      "analytics",     "advertising",         "esp",    "marketing-automation",
      "sales-tracker", "customer-engagement", "social", "spam-tracker",
  };
  return kCategories;
}

std::shared_ptr<SignatureList> parse_signature_list(std::string_view json_text, std::string* err, PatternCheck check) {
  json doc = json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    *err = "signature list is not valid JSON";
    return nullptr;
  }
  return parse_signature_document(doc, err, check);
}

std::shared_ptr<SignatureList> parse_signature_document(const json& doc, std::string* err, PatternCheck check) {
  if (!doc.is_object()) {
    *err = "signature list must be a JSON object";
    return nullptr;
  }
  auto fv = doc.find("format_version");
  if (fv == doc.end() || !fv->is_number_integer()) {
    *err = "signature list has no integer format_version";
    return nullptr;
  }
  if (fv->get<int64_t>() != kSignatureFormatVersion) {
    *err = "unsupported format_version " + std::to_string(fv->get<int64_t>()) + " (this host reads " +
           std::to_string(kSignatureFormatVersion) + ")";
    return nullptr;
  }
  auto lv = doc.find("list_version");
  if (lv == doc.end() || !lv->is_number_integer() || lv->get<int64_t>() <= 0) {
    *err = "signature list has no positive integer list_version";
    return nullptr;
  }
  auto trackers = doc.find("trackers");
  if (trackers == doc.end() || !trackers->is_array()) {
    *err = "signature list has no trackers array";
    return nullptr;
  }

  auto list = std::make_shared<SignatureList>();
  list->list_version = lv->get<int64_t>();
  if (auto pub = doc.find("published"); pub != doc.end() && pub->is_string()) {
    list->published = pub->get<std::string>();
  }
  if (auto exp = doc.find("expires"); exp != doc.end() && exp->is_string()) {
    list->expires = exp->get<std::string>();
  }
  std::set<std::string> seen_ids;
  size_t index = 0;
  for (const auto& entry : *trackers) {
    Tracker t;
    std::string why;
    if (!parse_entry(entry, check, &t, &why)) {
      list->skipped.push_back({index, t.id, why});
    } else if (!seen_ids.insert(t.id).second) {
      list->skipped.push_back({index, t.id, "duplicate id"});
    } else {
      list->trackers.push_back(std::move(t));
    }
    ++index;
  }
  return list;
}

bool parse_iso_date(std::string_view s, int64_t* days) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int64_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  const unsigned m = static_cast<unsigned>((s[5] - '0') * 10 + (s[6] - '0'));
  const unsigned d = static_cast<unsigned>((s[8] - '0') * 10 + (s[9] - '0'));
  const std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(y)), std::chrono::month(m),
                                        std::chrono::day(d)};
  if (!ymd.ok()) return false;
  *days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return true;
}

std::string format_iso_date(int64_t days) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(days))};
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

int64_t today_utc_days() {
  return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()).time_since_epoch().count();
}

ListFreshness list_freshness(const SignatureList& list, int64_t today) {
  return list_freshness(list.list_version, list.published, list.expires, today);
}

ListFreshness list_freshness(int64_t list_version, std::string_view published_date, std::string_view expires_date,
                             int64_t today) {
  ListFreshness f;
  int64_t published = 0;
  const bool has_published = parse_iso_date(published_date, &published);
  if (has_published) f.age_days = std::max<int64_t>(0, today - published);
  int64_t expires = 0;
  if (!parse_iso_date(expires_date, &expires)) {
    if (!has_published) return f;
    expires = published + kDefaultListLifetimeDays;
  }
  f.expires = format_iso_date(expires);
  f.expired = today > expires;
  if (!f.expired) return f;
  f.days_past_due = today - expires;
  f.note = "the signature list " + std::to_string(list_version) +
           (f.age_days >= 0 ? " is " + std::to_string(f.age_days) + " days old: it" : "") + " expired on " + f.expires +
           " (" + std::to_string(f.days_past_due) + (f.days_past_due == 1 ? " day" : " days") +
           " ago); new trackers are not blocked until it is updated";
  return f;
}

std::shared_ptr<SignatureList> load_signature_list(const std::string& path, std::string* err, PatternCheck check) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = "cannot open signature list " + path;
    return nullptr;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  auto list = parse_signature_list(buf.str(), err, check);
  if (!list) *err = path + ": " + *err;
  return list;
}

}  // namespace mailveil
