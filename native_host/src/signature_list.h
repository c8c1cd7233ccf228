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

/// The brand of an entry that does not give one: the name, followed by the company in parentheses unless the
/// name already holds it ("Mandrill" of "Intuit" -> "Mandrill (Intuit)"); kUnknownCompany for such entries.
std::string default_brand(std::string_view name, std::string_view company);

/// Known categories, in display order.
const std::vector<std::string>& tracker_categories();

}  // namespace mailveil
