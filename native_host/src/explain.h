/// Plain words for what the classifier found: finding messages (plain) and details (technical), the one-sentence
/// reason for a grade, and the words the report and the evidence pack use for codes (kinds, categories,
/// encodings). English for the protocol; English and French for the evidence pack (docs/scoring.md §5, §7).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "classifier.h"

namespace mailveil {

/// Languages of the texts written for people.
enum class Lang { kEn, kFr };
/// "en" / "fr"; nullopt otherwise.
std::optional<Lang> lang_from_string(std::string_view s);
const char* to_string(Lang lang);

/// A finding's two texts: `message` for anyone, `detail` for whoever checks it.
struct Wording {
  std::string message;
  std::string detail;
};

/// The element kind in plain words ("css-background" -> "background image").
std::string plain_kind(ElementKind kind, Lang lang);
/// The signature category in plain words ("esp" -> "e-mail sending service"); "unknown" -> unlisted tracker.
std::string plain_category(std::string_view category, Lang lang);
/// How the address travels, in plain words (kSha256 -> "as a SHA-256 hash", kPlain -> "in plain text"; each
/// base64 layer adds ", inside encoded data").
std::string plain_encoding(AddressEncoding encoding, Lang lang);
/// What a finding code means, as a short label for tables and legends (kGaIpNotAnonymised ->
/// "Google Analytics receives the full IP address").
std::string finding_label(FindingCode code, Lang lang);

/// An address leak: `receiver` is the name shown for whoever gets it (a brand, or a domain).
Wording address_leak_wording(const LeakReport& leak, std::string_view receiver, bool on_open, Lang lang);
/// A Google Analytics finding (ga_evidence.h): `property` is the tid ("" when absent), `key` the parameter that
/// carries the identifier (ga-user-id).
Wording ga_wording(FindingCode code, std::string_view property, std::string_view key, Lang lang);

/// The name people know for each third-party company of the report (Summary::companies, same order): the brand
/// of its trackers when they all share one, else the company's name.
std::vector<std::string> company_brands(const EmailReport& report);

/// Message-level findings once elements and summary are final: tracker-pixels, tracked-links, third-parties.
std::vector<Finding> message_findings(const EmailReport& report, Lang lang = Lang::kEn);

/// Why the mail has its grade: the most serious fact found, as a stable code with its count and companies, and
/// a sentence ("F: 2 companies get your e-mail address when you open this mail"). Needs elements, summary and
/// score.grade final. Codes, by priority: address-leak-open, address-leak-click, sender-address-leak,
/// tracking-pixels, tracked-links, sender-tracking-pixels, sender-tracked-links, no-tracking.
ScoreReason score_reason(const EmailReport& report, Lang lang = Lang::kEn);
/// The sentence for a reason in another language (same code, count and grade); without `with_grade`, the
/// sentence alone, capitalised ("1 company gets your e-mail address when you open this mail").
std::string reason_text(const ScoreReason& reason, std::string_view grade, Lang lang, bool with_grade = true);

}  // namespace mailveil
