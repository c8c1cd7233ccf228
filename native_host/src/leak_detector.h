/// Finds the reader's own e-mail address in a URL, in any of the encodings trackers use, and masks
/// personal tokens out of URLs for evidence.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "codes.h"
#include "needle_set.h"
#include "text_memo.h"
#include "url.h"

namespace mailveil {

/// The most addresses one detector watches (the reader's own addresses: the protocol refuses more, `scan` keeps
/// the first ones). Past this, the first ones are kept.
inline constexpr size_t kMaxUserAddresses = 100;
/// The longest address watched (RFC 5321: 254 bytes); longer ones are ignored.
inline constexpr size_t kMaxAddressLength = 254;

/// One occurrence of a user address in a URL.
struct Leak {
  AddressEncoding encoding;  ///< the form (LeakEncoding) and the base64 layers around it
  std::string where;         ///< "path", "query:<name>", "fragment", "host", "userinfo"
  size_t address_index = 0;  ///< index into the detector's addresses
};

/// Precomputes every encoding of the user's addresses once per message, then scans URLs. Building it and
/// scanning a URL cost time linear in the addresses' and the URL's length: the encodings are searched for all
/// at once (NeedleSet), not one after the other.
/// Bytes the base64 decoder may be handed per byte of a run of base64 characters in a URL, over all the blob
/// starts tried in it and the layers inside them, and the allowance every run gets whatever its length: the
/// search stays linear in the URL's length (a blob glued to 23 path segments before it would otherwise be
/// decoded 24 times, and each layer inside it 4 times more).
inline constexpr size_t kDecodeWorkPerByte = 4;
inline constexpr size_t kDecodeWorkFloor = 1024;

class LeakDetector {
 public:
  /// Invalid addresses are dropped, as are those longer than kMaxAddressLength and those past the first
  /// kMaxUserAddresses valid ones.
  explicit LeakDetector(const std::vector<std::string>& addresses);

  /// What a search cost (tests, benchmarks): bytes handed to the base64 decoder, over every blob start and layer.
  struct SearchCost {
    size_t decoded_bytes = 0;
  };

  /// Occurrences of any address in the URL, at most one per (encoding, where, address). The decoding of base64
  /// blobs is bounded per run of base64 characters (kDecodeWorkPerByte times its length, plus
  /// kDecodeWorkFloor), so the cost is linear in the URL's length whatever its shape; `cost`, when given, is
  /// added what this search cost.
  std::vector<Leak> find(const Url& url, SearchCost* cost = nullptr) const;
  /// The URL with every address encoding replaced by "[email]" / "[email:<encoding>]" (in every part: host,
  /// userinfo, path, query, fragment) and opaque per-recipient tokens in query values and path segments
  /// replaced by "[token]". The result never holds anything find() would report: a part whose leak is in an
  /// encoding only the decoder sees (escaped letters, say) is replaced whole by "[email]".
  std::string mask(const Url& url) const { return mask(url, find(url)); }
  /// As above, when the caller already ran find().
  std::string mask(const Url& url, const std::vector<Leak>& found) const;
  /// A host with the labels that carry an address masked ("[email:md5].t.example"); the whole host becomes
  /// "[email]" when the address spans labels in a form that cannot be cut out.
  std::string mask_host(std::string_view host) const;
  /// True when find() would report a leak in this URL part (a path, a query key or value, a host...).
  bool has_leak(std::string_view part) const;
  /// Normalised (trimmed, lower-cased) addresses, in order; invalid ones dropped.
  const std::vector<std::string>& addresses() const { return addresses_; }
  bool empty() const { return addresses_.empty(); }

  /// While a MessageScope of this detector lives on a thread, the searches of this detector on that thread
  /// (find, has_leak, mask) keep what they found in each distinct URL part, and search it once: one message's
  /// links often repeat the recipient's token. SearchCost then counts the first search of each part only.
  struct PieceMemo {
    explicit PieceMemo(const LeakDetector* d) : detector(d) {}
    const LeakDetector* detector;
    TextMemo<std::vector<Leak>> pieces;  ///< the leaks found in a part, before they are named
    TextMemo<std::string> masked;        ///< mask_part of a part of kMaskMemoFrom bytes or more
  };
  /// Parts shorter than this are masked again each time: their search costs less than finding them in the memo.
  static constexpr size_t kMaskMemoFrom = 32;
  using MessageScope = MemoScope<LeakDetector, PieceMemo>;

 private:
  /// One searched form of one address; a NeedleSet tag is an index into variants_.
  struct Variant {
    LeakEncoding encoding;
    size_t address = 0;
    bool aligned = false;  ///< embedded_: the form the address takes at the start of a blob
  };
  /// Appends leaks found in one decoded URL component.
  /// The decoding budget of the base64 run being opened (shared by the layers inside it), and the running cost.
  struct Decoding {
    size_t* left = nullptr;  ///< bytes the current depth-0 run may still decode; null outside a run
    SearchCost cost;
  };
  /// Scans one component; `where` is only built when something is found.
  void scan_piece(std::string_view raw, std::string_view where, std::string_view key, std::vector<Leak>* out,
                  Decoding* decoding) const;
  /// Searches one decoded text: the address, its hex and digests, its base64 forms anywhere (one pass each, over
  /// every address), then inside the base64 blobs of the text, down to kMaxNesting layers (`depth` counts the
  /// layers already opened).
  void scan_decoded(std::string_view text, bool raw_had_at, std::vector<Leak>* out, int depth,
                    Decoding* decoding) const;
  /// The bytes of one decoded blob, with their percent- and JSON-escapes undone; renames what it finds.
  void scan_inside(std::string_view decoded, std::vector<Leak>* out, int depth, Decoding* decoding) const;
  /// Every literal address form in `raw` replaced; longest first where forms overlap.
  std::string mask_text(std::string_view raw) const;
  /// mask_text of one URL part (path, query key or value), kept in the MessageScope's memo when one is open.
  std::string mask_part(std::string_view raw) const;
  /// Replaces the parts of `masked` in which has_leak() still finds something.
  void hide_remaining_leaks(Url* masked) const;
  void add_variant(NeedleSet* set, const std::string& text, LeakEncoding encoding, size_t address,
                   bool aligned = false);
  /// The parts of the base64 of `bytes` that do not depend on the bytes around it, at each of the three offsets
  /// a base64 quantum can give it, into embedded_.
  void add_embedded_needles(std::string_view bytes, LeakEncoding encoding, size_t address);
  void add_mask_needle(NeedleSet* set, const std::string& text, const std::string& replacement);
  /// Builds the mask sets from mask_needles_ on first use: only a URL with a leak is masked, and they hold most of
  /// the detector's needles (every base64 form with each padding), so a message without leaks never pays for them.
  void build_masks() const;

  std::vector<std::string> addresses_;
  std::vector<Variant> variants_;
  NeedleSet plain_{true};    ///< the addresses: searched in decoded text that has an '@'
  NeedleSet hex_{true};      ///< digests and hex of the addresses: searched in hex runs
  NeedleSet base64_{false};  ///< base64 forms: searched in base64 runs, case-sensitive
  /// The base64 of the address (three case forms) and of its digests anywhere inside a longer blob, at each of
  /// the three offsets: searched in base64 runs, case-sensitive.
  NeedleSet embedded_{false};
  /// Every literal to hide in evidence; a tag indexes mask_replacements_ ("[email]", "[email:sha256]"). Built by
  /// build_masks(), from mask_needles_, the first time a URL is masked (the detector is shared between threads).
  struct MaskNeedle {
    bool exact;  ///< mask_exact_, or mask_folded_
    std::string text;
    uint32_t tag;
  };
  mutable std::vector<MaskNeedle> mask_needles_;
  mutable std::once_flag masks_built_;
  mutable NeedleSet mask_folded_{true};  ///< plain, percent-encoded and hex forms
  mutable NeedleSet mask_exact_{false};  ///< base64 forms, with their padding raw or percent-encoded
  std::vector<std::string> mask_replacements_;
};

/// True for a value that looks like a per-recipient identifier: a UUID, 10+ digits, 16+ hex characters, or
/// 16+ characters mixing letters and digits. Words, dates and short ids are not tokens.
bool looks_like_personal_token(std::string_view value);

/// While a PersonalTokenScope lives on a thread, looks_like_personal_token on that thread keeps its answer for
/// each value of kPersonalTokenMemoFrom bytes or more: a newsletter writes one long token into many of its links,
/// and counting its characters costs more than finding it again. Shorter values are counted each time.
inline constexpr size_t kPersonalTokenMemoFrom = 64;
struct PersonalTokenMemo : TextMemo<bool> {};
using PersonalTokenScope = MemoScope<PersonalTokenMemo, PersonalTokenMemo>;

/// "john.doe@example.org" -> "j…@example.org", for logs and reports.
std::string mask_address(std::string_view address);

}  // namespace mailveil
