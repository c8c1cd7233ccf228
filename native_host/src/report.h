/// Audit reports of `scan`: streaming aggregation per sender domain and per company, the HTML report and the CSV.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "scan.h"

namespace mailveil {

/// Distinct keys (sender domains, companies, leak kinds, ...) a table keeps; later keys fold into kOtherKey.
inline constexpr size_t kMaxReportKeys = 1000;
/// Distinct names a bounded sub-count keeps (companies of one sender, senders of one company, ...).
inline constexpr size_t kMaxReportSubKeys = 50;
/// Example evidence URLs kept per row.
inline constexpr size_t kMaxReportExamples = 3;
/// Unreadable inputs listed by name (all are counted).
inline constexpr size_t kMaxReportErrors = 20;
/// Row that receives whatever no longer fits in a bounded table.
inline constexpr const char* kOtherKey = "(other)";

/// Replaces every e-mail address found in free text (with `@` or a percent-encoded `%40`) by its masked form
/// (`mask_address`): nothing personal leaves a report even when it sits outside the reader's known addresses
/// (a URL carrying someone else's address, a query key that is an address). Errs on the side of masking: any
/// `x@yz` shape counts, with or without a dot in the domain.
std::string mask_addresses_in_text(std::string_view text);

/// `s` cut to at most `max` bytes (never inside a UTF-8 sequence) with an ellipsis appended when cut.
std::string shorten_text(std::string s, size_t max);

/// The evidence URL of an element as reports show it: the classifier's masked URL (else the URL with every
/// address masked), at most 2 KiB; an element refused for its length reads "[url_too_long: N bytes]".
std::string masked_evidence_url(const ElementResult& element);

/// Counts per name with a bound on distinct names: once `limit` names are held, new ones go to kOtherKey.
class BoundedCounter {
 public:
  explicit BoundedCounter(size_t limit = kMaxReportSubKeys) : limit_(limit) {}
  /// Adds n to the name's count.
  void add(const std::string& name, size_t n = 1);
  /// Names with their counts, largest first (ties by name).
  std::vector<std::pair<std::string, size_t>> sorted() const;
  /// Distinct names held (kOtherKey included when used).
  size_t distinct() const { return counts_.size(); }
  /// True once some name was folded into kOtherKey.
  bool overflowed() const { return overflowed_; }
  /// Count of one name (0 when absent).
  size_t count(const std::string& name) const;

 private:
  size_t limit_;
  bool overflowed_ = false;
  std::map<std::string, size_t> counts_;
};

/// Per sender domain (registrable domain of the From address).
struct SenderStats {
  size_t mails = 0;
  size_t mails_with_trackers = 0;  ///< at least one blocked element or tracked link
  size_t pixels = 0;               ///< blocked tracking pixels (Summary::tracker_pixels)
  size_t tracked_links = 0;
  size_t leaks = 0;
  size_t ga_hits = 0;
  long long score_sum = 0;
  int min_score = 100;
  BoundedCounter companies;  ///< third-party companies, by mails
};

/// Per tracking company (signature `company`, or the registrable domain of a heuristic find).
struct CompanyStats {
  size_t mails = 0;  ///< mails in which the company is contacted or tracks a link
  size_t pixels = 0;
  size_t tracked_links = 0;
  size_t leaks = 0;  ///< address leaks it receives
  BoundedCounter categories;
  BoundedCounter trackers;            ///< tracker names
  BoundedCounter senders;             ///< sender domains, by mails
  std::vector<std::string> examples;  ///< masked evidence URLs
};

/// Per (masked address, encoding, receiving company).
struct LeakStats {
  size_t occurrences = 0;
  size_t mails = 0;
  BoundedCounter senders;
  BoundedCounter places;  ///< "query:<name>", "path", ...
  std::vector<std::string> examples;
};

/// Per sender domain: Google Analytics hits and what they reveal (docs/scoring.md §5).
struct GaStats {
  size_t mails = 0;
  size_t hits = 0;
  size_t no_aip = 0;  ///< ga-ip-not-anonymised
  size_t no_npa = 0;  ///< ga-ads-personalisation
  size_t user_id = 0;
  size_t client_id = 0;
  size_t ga4 = 0;
  size_t ad_features = 0;
  BoundedCounter properties;  ///< tid values (UA-…, G-…)
};

/// Everything a report shows, built message by message in bounded memory: counts per key and a few examples,
/// never the messages themselves.
class ScanAggregate {
 public:
  /// Adds one scanned message.
  void add(const ScannedMessage& message);
  /// Records an unreadable input.
  void add_error(const std::string& file, const std::string& error);

  /// Totals over all messages: mails, mails with trackers / a pixel / a leak / a GA hit, element counts, errors.
  size_t messages() const { return messages_; }
  size_t messages_with_trackers() const { return with_trackers_; }
  size_t messages_with_pixels() const { return with_pixels_; }
  size_t messages_with_leaks() const { return with_leaks_; }
  size_t messages_with_ga() const { return with_ga_; }
  size_t pixels() const { return pixels_; }
  size_t tracked_links() const { return tracked_links_; }
  size_t leaks() const { return leaks_; }
  size_t errors() const { return errors_; }
  long long score_sum() const { return score_sum_; }
  /// Mails per score bucket: [0] = 0-9, ..., [9] = 90-99, [10] = 100.
  const std::array<size_t, 11>& score_buckets() const { return score_buckets_; }
  /// Mails per grade, A to F.
  const std::map<std::string, size_t>& grades() const { return grades_; }
  /// Rows per sender domain (sender_key), per company, per leak kind and per sender domain with GA hits.
  const std::map<std::string, SenderStats>& senders() const { return senders_; }
  const std::map<std::string, CompanyStats>& companies() const { return companies_; }
  /// Keyed by masked address, encoding and company joined with '\t'.
  const std::map<std::string, LeakStats>& leak_table() const { return leak_table_; }
  const std::map<std::string, GaStats>& ga() const { return ga_; }
  /// Finding codes over all mails (mails carrying each code).
  const BoundedCounter& findings() const { return findings_; }
  /// The first kMaxReportErrors unreadable inputs, with their errors.
  const std::vector<std::pair<std::string, std::string>>& error_examples() const { return error_examples_; }

 private:
  template <typename T>
  T& row(std::map<std::string, T>* table, const std::string& key);

  size_t messages_ = 0;
  size_t with_trackers_ = 0;
  size_t with_pixels_ = 0;
  size_t with_leaks_ = 0;
  size_t with_ga_ = 0;
  size_t pixels_ = 0;
  size_t tracked_links_ = 0;
  size_t leaks_ = 0;
  size_t errors_ = 0;
  long long score_sum_ = 0;
  std::array<size_t, 11> score_buckets_{};
  std::map<std::string, size_t> grades_;
  std::map<std::string, SenderStats> senders_;
  std::map<std::string, CompanyStats> companies_;
  std::map<std::string, LeakStats> leak_table_;
  std::map<std::string, GaStats> ga_;
  BoundedCounter findings_{kMaxReportKeys};
  std::vector<std::pair<std::string, std::string>> error_examples_;
};

/// Sender domain used as a report key: the registrable domain of the From address, or "(unknown)".
std::string sender_key(const std::string& sender);

/// What a report or an evidence pack states about the tools that produced it.
struct ReportVersions {
  std::string host = MAILVEIL_VERSION;
  long long list_version = 0;  ///< signature list
  std::string list_published;  ///< its publication date
  std::string psl;             ///< Public Suffix List version, "" when the host does not know it
};

/// By sender domain (sender_key): a link to that sender's evidence pack (evidence.h), as written into the
/// report (a URL relative to the report's own file).
using EvidenceLinks = std::map<std::string, std::string>;

/// Writes the aggregate as one self-contained HTML page (templates/report.mustache: inline CSS and SVG, no
/// script, no remote resource), in sections: overview, grades (legend from kGradeBands), companies, senders,
/// leaks, Google Analytics, findings, unreadable inputs, versions. `inputs` are listed in the header; every text
/// goes through mask_addresses_in_text and HTML escaping. With `evidence`, each sender row of a sender that has
/// an evidence pack links to it (the per-sender export of issue 13).
void write_html_report(const ScanAggregate& aggregate, const std::vector<std::string>& inputs, std::ostream& out,
                       const ReportVersions& versions = {}, const EvidenceLinks& evidence = {});

/// Aggregates messages and writes the HTML report at finish(). `evidence_links`, when given, is asked at finish()
/// for the packs written (so the evidence sink must finish first).
std::unique_ptr<ScanSink> make_html_report_sink(std::ostream& out, std::vector<std::string> inputs,
                                                ReportVersions versions = {},
                                                std::function<EvidenceLinks()> evidence_links = {});

/// The CSV header line's columns, in order.
const std::vector<std::string>& csv_columns();

/// One CSV row (RFC 4180 quoting, LF line ends) per blocked, rewritten, tracked or leaking element, written as
/// messages arrive. Unreadable inputs are not rows (the table, JSON and HTML outputs list them).
std::unique_ptr<ScanSink> make_csv_sink(std::ostream& out);

/// Forwards every call to each sink, in order (one scan feeding the table, the report and the CSV). The sinks
/// are not owned and must outlive it.
std::unique_ptr<ScanSink> make_tee_sink(std::vector<ScanSink*> sinks);

}  // namespace mailveil
