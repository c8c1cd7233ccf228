#include "report.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "charset.h"
#include "explain.h"
#include "ga_evidence.h"
#include "leak_detector.h"
#include "templates.h"
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

/// Text safe for a report: valid UTF-8, addresses masked.
std::string clean_text(std::string_view s) {
  return mask_addresses_in_text(repair_utf8(s));
}

}  // namespace

std::string shorten_text(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  // Never cut inside a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s + kEllipsis;
}

std::string masked_evidence_url(const ElementResult& e) {
  if (e.error_code && e.evidence_url.empty()) {
    return "[" + std::string(to_string(*e.error_code)) + ": " + std::to_string(e.url.size()) + " bytes]";
  }
  const std::string& source = !e.evidence_url.empty()    ? e.evidence_url
                              : !e.unwrapped_url.empty() ? e.unwrapped_url
                                                         : e.url;
  return shorten_text(clean_text(source), kMaxShownUrl);
}

namespace {

void add_example(std::vector<std::string>* examples, std::string url) {
  if (examples->size() >= kMaxReportExamples) return;
  if (std::find(examples->begin(), examples->end(), url) != examples->end()) return;
  examples->push_back(std::move(url));
}

std::string leak_key(const LeakReport& l) {
  return l.address + '\t' + to_string(l.encoding) + '\t' + l.company;
}

/// The tid (property id) of a Google Analytics hit, or "".
std::string ga_property(const Url& url) {
  for (const auto& [k, v] : split_query_views(url.query)) {
    if (k == "tid") return percent_decode(v, true);
  }
  return {};
}

// ---------------------------------------------------------------------------------------------------------
// HTML (templates/report*.mustache)

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

/// A horizontal bar for value/max (templates/report_bar.mustache).
TemplateData bar(size_t value, size_t max, const char* cls = "b") {
  int width = max == 0 ? 0 : static_cast<int>(100.0 * static_cast<double>(value) / static_cast<double>(max) + 0.5);
  TemplateData d;
  d.set("class", cls);
  d.set("width", num(width));
  d.set("value", num(value));
  return d;
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

/// The first n names of a counter with their counts, and how many more (templates/report_names.mustache);
/// `word` turns a stored name into the words shown.
template <typename Word>
TemplateData top_names(const BoundedCounter& c, size_t n, Word word) {
  TemplateList names;
  auto rows = c.sorted();
  for (size_t i = 0; i < rows.size() && i < n; ++i) {
    TemplateData item;
    item.set("sep", i == 0 ? "" : ", ");
    item.set("name", word(rows[i].first));
    item.set("count", num(rows[i].second));
    names.push_back(std::move(item));
  }
  TemplateData d;
  d.set("names", names);
  if (rows.size() > n) {
    d.set("more", std::to_string(rows.size() - n) + (c.overflowed() ? "+" : ""));
  } else {
    d.set("more", false);
  }
  return d;
}

TemplateData top_names(const BoundedCounter& c, size_t n) {
  return top_names(c, n, [](const std::string& s) { return s; });
}

TemplateData examples(const std::vector<std::string>& urls) {
  TemplateList out;
  for (const auto& e : urls) out.push_back(TemplateData(shorten_text(e, 300)));
  return out;
}

/// "N more ..." under a table cut at kHtmlRows, or false.
TemplateData more_rows(size_t rows) {
  return rows > kHtmlRows ? TemplateData(num(rows - kHtmlRows)) : TemplateData(false);
}

/// Histogram of the score buckets, coloured by band (templates/report_grades.mustache).
TemplateData score_histogram(const std::array<size_t, 11>& buckets) {
  constexpr int kWidth = 660, kHeight = 220, kBase = 190, kTop = 20, kBarW = 48, kGap = 12, kLeft = 8;
  size_t max = 1;
  for (size_t b : buckets) max = std::max(max, b);
  TemplateList bars;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const int x = kLeft + static_cast<int>(i) * (kBarW + kGap);
    const int height = static_cast<int>((kBase - kTop) * static_cast<double>(buckets[i]) / static_cast<double>(max));
    const int low = static_cast<int>(i) * 10;
    TemplateData b;
    b.set("x", num(x));
    b.set("y", num(kBase - height));
    b.set("width", num(kBarW));
    b.set("height", num(height));
    b.set("middle", num(x + kBarW / 2));
    b.set("count_y", num(kBase - height - 4));
    b.set("label_y", num(kBase + 16));
    b.set("color", grade_color(grade_for(i == 10 ? 100 : low + 5)));
    b.set("label", i == 10 ? "100" : std::to_string(low) + "-" + std::to_string(low + 9));
    b.set("count", num(buckets[i]));
    bars.push_back(std::move(b));
  }
  TemplateData h;
  h.set("width", num(kWidth));
  h.set("height", num(kHeight));
  h.set("base", num(kBase));
  h.set("bars", bars);
  return h;
}

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
  std::set<FindingCode> codes;
  for (const auto& f : r.findings) {
    codes.insert(f.code);
    if (is_google_analytics(f.code)) ga_refs.insert(f.ref);
  }
  for (const auto c : codes) findings_.add(to_string(c));
  if (!ga_refs.empty()) {
    ++with_ga_;
    GaStats& g = row(&ga_, sender);
    ++g.mails;
    g.hits += ga_refs.size();
    for (const auto& f : r.findings) {
      switch (f.code) {
        case FindingCode::kGaIpNotAnonymised: ++g.no_aip; break;
        case FindingCode::kGaAdsPersonalisation: ++g.no_npa; break;
        case FindingCode::kGaUserId: ++g.user_id; break;
        case FindingCode::kGaClientId: ++g.client_id; break;
        case FindingCode::kGa4Hit: ++g.ga4; break;
        case FindingCode::kGaAdvertisingFeatures: ++g.ad_features; break;
        default: break;  // not a Google Analytics finding
      }
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
        add_example(&c.examples, masked_evidence_url(e));
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
      add_example(&ls.examples, masked_evidence_url(e));
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

TemplateData report_data(const ScanAggregate& a, const std::vector<std::string>& inputs, const ReportVersions& versions,
                         const EvidenceLinks& evidence) {
  TemplateData d;
  d.set("generated", utc_now());
  std::string input_list;
  for (const auto& i : inputs) input_list += (input_list.empty() ? "" : ", ") + i;
  d.set("inputs", input_list);
  d.set("versions", versions_data(versions));

  // Overview.
  const size_t n = a.messages();
  TemplateList cards;
  auto card = [&](size_t value, const char* label, bool share = false) {
    TemplateData c;
    c.set("value", num(value));
    c.set("share", share ? TemplateData(pct(value, n)) : TemplateData(false));
    c.set("label", label);
    cards.push_back(std::move(c));
  };
  card(n, "mails scanned");
  card(a.messages_with_trackers(), "mails with trackers", true);
  card(a.messages_with_pixels(), "mails with a tracking pixel", true);
  card(a.messages_with_leaks(), "mails leaking the reader's address", true);
  card(a.messages_with_ga(), "mails with Google Analytics hits");
  card(a.pixels(), "tracking pixels blocked");
  card(a.tracked_links(), "tracked links");
  card(a.leaks(), "address leaks");
  card(a.companies().size(), "tracking companies");
  {
    TemplateData c;
    c.set("value", mean(a.score_sum(), n));
    c.set("share", false);
    c.set("label", "mean score");
    cards.push_back(std::move(c));
  }
  if (a.errors() > 0) card(a.errors(), "unreadable inputs");
  d.set("cards", cards);

  // Grades: the legend is the band table itself.
  d.set("histogram", score_histogram(a.score_buckets()));
  size_t max_grade = 0;
  for (const auto& [g, count] : a.grades()) max_grade = std::max(max_grade, count);
  TemplateList grades;
  for (size_t i = 0; i < kGradeBands.size(); ++i) {
    auto it = a.grades().find(std::string(kGradeBands[i].grade));
    const size_t count = it == a.grades().end() ? 0 : it->second;
    TemplateData g;
    g.set("grade", std::string(kGradeBands[i].grade));
    g.set("color", grade_color(kGradeBands[i].grade));
    g.set("min", num(kGradeBands[i].min));
    g.set("max", num(grade_band_max(i)));
    g.set("bar", bar(count, max_grade));
    g.set("share", pct(count, n));
    grades.push_back(std::move(g));
  }
  d.set("grades", grades);

  // Companies.
  const auto companies = ranked_rows(a.companies());
  const size_t max_company = companies.empty() ? 0 : companies.front().second->mails;
  TemplateList company_rows;
  for (size_t i = 0; i < companies.size() && i < kHtmlRows; ++i) {
    const CompanyStats& c = *companies[i].second;
    TemplateData row;
    row.set("name", companies[i].first);
    row.set("categories",
            top_names(c.categories, 2, [](const std::string& code) { return plain_category(code, Lang::kEn); }));
    row.set("bar", bar(c.mails, max_company));
    row.set("pixels", num(c.pixels));
    row.set("links", num(c.tracked_links));
    row.set("leaks", num(c.leaks));
    row.set("senders", top_names(c.senders, 5));
    row.set("trackers", top_names(c.trackers, 3));
    row.set("examples", examples(c.examples));
    company_rows.push_back(std::move(row));
  }
  d.set("companies", company_rows);
  d.set("companies_more", more_rows(companies.size()));

  // Sender domains.
  const auto senders = ranked_rows(a.senders());
  const size_t max_sender = senders.empty() ? 0 : senders.front().second->mails;
  TemplateList sender_rows;
  for (size_t i = 0; i < senders.size() && i < kHtmlRows; ++i) {
    const SenderStats& s = *senders[i].second;
    const std::string low_grade = grade_for(s.min_score);
    TemplateData row;
    row.set("name", senders[i].first);
    row.set("bar", bar(s.mails, max_sender));
    row.set("with_trackers", num(s.mails_with_trackers));
    row.set("with_trackers_share", pct(s.mails_with_trackers, s.mails));
    row.set("pixels", num(s.pixels));
    row.set("links", num(s.tracked_links));
    row.set("leaks", num(s.leaks));
    row.set("ga_hits", num(s.ga_hits));
    row.set("mean", mean(s.score_sum, s.mails));
    row.set("low_grade", low_grade);
    row.set("low_color", grade_color(low_grade));
    row.set("low_score", num(s.min_score));
    row.set("companies", top_names(s.companies, 4));
    auto link = evidence.find(senders[i].first);
    row.set("evidence", link == evidence.end() ? TemplateData(false) : TemplateData(link->second));
    sender_rows.push_back(std::move(row));
  }
  d.set("has_evidence", !evidence.empty());
  d.set("senders", sender_rows);
  d.set("senders_more", more_rows(senders.size()));

  // Leaks.
  std::vector<std::pair<std::string, const LeakStats*>> leaks;
  for (const auto& [k, v] : a.leak_table()) leaks.emplace_back(k, &v);
  std::stable_sort(leaks.begin(), leaks.end(),
                   [](const auto& x, const auto& y) { return x.second->mails > y.second->mails; });
  TemplateList leak_rows;
  for (size_t i = 0; i < leaks.size() && i < kHtmlRows; ++i) {
    const std::string& key = leaks[i].first;
    const size_t t1 = key.find('\t');
    const size_t t2 = key.find('\t', t1 == std::string::npos ? key.size() : t1 + 1);
    std::string address = key, encoding, company;
    if (t1 != std::string::npos && t2 != std::string::npos) {
      address = key.substr(0, t1);
      encoding = key.substr(t1 + 1, t2 - t1 - 1);
      company = key.substr(t2 + 1);
    }
    const LeakStats& l = *leaks[i].second;
    TemplateData row;
    row.set("address", address);
    const auto form = address_encoding_from_string(encoding);
    row.set("how", form ? plain_encoding(*form, Lang::kEn) : std::string("-"));
    row.set("encoding", encoding);
    row.set("company", company);
    row.set("occurrences", num(l.occurrences));
    row.set("mails", num(l.mails));
    row.set("places", top_names(l.places, 3));
    row.set("senders", top_names(l.senders, 4));
    row.set("examples", examples(l.examples));
    leak_rows.push_back(std::move(row));
  }
  d.set("has_leaks", !leaks.empty());
  d.set("leaks", leak_rows);
  d.set("leaks_more", more_rows(leaks.size()));

  // Google Analytics.
  GaStats total;
  std::vector<std::pair<std::string, const GaStats*>> ga;
  for (const auto& [k, g] : a.ga()) {
    ga.emplace_back(k, &g);
    total.mails += g.mails;
    total.hits += g.hits;
    total.no_aip += g.no_aip;
    total.no_npa += g.no_npa;
    total.user_id += g.user_id;
    total.client_id += g.client_id;
    total.ga4 += g.ga4;
    total.ad_features += g.ad_features;
  }
  std::stable_sort(ga.begin(), ga.end(), [](const auto& x, const auto& y) { return x.second->hits > y.second->hits; });
  TemplateList ga_rows;
  auto ga_row = [&](const std::string& name, const GaStats& g, bool is_total) {
    TemplateData row;
    row.set("name", name);
    row.set("total", is_total);
    row.set("mails", num(g.mails));
    row.set("hits", num(g.hits));
    row.set("no_aip", num(g.no_aip));
    row.set("no_npa", num(g.no_npa));
    row.set("user_id", num(g.user_id));
    row.set("client_id", num(g.client_id));
    row.set("ga4", num(g.ga4));
    row.set("ad_features", num(g.ad_features));
    row.set("properties", top_names(g.properties, 3));
    ga_rows.push_back(std::move(row));
  };
  for (size_t i = 0; i < ga.size() && i < kHtmlRows; ++i) ga_row(ga[i].first, *ga[i].second, false);
  if (!ga.empty()) ga_row("", total, true);
  d.set("has_ga", !ga.empty());
  d.set("ga", ga_rows);

  // Findings.
  TemplateList findings;
  for (const auto& [code, count] : a.findings().sorted()) {
    TemplateData row;
    const auto known = code_from_string<FindingCode>(code);
    row.set("label", known ? finding_label(*known, Lang::kEn) : code);
    row.set("code", code);
    row.set("count", num(count));
    findings.push_back(std::move(row));
  }
  d.set("findings", findings);

  // Unreadable inputs.
  if (a.errors() > 0) {
    TemplateData errors;
    errors.set("count", num(a.errors()));
    TemplateList list;
    for (const auto& [file, error] : a.error_examples()) {
      TemplateData e;
      e.set("file", file);
      e.set("error", error);
      list.push_back(std::move(e));
    }
    errors.set("examples", list);
    d.set("errors", errors);
  } else {
    d.set("errors", false);
  }
  return d;
}

void write_html_report(const ScanAggregate& a, const std::vector<std::string>& inputs, std::ostream& out,
                       const ReportVersions& versions, const EvidenceLinks& evidence) {
  render_template("report", report_data(a, inputs, versions, evidence), TemplateEscape::kHtml, out);
}

namespace {

class HtmlReportSink : public ScanSink {
 public:
  HtmlReportSink(std::ostream& out, std::vector<std::string> inputs, ReportVersions versions,
                 std::function<EvidenceLinks()> evidence_links)
      : out_(out),
        inputs_(std::move(inputs)),
        versions_(std::move(versions)),
        evidence_links_(std::move(evidence_links)) {}
  void on_message(const ScannedMessage& m) override { aggregate_.add(m); }
  void on_error(const std::string& file, const std::string& error) override { aggregate_.add_error(file, error); }
  void finish() override {
    write_html_report(aggregate_, inputs_, out_, versions_, evidence_links_ ? evidence_links_() : EvidenceLinks{});
    out_.flush();
  }

 private:
  std::ostream& out_;
  std::vector<std::string> inputs_;
  ReportVersions versions_;
  std::function<EvidenceLinks()> evidence_links_;
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
      std::string reasons = join_codes(e.reasons, ";"), encodings;
      if (e.outlook_only) reasons += std::string(reasons.empty() ? "" : ";") + "Outlook desktop only";
      std::vector<AddressEncoding> seen;
      for (const auto& l : e.leaks) {
        if (std::find(seen.begin(), seen.end(), l.encoding) != seen.end()) continue;
        seen.push_back(l.encoding);
        encodings += (encodings.empty() ? "" : ";") + to_string(l.encoding);
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
                                              masked_evidence_url(e)};
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

std::unique_ptr<ScanSink> make_html_report_sink(std::ostream& out, std::vector<std::string> inputs,
                                                ReportVersions versions,
                                                std::function<EvidenceLinks()> evidence_links) {
  return std::make_unique<HtmlReportSink>(out, std::move(inputs), std::move(versions), std::move(evidence_links));
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
