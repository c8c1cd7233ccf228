#include "report.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

#include "charset.h"
#include "ga_evidence.h"
#include "leak_detector.h"
#include "text_util.h"
#include "url.h"

namespace mailveil {
namespace {

/// Rows shown per HTML table; the rest is summarised in one line (the CSV has everything).
constexpr size_t kHtmlRows = 100;
/// Longest URL shown in the HTML or written in the CSV.
constexpr size_t kMaxShownUrl = 2048;
constexpr const char* kEllipsis = "\u2026";

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_local_char(char c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '+' || c == '-';
}
bool is_domain_char(char c) {
  return is_alnum(c) || c == '.' || c == '-';
}

std::string shorten(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  // Never cut inside a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s + kEllipsis;
}

/// Text safe for a report: valid UTF-8, addresses masked.
std::string clean_text(std::string_view s) {
  return mask_addresses_in_text(repair_utf8(s));
}

/// Masked evidence for an element: the classifier's masked URL, else the URL with addresses masked.
std::string evidence_of(const ElementResult& e) {
  if (!e.error_code.empty() && e.evidence_url.empty()) {
    return "[" + e.error_code + ": " + std::to_string(e.url.size()) + " bytes]";
  }
  const std::string& source = !e.evidence_url.empty()    ? e.evidence_url
                              : !e.unwrapped_url.empty() ? e.unwrapped_url
                                                         : e.url;
  return shorten(clean_text(source), kMaxShownUrl);
}

void add_example(std::vector<std::string>* examples, std::string url) {
  if (examples->size() >= kMaxReportExamples) return;
  if (std::find(examples->begin(), examples->end(), url) != examples->end()) return;
  examples->push_back(std::move(url));
}

std::string leak_key(const LeakReport& l) {
  return l.address + '\t' + l.encoding + '\t' + l.company;
}

/// The tid (property id) of a Google Analytics hit, or "".
std::string ga_property(const Url& url) {
  for (const auto& [k, v] : split_query_views(url.query)) {
    if (k == "tid") return percent_decode(v, true);
  }
  return {};
}

// ---------------------------------------------------------------------------------------------------------
// HTML

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

/// Escaped, masked, valid UTF-8: the only way text enters the page.
std::string h(std::string_view s) {
  return html_escape(clean_text(s));
}

std::string pct(size_t part, size_t whole) {
  if (whole == 0) return "0%";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::string mean(long long sum, size_t n) {
  if (n == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", static_cast<double>(sum) / static_cast<double>(n));
  return buf;
}

/// A horizontal CSS bar for value/max, with the number after it.
std::string bar(size_t value, size_t max, const char* cls = "b") {
  int width = max == 0 ? 0 : static_cast<int>(100.0 * static_cast<double>(value) / static_cast<double>(max) + 0.5);
  return "<span class=\"bar\"><span class=\"" + std::string(cls) + "\" style=\"width:" + std::to_string(width) +
         "%\"></span></span> " + std::to_string(value);
}

/// A table's rows, most mails first (then most pixels), as (key, stats) pairs; the first row has the most
/// mails, which scales the bars.
template <typename Stats>
std::vector<std::pair<std::string, const Stats*>> ranked_rows(const std::map<std::string, Stats>& table) {
  std::vector<std::pair<std::string, const Stats*>> rows;
  rows.reserve(table.size());
  for (const auto& [k, v] : table) rows.emplace_back(k, &v);
  std::stable_sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) {
    return x.second->mails != y.second->mails ? x.second->mails > y.second->mails : x.second->pixels > y.second->pixels;
  });
  return rows;
}

std::string top_names(const BoundedCounter& c, size_t n) {
  std::string out;
  size_t shown = 0;
  auto rows = c.sorted();
  for (const auto& [name, count] : rows) {
    if (shown++ == n) break;
    out += (out.empty() ? "" : ", ") + h(name) + " <small>(" + std::to_string(count) + ")</small>";
  }
  if (rows.size() > n) out += ", " + std::to_string(rows.size() - n) + (c.overflowed() ? "+" : "") + " more";
  return out.empty() ? "-" : out;
}

std::string examples_html(const std::vector<std::string>& examples) {
  std::string out;
  for (const auto& e : examples) out += "<div class=\"u\">" + h(shorten(e, 300)) + "</div>";
  return out.empty() ? "-" : out;
}

const char* grade_color(const std::string& grade) {
  if (grade == "A") return "#2e7d32";
  if (grade == "B") return "#7cb342";
  if (grade == "C") return "#fbc02d";
  if (grade == "D") return "#fb8c00";
  if (grade == "E") return "#e64a19";
  return "#b71c1c";
}

/// Inline SVG histogram of the score buckets.
std::string score_histogram(const std::array<size_t, 11>& buckets) {
  constexpr int kWidth = 660, kHeight = 220, kBase = 190, kTop = 20, kBarW = 48, kGap = 12, kLeft = 8;
  size_t max = 1;
  for (size_t b : buckets) max = std::max(max, b);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(kWidth) + "\" height=\"" +
                    std::to_string(kHeight) +
                    "\" role=\"img\" aria-label=\"Number of mails per score bucket\">"
                    "<line x1=\"0\" y1=\"" +
                    std::to_string(kBase) + "\" x2=\"" + std::to_string(kWidth) + "\" y2=\"" + std::to_string(kBase) +
                    "\" stroke=\"#999\"/>";
  for (size_t i = 0; i < buckets.size(); ++i) {
    const int x = kLeft + static_cast<int>(i) * (kBarW + kGap);
    const int height = static_cast<int>((kBase - kTop) * static_cast<double>(buckets[i]) / static_cast<double>(max));
    const int low = static_cast<int>(i) * 10;
    const std::string label = i == 10 ? "100" : std::to_string(low) + "-" + std::to_string(low + 9);
    svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(kBase - height) + "\" width=\"" +
           std::to_string(kBarW) + "\" height=\"" + std::to_string(height) + "\" fill=\"" +
           grade_color(grade_for(i == 10 ? 100 : low + 5)) + "\"><title>score " + label + ": " +
           std::to_string(buckets[i]) + " mail(s)</title></rect>";
    svg += "<text x=\"" + std::to_string(x + kBarW / 2) + "\" y=\"" + std::to_string(kBase - height - 4) +
           "\" text-anchor=\"middle\" font-size=\"12\">" + std::to_string(buckets[i]) + "</text>";
    svg += "<text x=\"" + std::to_string(x + kBarW / 2) + "\" y=\"" + std::to_string(kBase + 16) +
           "\" text-anchor=\"middle\" font-size=\"11\">" + label + "</text>";
  }
  return svg + "</svg>";
}

constexpr const char* kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1280px;
 padding:0 16px;color:#1d1d1f;background:#fafafa}
h1{font-size:24px;margin:0 0 4px} h2{font-size:18px;margin:32px 0 8px;border-bottom:2px solid #ddd;padding-bottom:4px}
.meta{color:#666;font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:150px}
.card .n{font-size:24px;font-weight:600} .card .l{color:#555;font-size:12px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border:1px solid #e0e0e0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0;position:sticky;top:0} td.n{text-align:right;white-space:nowrap}
.bar{display:inline-block;width:90px;height:10px;background:#eee;border-radius:2px;vertical-align:middle}
.bar>span{display:block;height:10px;border-radius:2px} .b{background:#1565c0} .r{background:#c62828}
.u{font:12px ui-monospace,Menlo,Consolas,monospace;word-break:break-all;color:#333}
.g{display:inline-block;width:22px;text-align:center;color:#fff;border-radius:3px;font-weight:600}
.note{color:#666;font-size:12px;margin:4px 0}
)css";

}  // namespace

// ---------------------------------------------------------------------------------------------------------

std::string mask_addresses_in_text(std::string_view text) {
  std::string out;
  size_t copied = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t at_len = 0;
    if (text[i] == '@') {
      at_len = 1;
    } else if (text[i] == '%' && i + 2 < text.size() && text[i + 1] == '4' && text[i + 2] == '0') {
      at_len = 3;
    }
    if (at_len == 0) {
      ++i;
      continue;
    }
    size_t start = i;
    while (start > copied && is_local_char(text[start - 1])) --start;
    size_t end = i + at_len;
    while (end < text.size() && is_domain_char(text[end])) ++end;
    std::string_view domain = text.substr(i + at_len, end - i - at_len);
    while (!domain.empty() && (domain.back() == '.' || domain.back() == '-')) domain.remove_suffix(1);
    // No dot required: "someone@localhost" or an anonymised "someone@pot" is still someone.
    const bool valid = start < i && domain.size() >= 2 && is_alnum(domain.front());
    if (!valid) {
      i += at_len;
      continue;
    }
    out.append(text.substr(copied, start - copied));
    out += text[start];
    out += kEllipsis;
    out += '@';
    out.append(domain);
    copied = i + at_len + domain.size();
    i = copied;
  }
  out.append(text.substr(copied));
  return out;
}

void BoundedCounter::add(const std::string& name, size_t n) {
  auto it = counts_.find(name);
  if (it != counts_.end()) {
    it->second += n;
    return;
  }
  if (counts_.size() >= limit_) {
    overflowed_ = true;
    counts_[kOtherKey] += n;
    return;
  }
  counts_.emplace(name, n);
}

std::vector<std::pair<std::string, size_t>> BoundedCounter::sorted() const {
  std::vector<std::pair<std::string, size_t>> rows(counts_.begin(), counts_.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return rows;
}

size_t BoundedCounter::count(const std::string& name) const {
  auto it = counts_.find(name);
  return it == counts_.end() ? 0 : it->second;
}

std::string sender_key(const std::string& sender) {
  std::string domain = address_domain(sender);
  if (domain.empty()) return "(unknown)";
  return registrable_domain(domain);
}

template <typename T>
T& ScanAggregate::row(std::map<std::string, T>* table, const std::string& key) {
  auto it = table->find(key);
  if (it != table->end()) return it->second;
  if (table->size() >= kMaxReportKeys) return (*table)[kOtherKey];
  return (*table)[key];
}

void ScanAggregate::add(const ScannedMessage& m) {
  const EmailReport& r = m.report;
  const std::string sender = sender_key(m.sender);
  ++messages_;
  const bool trackers = r.summary.blocked > 0 || r.summary.tracked_links > 0;
  if (trackers) ++with_trackers_;
  if (r.summary.tracker_pixels > 0) ++with_pixels_;
  if (r.summary.leaks > 0) ++with_leaks_;
  pixels_ += r.summary.tracker_pixels;
  tracked_links_ += r.summary.tracked_links;
  leaks_ += r.summary.leaks;
  score_sum_ += r.score.value;
  score_buckets_[static_cast<size_t>(std::clamp(r.score.value, 0, 100) / 10)]++;
  grades_[r.score.grade]++;

  SenderStats& s = row(&senders_, sender);
  ++s.mails;
  if (trackers) ++s.mails_with_trackers;
  s.pixels += r.summary.tracker_pixels;
  s.tracked_links += r.summary.tracked_links;
  s.leaks += r.summary.leaks;
  s.score_sum += r.score.value;
  s.min_score = std::min(s.min_score, r.score.value);
  for (const auto& c : r.summary.companies) s.companies.add(c);

  // Google Analytics: hits are blocked GA collection URLs, plus any element a ga-* finding names.
  std::set<std::string> ga_refs;
  std::set<std::string> ga_props;
  for (const auto& e : r.elements) {
    if (!is_fetched_on_open(e.kind) || e.verdict != Verdict::kBlock || e.unwrapped_url.empty()) continue;
    auto url = parse_url(e.unwrapped_url);
    if (!url || !is_google_analytics_hit(*url)) continue;
    ga_refs.insert(e.ref);
    if (std::string tid = ga_property(*url); !tid.empty()) ga_props.insert(tid);
  }
  std::set<std::string> codes;
  for (const auto& f : r.findings) {
    codes.insert(f.code);
    if (f.code.starts_with("ga-") || f.code.starts_with("ga4-")) ga_refs.insert(f.ref);
  }
  for (const auto& c : codes) findings_.add(c);
  if (!ga_refs.empty()) {
    ++with_ga_;
    GaStats& g = row(&ga_, sender);
    ++g.mails;
    g.hits += ga_refs.size();
    for (const auto& f : r.findings) {
      if (f.code == "ga-ip-not-anonymised") ++g.no_aip;
      if (f.code == "ga-ads-personalisation") ++g.no_npa;
      if (f.code == "ga-user-id") ++g.user_id;
      if (f.code == "ga-client-id") ++g.client_id;
      if (f.code == "ga4-hit") ++g.ga4;
      if (f.code == "ga-advertising-features") ++g.ad_features;
    }
    for (const auto& p : ga_props) g.properties.add(p);
    s.ga_hits += ga_refs.size();
  }

  // Companies and leaks, element by element; "mails" counters once per message.
  std::set<std::string> companies_seen;
  std::set<std::string> leaks_seen;
  for (const auto& e : r.elements) {
    const bool fetched = is_fetched_on_open(e.kind);
    const bool pixel = fetched && e.verdict == Verdict::kBlock && !e.tracker.empty();
    const bool link = !fetched && e.tracked && !e.tracker.empty();
    if (pixel || link) {
      CompanyStats& c = row(&companies_, e.tracker.company);
      if (pixel) {
        ++c.pixels;
        add_example(&c.examples, evidence_of(e));
      } else {
        ++c.tracked_links;
      }
      if (companies_seen.insert(e.tracker.company).second) {
        ++c.mails;
        c.senders.add(sender);
        c.categories.add(e.tracker.category);
      }
      c.trackers.add(e.tracker.name);
    }
    for (const auto& l : e.leaks) {
      LeakStats& ls = row(&leak_table_, leak_key(l));
      ++ls.occurrences;
      ls.places.add(l.where);
      add_example(&ls.examples, evidence_of(e));
      if (leaks_seen.insert(leak_key(l)).second) {
        ++ls.mails;
        ls.senders.add(sender);
      }
      CompanyStats& c = row(&companies_, l.company);
      ++c.leaks;
      if (companies_seen.insert(l.company).second) {
        ++c.mails;
        c.senders.add(sender);
        if (!e.tracker.empty()) c.categories.add(e.tracker.category);
      }
    }
  }
}

void ScanAggregate::add_error(const std::string& file, const std::string& error) {
  ++errors_;
  if (error_examples_.size() < kMaxReportErrors) error_examples_.emplace_back(file, error);
}

// ---------------------------------------------------------------------------------------------------------

void write_html_report(const ScanAggregate& a, const std::vector<std::string>& inputs, std::ostream& out) {
  char when[64] = "";
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  if (gmtime_r(&now, &tm)) std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
  std::string input_list;
  for (const auto& i : inputs) input_list += (input_list.empty() ? "" : ", ") + h(i);

  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "img-src 'none'\">\n"
         "<meta name=\"viewport\" content=\"width=device-width\"><title>MailVeil scan report</title>\n<style>"
      << kStyle << "</style></head><body>\n";
  out << "<h1>MailVeil scan report</h1>\n<p class=\"meta\">Generated " << when << " from " << input_list
      << ". Every personal address is masked (first letter and domain); tokens in URLs read [token], the "
         "reader's address [email].</p>\n";

  // Overview.
  const size_t n = a.messages();
  auto card = [&](const std::string& value, const std::string& label) {
    out << "<div class=\"card\"><div class=\"n\">" << value << "</div><div class=\"l\">" << label << "</div></div>";
  };
  out << "<h2>Overview</h2>\n<div class=\"cards\">";
  card(std::to_string(n), "mails scanned");
  card(std::to_string(a.messages_with_trackers()) + " <small>(" + pct(a.messages_with_trackers(), n) + ")</small>",
       "mails with trackers");
  card(std::to_string(a.messages_with_pixels()) + " <small>(" + pct(a.messages_with_pixels(), n) + ")</small>",
       "mails with a tracking pixel");
  card(std::to_string(a.messages_with_leaks()) + " <small>(" + pct(a.messages_with_leaks(), n) + ")</small>",
       "mails leaking the reader's address");
  card(std::to_string(a.messages_with_ga()), "mails with Google Analytics hits");
  card(std::to_string(a.pixels()), "tracking pixels blocked");
  card(std::to_string(a.tracked_links()), "tracked links");
  card(std::to_string(a.leaks()), "address leaks");
  card(std::to_string(a.companies().size()), "tracking companies");
  card(mean(a.score_sum(), n), "mean score");
  if (a.errors() > 0) card(std::to_string(a.errors()), "unreadable inputs");
  out << "</div>\n";

  // Score distribution.
  out << "<h2>Score distribution</h2>\n"
      << score_histogram(a.score_buckets()) << "\n<table style=\"width:auto\">"
      << "<tr><th>grade</th><th>score</th><th>mails</th><th>share</th></tr>\n";
  size_t max_grade = 0;
  for (const auto& [g, count] : a.grades()) max_grade = std::max(max_grade, count);
  const char* ranges[] = {"90-100", "75-89", "55-74", "35-54", "15-34", "0-14"};
  const char* letters[] = {"A", "B", "C", "D", "E", "F"};
  for (int i = 0; i < 6; ++i) {
    auto it = a.grades().find(letters[i]);
    const size_t count = it == a.grades().end() ? 0 : it->second;
    out << "<tr><td><span class=\"g\" style=\"background:" << grade_color(letters[i]) << "\">" << letters[i]
        << "</span></td><td>" << ranges[i] << "</td><td class=\"n\">" << bar(count, max_grade)
        << "</td><td class=\"n\">" << pct(count, n) << "</td></tr>\n";
  }
  out << "</table>\n";

  // Companies.
  const auto companies = ranked_rows(a.companies());
  const size_t max_company = companies.empty() ? 0 : companies.front().second->mails;
  out << "<h2>Tracking companies</h2>\n<p class=\"note\">Who is contacted when the mails are opened (pixels) or "
         "clicked (tracked links), and who receives the reader's address. Companies are the signature list's "
         "owners; unlisted trackers found by the heuristics are named by their domain.</p>\n"
         "<table><tr><th>company</th><th>category</th><th>mails</th><th>pixels</th><th>tracked links</th>"
         "<th>leaks received</th><th>sender domains</th><th>trackers</th><th>example pixels (masked)</th></tr>\n";
  for (size_t i = 0; i < companies.size() && i < kHtmlRows; ++i) {
    const CompanyStats& c = *companies[i].second;
    out << "<tr><td>" << h(companies[i].first) << "</td><td>" << top_names(c.categories, 2) << "</td><td class=\"n\">"
        << bar(c.mails, max_company) << "</td><td class=\"n\">" << c.pixels << "</td><td class=\"n\">"
        << c.tracked_links << "</td><td class=\"n\">" << c.leaks << "</td><td>" << top_names(c.senders, 5)
        << "</td><td>" << top_names(c.trackers, 3) << "</td><td>" << examples_html(c.examples) << "</td></tr>\n";
  }
  out << "</table>\n";
  if (companies.size() > kHtmlRows) {
    out << "<p class=\"note\">" << companies.size() - kHtmlRows << " more companies (see the CSV).</p>\n";
  }

  // Sender domains.
  const auto senders = ranked_rows(a.senders());
  const size_t max_sender = senders.empty() ? 0 : senders.front().second->mails;
  out << "<h2>Sender domains</h2>\n<table><tr><th>sender domain</th><th>mails</th><th>with trackers</th>"
         "<th>pixels</th><th>tracked links</th><th>leaks</th><th>GA hits</th><th>mean score</th><th>lowest</th>"
         "<th>third-party companies</th></tr>\n";
  for (size_t i = 0; i < senders.size() && i < kHtmlRows; ++i) {
    const SenderStats& s = *senders[i].second;
    const std::string low_grade = grade_for(s.min_score);
    out << "<tr><td>" << h(senders[i].first) << "</td><td class=\"n\">" << bar(s.mails, max_sender)
        << "</td><td class=\"n\">" << s.mails_with_trackers << " (" << pct(s.mails_with_trackers, s.mails)
        << ")</td><td class=\"n\">" << s.pixels << "</td><td class=\"n\">" << s.tracked_links << "</td><td class=\"n\">"
        << s.leaks << "</td><td class=\"n\">" << s.ga_hits << "</td><td class=\"n\">" << mean(s.score_sum, s.mails)
        << "</td><td class=\"n\"><span class=\"g\" style=\"background:" << grade_color(low_grade) << "\">" << low_grade
        << "</span> " << s.min_score << "</td><td>" << top_names(s.companies, 4) << "</td></tr>\n";
  }
  out << "</table>\n";
  if (senders.size() > kHtmlRows) {
    out << "<p class=\"note\">" << senders.size() - kHtmlRows << " more sender domains (see the CSV).</p>\n";
  }

  // Leaks.
  out << "<h2>Address leaks</h2>\n";
  if (a.leak_table().empty()) {
    out << "<p>No mail sends the reader's address to anyone.</p>\n";
  } else {
    out << "<p class=\"note\">The reader's own address found in a URL, in any encoding (plain, URL-encoded, base64, "
           "hashes...), and the company that receives it.</p>\n<table><tr><th>address (masked)</th><th>encoding</th>"
           "<th>received by</th><th>occurrences</th><th>mails</th><th>where in the URL</th><th>sender domains</th>"
           "<th>example (masked)</th></tr>\n";
    std::vector<std::pair<std::string, const LeakStats*>> leaks;
    for (const auto& [k, v] : a.leak_table()) leaks.emplace_back(k, &v);
    std::stable_sort(leaks.begin(), leaks.end(),
                     [](const auto& x, const auto& y) { return x.second->mails > y.second->mails; });
    for (size_t i = 0; i < leaks.size() && i < kHtmlRows; ++i) {
      const std::string& key = leaks[i].first;
      const size_t t1 = key.find('\t');
      const size_t t2 = key.find('\t', t1 == std::string::npos ? key.size() : t1 + 1);
      std::string address = key, encoding = "", company = "";
      if (t1 != std::string::npos && t2 != std::string::npos) {
        address = key.substr(0, t1);
        encoding = key.substr(t1 + 1, t2 - t1 - 1);
        company = key.substr(t2 + 1);
      }
      const LeakStats& l = *leaks[i].second;
      out << "<tr><td>" << h(address) << "</td><td>" << h(encoding) << "</td><td>" << h(company)
          << "</td><td class=\"n\">" << l.occurrences << "</td><td class=\"n\">" << l.mails << "</td><td>"
          << top_names(l.places, 3) << "</td><td>" << top_names(l.senders, 4) << "</td><td>"
          << examples_html(l.examples) << "</td></tr>\n";
    }
    out << "</table>\n";
    if (leaks.size() > kHtmlRows) out << "<p class=\"note\">" << leaks.size() - kHtmlRows << " more rows.</p>\n";
  }

  // Google Analytics.
  out << "<h2>Google Analytics findings</h2>\n";
  if (a.ga().empty()) {
    out << "<p>No Google Analytics hit.</p>\n";
  } else {
    out << "<p class=\"note\"><b>no aip</b>: Universal Analytics hit without <code>aip=1</code>, the reader's full IP "
           "address reaches Google. <b>no npa</b>: hit without <code>npa=1</code>, usable for ad personalisation. "
           "<b>uid</b>/<b>cid</b>: a user id or per-recipient client id. <b>ad features</b>: sent through "
           "stats.g.doubleclick.net.</p>\n<table><tr><th>sender domain</th><th>mails</th><th>hits</th>"
           "<th>no aip (full IP)</th><th>no npa (ads)</th><th>uid</th><th>cid</th><th>GA4</th><th>ad features</th>"
           "<th>properties</th></tr>\n";
    GaStats total;
    std::vector<std::pair<std::string, const GaStats*>> rows;
    for (const auto& [k, g] : a.ga()) {
      rows.emplace_back(k, &g);
      total.mails += g.mails;
      total.hits += g.hits;
      total.no_aip += g.no_aip;
      total.no_npa += g.no_npa;
      total.user_id += g.user_id;
      total.client_id += g.client_id;
      total.ga4 += g.ga4;
      total.ad_features += g.ad_features;
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& x, const auto& y) { return x.second->hits > y.second->hits; });
    auto ga_row = [&](const std::string& name, const GaStats& g, const std::string& props) {
      out << "<tr><td>" << name << "</td><td class=\"n\">" << g.mails << "</td><td class=\"n\">" << g.hits
          << "</td><td class=\"n\">" << g.no_aip << "</td><td class=\"n\">" << g.no_npa << "</td><td class=\"n\">"
          << g.user_id << "</td><td class=\"n\">" << g.client_id << "</td><td class=\"n\">" << g.ga4
          << "</td><td class=\"n\">" << g.ad_features << "</td><td>" << props << "</td></tr>\n";
    };
    for (size_t i = 0; i < rows.size() && i < kHtmlRows; ++i) {
      ga_row(h(rows[i].first), *rows[i].second, top_names(rows[i].second->properties, 3));
    }
    ga_row("<b>all</b>", total, "");
    out << "</table>\n";
  }

  // Findings.
  out << "<h2>Findings</h2>\n<table style=\"width:auto\"><tr><th>finding</th><th>mails</th></tr>\n";
  for (const auto& [code, count] : a.findings().sorted()) {
    out << "<tr><td>" << h(code) << "</td><td class=\"n\">" << count << "</td></tr>\n";
  }
  out << "</table>\n";

  if (a.errors() > 0) {
    out << "<h2>Unreadable inputs</h2>\n<p>" << a.errors() << " input(s) could not be read.</p><ul>\n";
    for (const auto& [file, error] : a.error_examples()) out << "<li>" << h(file) << ": " << h(error) << "</li>\n";
    out << "</ul>\n";
  }
  out << "<p class=\"meta\">MailVeil " << MAILVEIL_VERSION
      << ". Scores and grades: docs/scoring.md. Per-element detail: <code>mailveil-host scan --csv FILE</code>."
         "</p>\n</body></html>\n";
}

namespace {

class HtmlReportSink : public ScanSink {
 public:
  HtmlReportSink(std::ostream& out, std::vector<std::string> inputs) : out_(out), inputs_(std::move(inputs)) {}
  void on_message(const ScannedMessage& m) override { aggregate_.add(m); }
  void on_error(const std::string& file, const std::string& error) override { aggregate_.add_error(file, error); }
  void finish() override {
    write_html_report(aggregate_, inputs_, out_);
    out_.flush();
  }

 private:
  std::ostream& out_;
  std::vector<std::string> inputs_;
  ScanAggregate aggregate_;
};

/// RFC 4180 cell; a cell a spreadsheet would read as a formula gets a leading apostrophe.
std::string csv_cell(std::string s) {
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r')) {
    s.insert(s.begin(), '\'');
  }
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

class CsvSink : public ScanSink {
 public:
  explicit CsvSink(std::ostream& out) : out_(out) {
    const auto& cols = csv_columns();
    for (size_t i = 0; i < cols.size(); ++i) out_ << (i ? "," : "") << cols[i];
    out_ << "\n";
  }

  void on_message(const ScannedMessage& m) override {
    const std::string sender = sender_key(m.sender);
    const std::string file = clean_text(m.file);
    for (const auto& e : m.report.elements) {
      if (!e.interesting()) continue;
      std::string reasons, encodings;
      for (const auto& r : e.reasons) reasons += (reasons.empty() ? "" : ";") + r;
      if (e.outlook_only) reasons += std::string(reasons.empty() ? "" : ";") + "Outlook desktop only";
      std::vector<std::string> seen;
      for (const auto& l : e.leaks) {
        if (std::find(seen.begin(), seen.end(), l.encoding) != seen.end()) continue;
        seen.push_back(l.encoding);
        encodings += (encodings.empty() ? "" : ";") + l.encoding;
      }
      const std::vector<std::string> cells = {file,
                                              std::to_string(m.index),
                                              sender,
                                              to_string(e.kind),
                                              to_string(e.verdict),
                                              e.tracker.id,
                                              clean_text(e.tracker.company),
                                              e.tracker.category,
                                              reasons,
                                              encodings,
                                              evidence_of(e)};
      for (size_t i = 0; i < cells.size(); ++i) out_ << (i ? "," : "") << csv_cell(cells[i]);
      out_ << "\n";
    }
  }

  void on_error(const std::string&, const std::string&) override {}
  void finish() override { out_.flush(); }

 private:
  std::ostream& out_;
};

class TeeSink : public ScanSink {
 public:
  explicit TeeSink(std::vector<ScanSink*> sinks) : sinks_(std::move(sinks)) {}
  void on_message(const ScannedMessage& m) override {
    for (auto* s : sinks_) s->on_message(m);
  }
  void on_error(const std::string& file, const std::string& error) override {
    for (auto* s : sinks_) s->on_error(file, error);
  }
  void finish() override {
    for (auto* s : sinks_) s->finish();
  }

 private:
  std::vector<ScanSink*> sinks_;
};

}  // namespace

std::unique_ptr<ScanSink> make_html_report_sink(std::ostream& out, std::vector<std::string> inputs) {
  return std::make_unique<HtmlReportSink>(out, std::move(inputs));
}

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> kColumns = {"file",    "index",          "sender_domain", "kind",
                                                    "verdict", "tracker",        "company",       "category",
                                                    "reasons", "leak_encodings", "evidence_url"};
  return kColumns;
}

std::unique_ptr<ScanSink> make_csv_sink(std::ostream& out) {
  return std::make_unique<CsvSink>(out);
}

std::unique_ptr<ScanSink> make_tee_sink(std::vector<ScanSink*> sinks) {
  return std::make_unique<TeeSink>(std::move(sinks));
}

}  // namespace mailveil
