/// Finds the reader's own e-mail address in a URL, in any of the encodings trackers use, and masks
/// personal tokens out of URLs for evidence.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "url.h"

namespace mailveil {

/// One occurrence of a user address in a URL.
struct Leak {
  std::string encoding;      ///< "plain", "url-encoded", "base64", "base64url", "hex", "md5", "sha1", "sha224",
                             ///< "sha256", "sha384", "sha512", "md5-base64", "sha1-base64", "sha256-base64",
                             ///< "base64-embedded" (inside a base64 blob, e.g. encoded JSON)
  std::string where;         ///< "path", "query:<name>", "fragment", "host", "userinfo"
  size_t address_index = 0;  ///< index into the detector's addresses
};

/// Precomputes every encoding of the user's addresses once per message, then scans URLs.
class LeakDetector {
 public:
  explicit LeakDetector(const std::vector<std::string>& addresses);

  /// Occurrences of any address in the URL, at most one per (encoding, where, address).
  std::vector<Leak> find(const Url& url) const;
  /// The URL with every address encoding replaced by "[email]" / "[email:<encoding>]" and opaque per-recipient
  /// tokens in query values and path segments replaced by "[token]".
  std::string mask(const Url& url) const { return mask(url, find(url)); }
  /// As above, when the caller already ran find(): address encodings are only searched for when `found` is
  /// not empty, which keeps masking cheap for the common, leak-free URL.
  std::string mask(const Url& url, const std::vector<Leak>& found) const;
  /// Normalised (trimmed, lower-cased) addresses, in order; invalid ones dropped.
  const std::vector<std::string>& addresses() const { return addresses_; }
  bool empty() const { return addresses_.empty(); }

 private:
  struct Variant {
    std::string text;  ///< lower-cased when case_insensitive
    std::string encoding;
    size_t address = 0;
    bool case_insensitive = false;
  };
  /// Appends leaks found in one decoded URL component.
  /// Scans one component; `where` is only built when something is found.
  void scan_piece(std::string_view raw, std::string_view where, std::string_view key, std::vector<Leak>* out) const;
  /// Searches one decoded text: the address, its hex and digests, its base64 forms anywhere, then inside the
  /// base64 blobs of the text, down to kMaxNesting layers (`depth` counts the layers already opened).
  void scan_decoded(std::string_view text, bool raw_had_at, std::vector<Leak>* out, int depth) const;
  /// The bytes of one decoded blob, with their percent- and JSON-escapes undone; renames what it finds.
  void scan_inside(std::string_view decoded, std::vector<Leak>* out, int depth) const;
  void add_embedded_needles(std::string_view bytes, const std::string& encoding, size_t address);
  std::string mask_text(std::string_view raw, bool leaky) const;

  std::vector<std::string> addresses_;
  std::vector<Variant> hex_variants_;     ///< digests and hex of the address: searched in hex runs
  std::vector<Variant> base64_variants_;  ///< base64 forms: searched in base64 runs, case-sensitive
  struct Needle {
    std::string text;
    std::string encoding;
    size_t address = 0;
    bool aligned = false;  ///< the form the address takes at the start of a blob
  };
  /// The parts of the base64 of the address (three case forms) and of its digests that do not depend on the
  /// bytes around it, at each of the three offsets.
  std::vector<Needle> embedded_needles_;
  /// Every literal to hide in evidence, with its replacement ("[email]", "[email:sha256]"), longest first.
  struct MaskNeedle {
    std::string text;  ///< lower-cased when case_insensitive
    std::string replacement;
    bool case_insensitive = false;
  };
  std::vector<MaskNeedle> mask_needles_;
};

/// True for a value that looks like a per-recipient identifier: a UUID, 10+ digits, 16+ hex characters, or
/// 16+ characters mixing letters and digits. Words, dates and short ids are not tokens.
bool looks_like_personal_token(std::string_view value);

/// "john.doe@example.org" -> "j…@example.org", for logs and reports.
std::string mask_address(std::string_view address);

}  // namespace mailveil
