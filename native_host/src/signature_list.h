/// Loading and validating the tracker signature list (docs/signatures.md).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace mailveil {

inline constexpr int kSignatureFormatVersion = 1;
inline constexpr size_t kMaxPatternLength = 512;
/// The company of an entry that describes a shape used by many operators; findings name the URL's registrable
/// domain instead.
inline constexpr std::string_view kUnknownCompany = "Unknown";

/// One tracker entry.
struct Tracker {
  std::string id;
  std::string name;
  std::string company;
  std::string brand;  ///< the name people know, e.g. "Mailchimp (Intuit)"; derived from name and company when absent
  std::string category;
  std::vector<std::string> domains;
  std::vector<std::string> hosts;
  std::vector<std::string> patterns;
  bool applies_to_pixel = true;
  bool applies_to_link = true;
  std::vector<std::string> redirect_params;
  bool check_google_analytics = false;
};

/// A problem with one entry: its index in `trackers` and why it was skipped.
struct EntryError {
  size_t index = 0;
  std::string id;  ///< may be empty when the entry had none
  std::string reason;
};

/// A loaded, validated list. Immutable once built; shared between threads via shared_ptr<const>.
struct SignatureList {
  int format_version = kSignatureFormatVersion;
  int64_t list_version = 0;
  std::string published;
  std::string expires;  ///< "YYYY-MM-DD": past this day the list is flagged as out of date; "" when absent
  std::vector<Tracker> trackers;
  std::vector<EntryError> skipped;  ///< entries rejected at load
};

/// How much work goes into checking each pattern.
enum class PatternCheck {
  kCompile,   ///< compile every pattern on its own (budgeted): for untrusted input such as a downloaded update
  kParse,     ///< parse only (syntax, unsupported constructs, repetition limits): for the list shipped with the
              ///< binary (or named by $MAILVEIL_SIGNATURES), whose bad entries are reported with their index; a
              ///< pattern that parses but cannot be compiled is still left out by the Matcher (set_errors)
  kDeferred,  ///< length only: for a list checked before it was stored: a verified update (kCompile before install,
              ///< signature checked again on reading it), or a user list written by the importer (its
              ///< patterns compile by construction; /regex/ filters were compiled at import).
              ///< The Matcher parses each pattern when it compiles its set and leaves out any that fails
              ///< (Matcher::set_errors), so a bad pattern costs only itself
};

/// Parses and validates a list from JSON text. Returns nullptr and sets *err when the file as a whole is
/// unusable (not JSON, wrong format_version, no trackers array). Bad entries are recorded in `skipped`.
std::shared_ptr<SignatureList> parse_signature_list(std::string_view json_text, std::string* err,
                                                    PatternCheck check = PatternCheck::kCompile);

/// As above, from a document already parsed (the user list reads its extra fields from the same parse).
std::shared_ptr<SignatureList> parse_signature_document(const nlohmann::json& doc, std::string* err,
                                                        PatternCheck check = PatternCheck::kCompile);

/// Reads a file and parses it as above.
std::shared_ptr<SignatureList> load_signature_list(const std::string& path, std::string* err,
                                                   PatternCheck check = PatternCheck::kCompile);

/// A list without `expires` (older lists) is taken to expire this many days after `published`.
inline constexpr int64_t kDefaultListLifetimeDays = 90;

/// Days since 1970-01-01 of a "YYYY-MM-DD" date (a real calendar day); false for anything else.
bool parse_iso_date(std::string_view text, int64_t* days);
/// "YYYY-MM-DD" of a day count since 1970-01-01.
std::string format_iso_date(int64_t days);
/// Today (UTC) in days since 1970-01-01.
int64_t today_utc_days();

/// How out of date a list is: the defence against a freeze attack, where an attacker keeps serving the last
/// list forever so that new trackers are never blocked (docs/updates.md). The list stays usable; the host and
/// the extension flag it.
struct ListFreshness {
  int64_t age_days = -1;      ///< days since `published`; -1 when it has no valid date
  std::string expires;        ///< the list's `expires`, or `published` + kDefaultListLifetimeDays; "" if unknown
  bool expired = false;       ///< today is after `expires`
  int64_t days_past_due = 0;  ///< days since `expires` when expired
  /// "" while fresh; otherwise a sentence such as "the signature list is 98 days old: it expired on 2027-02-21
  /// (8 days ago)".
  std::string note;
};
ListFreshness list_freshness(const SignatureList& list, int64_t today_days);
/// The same from the list's fields (a compiled list keeps them too).
ListFreshness list_freshness(int64_t list_version, std::string_view published, std::string_view expires,
                             int64_t today_days);

/// The brand of an entry that does not give one: the name, followed by the company in parentheses unless the
/// name already holds it ("Mandrill" of "Intuit" -> "Mandrill (Intuit)"); kUnknownCompany for such entries.
std::string default_brand(std::string_view name, std::string_view company);

/// Known categories, in display order.
const std::vector<std::string>& tracker_categories();

}  // namespace mailveil
