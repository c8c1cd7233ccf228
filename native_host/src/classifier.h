/// Judges every element of an e-mail: signatures, heuristics, leaks, click redirects, evidence findings and
/// the score (docs/scoring.md). An Engine is immutable and shared; classify() is thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "codes.h"
#include "email.h"
#include "leak_detector.h"
#include "matcher.h"
#include "score.h"
#include "signature_list.h"

namespace mailveil {

inline constexpr size_t kMaxUrlLength = 16 * 1024;

enum class Verdict { kAllow, kBlock, kRewrite };
const char* to_string(Verdict verdict);

/// Who receives a request: a listed tracker, or a heuristic find named after its domain.
struct TrackerInfo {
  std::string id;  ///< tracker id, or "heuristic"
  std::string name;
  std::string company;
  std::string category;  ///< list category, or "unknown"
  std::string brand;     ///< the name people know ("Mailchimp (Intuit)"); the domain for heuristic finds
  bool empty() const { return id.empty(); }
};

/// A leak as reported: which address (masked), how encoded, where, to whom.
struct LeakReport {
  AddressEncoding encoding;
  std::string where;
  std::string address;  ///< masked, e.g. "j…@example.org"
  std::string company;
};

/// A fact worth showing the user or attaching to a complaint.
struct Finding {
  FindingCode code = FindingCode::kAddressLeak;
  Severity severity = Severity::kInfo;
  std::string company;
  std::string ref;      ///< element the finding is about, or "" for message-level ones
  std::string message;  ///< plain words for anyone (docs/scoring.md §5)
  std::string detail;   ///< the technical facts behind it (parameters, encodings, places in the URL), or ""
};

/// The verdict for one element.
struct ElementResult {
  std::string ref;
  ElementKind kind = ElementKind::kImg;
  std::string url;            ///< as received
  std::string unwrapped_url;  ///< after webmail unwrapping ("" when not a remote URL)
  std::string evidence_url;   ///< unwrapped URL with personal tokens masked (set for interesting elements)
  Verdict verdict = Verdict::kAllow;
  bool tracked = false;  ///< a link through a click tracker, rewritten or not
  bool third_party = false;
  std::vector<Signal> reasons;  ///< strings only where JSON or text is written (to_strings, join_codes)
  TrackerInfo tracker;
  std::string rewrite_url;
  std::vector<LeakReport> leaks;
  std::optional<ErrorCode> error_code;  ///< element-level error (ErrorCode::kUrlTooLong)
  bool outlook_only = false;            ///< from Outlook-only markup (Element::outlook_only): reported, tagged

  /// True when the element deserves full detail in replies (anything but a plain allowed element).
  bool interesting() const { return verdict != Verdict::kAllow || tracked || !leaks.empty() || !reasons.empty(); }
};

/// Message-level counts.
struct Summary {
  size_t elements = 0;
  size_t blocked = 0;
  size_t rewritten = 0;
  size_t tracker_pixels = 0;
  size_t tracked_links = 0;
  size_t leaks = 0;
  std::vector<std::string> companies;  ///< distinct third-party companies, sorted
};

/// Everything MailVeil has to say about one e-mail.
struct EmailReport {
  std::string message_id;
  std::vector<ElementResult> elements;
  std::vector<Finding> findings;
  Summary summary;
  Score score;
};

/// Builds now what the first message would otherwise build on first use: the public suffix list and the phrase
/// sets of the link heuristics (word_match.h; no regex). The host calls it on its start-up helper thread
/// (main.cpp); the signature list's own regexes are compiled by Engine::prepare or on first use.
void prepare_first_message();

/// A compiled signature list plus the classification logic.
class Engine {
 public:
  explicit Engine(std::shared_ptr<const CompiledList> list);
  /// Compiles `list` in memory first (tests, eval, scan --signatures).
  explicit Engine(const std::shared_ptr<const SignatureList>& list);
  /// With a user list imported from Adblock Plus syntax: consulted only when `list` finds nothing and no entry
  /// of `user_exceptions` (the imported `@@` rules) matches the URL (docs/updates.md).
  Engine(std::shared_ptr<const CompiledList> list, std::shared_ptr<const CompiledList> user_list,
         std::shared_ptr<const CompiledList> user_exceptions);

  /// Classifies a whole message. Elements are judged independently; the score and findings aggregate them.
  EmailReport classify(const Email& email) const;

  /// Compiles now what matching any URL needs (Matcher::compile_common of each list), so that the first message
  /// does not: the host runs it on a helper thread once the list is loaded. Thread-safe.
  void prepare() const;
  /// Compiles the rest of each list's patterns (Matcher::compile_all): the host buckets and gated regexes that a
  /// mail's own URLs would otherwise compile on first use (about 10 ms for the bundled list). The host runs it
  /// while it has no request to serve: `go_on` is asked before each pattern, and the next call resumes where a
  /// "no" stopped it. True when everything is compiled. Thread-safe.
  bool prepare_rest(const std::function<bool()>& go_on) const;

  const Matcher& matcher() const { return matcher_; }
  const CompiledList& list() const { return matcher_.list(); }
  /// Entries of the imported user list, 0 when none.
  size_t user_trackers() const { return user_ ? user_->list().size() : 0; }

  /// The signed list first, then the user list unless an exception covers the URL.
  SignatureMatch match(const Url& url, std::string_view normalized, bool for_link) const;

 private:
  /// The leak detector for these addresses. The last kDetectorsKept are kept, most recent first: the mails of one
  /// mailbox share a few sets of addresses (To, Cc, Delivered-To), and building a detector hashes and encodes each
  /// address some twenty ways.
  std::shared_ptr<const LeakDetector> detector_for(const std::vector<std::string>& addresses) const;
  static constexpr size_t kDetectorsKept = 8;

  Matcher matcher_;
  std::unique_ptr<Matcher> user_;
  std::unique_ptr<Matcher> user_exceptions_;
  mutable std::mutex detector_mutex_;
  mutable std::vector<std::pair<std::vector<std::string>, std::shared_ptr<const LeakDetector>>> detectors_;
};

}  // namespace mailveil
