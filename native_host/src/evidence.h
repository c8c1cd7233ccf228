/// Evidence packs (issue 13 §4): one self-contained HTML page about the tracking in one mail (protocol action
/// `evidence`) or in the mails of one sender domain (`mailveil-host scan --evidence DIR`), in English or French.
/// A pack holds the mails' date, sender, subject and Message-ID, each company and what it learns, the Google
/// Analytics findings, the masked evidence URLs, the host and list versions, and an editable letter to the
/// sender's data protection officer and the authority (ePrivacy Art. 5(3), GDPR Art. 6 and 13). Pages come from
/// templates/evidence_{en,fr}.mustache and letter_{en,fr}.mustache; nothing is fetched, no address is unmasked.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "classifier.h"
#include "explain.h"
#include "protocol.h"
#include "report.h"
#include "scan.h"

namespace mailveil {

/// Bounds of one pack: mails kept (those with the lowest scores), elements listed per mail, companies, Google
/// Analytics findings, characters of an evidence URL. The action uses the defaults; scan packs keep fewer.
struct EvidenceLimits {
  size_t mails = 10;
  size_t items = 200;
  size_t parties = 50;
  size_t ga = 50;
  size_t url = 600;
};
/// Message-IDs a pack remembers to recognise copies of a mail (8 bytes each).
inline constexpr size_t kMaxMessageIds = 4096;
/// The bounds `scan --evidence` uses per sender domain (memory stays bounded over any number of mails).
inline constexpr EvidenceLimits kScanEvidenceLimits{5, 30, 50, 50, 500};

/// What the mail's headers say, as the webmail or the file gives them; any may be empty.
struct MailHeaders {
  std::string date;
  std::string sender;
  std::string subject;
  std::string message_id;  ///< the Message-ID header, e.g. "<abc.123@mail.shop.example>"
};

/// The tracking found in the mails of one sender domain, gathered mail by mail in bounded memory.
class EvidencePack {
 public:
  EvidencePack(std::string sender_domain, Lang lang, EvidenceLimits limits = {});

  /// Adds one classified mail. A mail without any tracker or leak is left out unless `keep_without_tracking`
  /// (the action's single mail), and so is a copy of a mail already added (same Message-ID: one mail filed in
  /// several folders). `user_addresses` are the reader's, used to check that the Message-ID does not carry one
  /// of them.
  void add(const MailHeaders& headers, const EmailReport& report, const std::vector<std::string>& user_addresses,
           bool keep_without_tracking = false);

  /// True once an added mail contacts a tracker or leaks the address.
  bool has_tracking() const { return has_tracking_; }
  /// Mails added (those shown and those left out by the bounds).
  size_t mails() const { return mails_seen_; }
  /// True when an element is evidence: a tracker contacted on open, a tracked link, or an address leak.
  static bool is_evidence(const ElementResult& element);
  const std::string& sender_domain() const { return domain_; }

  /// The page: one self-contained HTML document (CSP default-src 'none'; its style and copy-button script allowed
  /// by their SHA-256 hashes only).
  std::string html(const ReportVersions& versions) const;
  /// File name for the page: "mailveil-evidence-<domain>[-<date>]-<lang>.html", characters outside
  /// [a-z0-9.-] replaced. `date` is "YYYY-MM-DD" or "".
  std::string filename(const std::string& date = {}) const;

 private:
  struct Item {
    std::string kind;
    std::string party;
    std::string action;
    std::string url;
    std::vector<std::string> leak;  ///< how the address travels, in words
  };
  struct Mail {
    std::string date, sender, subject;
    std::string message_id;  ///< checked: holds none of the reader's addresses ("" when unknown or withheld)
    bool message_id_withheld = false;
    std::string grade, reason;
    int score = 100;
    std::vector<Item> items;
    size_t items_omitted = 0;
  };
  struct Party {
    std::set<std::string> brands;
    std::string category;
    bool third_party = true;
    bool on_open = false, on_click = false, token = false;
    std::set<std::string> address;  ///< how the address reaches it, in words
    size_t mails = 0;
  };
  struct GaFact {
    std::string message, detail;
    size_t mails = 0;
  };

  std::string domain_;
  Lang lang_;
  EvidenceLimits limits_;
  size_t mails_seen_ = 0;
  std::unordered_set<size_t> message_ids_;  ///< hashes of the Message-IDs added, for the first kMaxMessageIds
  bool has_tracking_ = false;
  int worst_score_ = 100;
  std::vector<Mail> mails_;
  std::map<std::string, Party> parties_;  ///< by company
  size_t parties_omitted_ = 0;
  std::map<std::pair<std::string, std::string>, GaFact> ga_;  ///< by (code, detail)
};

/// An `evidence` request (docs/protocol.md): `lang` ("en" by default) and a classify `message` with optional
/// `subject`, `date` and `message_id_header` strings.
struct EvidenceRequest {
  Lang lang = Lang::kEn;
  Email email;
  MailHeaders headers;
};
std::optional<EvidenceRequest> parse_evidence_request(const Request& request, ProtocolError* error);
/// The same from a whole request body held as a DOM.
std::optional<EvidenceRequest> parse_evidence_request(const nlohmann::json& body, ProtocolError* error);

/// The action's result, {"html", "filename"}, sized so that the whole reply fits `max_bytes` (fewer elements
/// listed if it would not). nullopt when even the smallest page does not fit.
std::optional<nlohmann::json> evidence_result(const Engine& engine, const EvidenceRequest& request,
                                              const ReportVersions& versions, size_t max_bytes);

/// A scan sink that keeps one pack per sender domain and, at finish(), writes the packs that show tracking into
/// `dir` (created if missing). Failures to write are listed on `log`; failed() tells whether any happened.
class EvidenceSink : public ScanSink {
 public:
  EvidenceSink(std::string dir, Lang lang, ReportVersions versions, std::ostream& log);
  void on_message(const ScannedMessage& message) override;
  void on_error(const std::string&, const std::string&) override {}
  void finish() override;
  size_t written() const { return written_; }
  bool failed() const { return failed_; }
  /// After finish(): the file name written for each sender domain (sender_key), for the audit report's links.
  const EvidenceLinks& files() const { return files_; }

 private:
  std::string dir_;
  Lang lang_;
  ReportVersions versions_;
  std::ostream& log_;
  std::map<std::string, EvidencePack> packs_;
  size_t skipped_senders_ = 0;
  size_t written_ = 0;
  bool failed_ = false;
  EvidenceLinks files_;
};

}  // namespace mailveil
