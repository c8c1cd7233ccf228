/// URL patterns in Adblock Plus's plain grammar (literal text, `*`, the `^` separator, `|` and `||` anchors),
/// matched without RE2. abp_import converts every non-regex filter into this form and writes its RE2 spelling
/// to the user list; the compiled list (compiled_list.h) reads that spelling back here, so that imported filters
/// are matched by the token index and this matcher instead of by compiled regexes. A plain pattern and its RE2
/// spelling match exactly the same URLs (Latin-1 RE2 semantics), with one documented exception handled by the
/// caller: a URL that contains '\n' (never in a parsed URL) goes to RE2.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mailveil {

/// One plain pattern. `body` holds literal bytes (printable ASCII; lower-cased unless match_case), '*' for any
/// run of characters and '^' for a separator: one character outside [A-Za-z0-9_.%-], or the end of the URL.
struct PlainPattern {
  enum class Anchor : uint8_t {
    kNone,   ///< may match anywhere in the URL
    kStart,  ///< `|…`: at the start of the URL
    kHost,   ///< `||…`: at the start of the host or of one of its labels
  };
  Anchor anchor = Anchor::kNone;
  bool end_anchor = false;  ///< `…|`: at the end of the URL
  bool match_case = false;  ///< `$match-case`; otherwise ASCII letters match either case
  std::string body;

  bool operator==(const PlainPattern&) const = default;
};

/// An ABP URL pattern (the filter without `@@` and `$options`) as a plain pattern. Leading and trailing `*` that
/// add nothing are dropped, runs of `*` collapse.
PlainPattern plain_from_abp(std::string_view abp, bool match_case);

/// The RE2 spelling of a plain pattern: `(?i)` unless match_case, the anchor prefix, quoted literals, `.*` and
/// the separator group `(?:[^A-Za-z0-9_.%-]|$)`, `$` for the end anchor. This is what the user list stores.
std::string plain_pattern_to_re2(const PlainPattern& pattern);

/// The plain pattern an RE2 pattern spells, when it is spelt exactly as plain_pattern_to_re2 writes one and its
/// literals are printable ASCII; nullopt for anything else (a true regex).
std::optional<PlainPattern> parse_plain_pattern(std::string_view re2_pattern);

/// Flag bits of a plain pattern as stored in the compiled list.
inline constexpr uint8_t kPlainAnchorStart = 1;
inline constexpr uint8_t kPlainAnchorHost = 2;
inline constexpr uint8_t kPlainEndAnchor = 4;
inline constexpr uint8_t kPlainMatchCase = 8;
uint8_t plain_flags(const PlainPattern& pattern);
PlainPattern plain_from_flags(uint8_t flags, std::string_view body);

/// True when the pattern (as flags + body) matches `url`, the normalised URL the matcher sees, exactly as RE2
/// would search its RE2 spelling. `lowered` is `url` with ASCII letters lower-cased (the matcher computes it once
/// per URL). Precondition: `url` contains no '\n' (RE2's `.` stops there).
bool plain_match(uint8_t flags, std::string_view body, std::string_view url, std::string_view lowered);

/// plain_match for a pattern found through the token index, given where the URL's tokens start: `token_starts`
/// lists, in increasing order, the start of every URL token whose token_hash is `hash` (it may list others: each
/// place is checked). When the pattern's first piece holds a complete token of that hash, a match of that piece
/// puts it on one of those places, so only they are tried, instead of a search of the whole URL. nullopt when the
/// pattern is not of that shape (anchored, end-anchored single piece, or no such token in its first piece): the
/// caller then calls plain_match.
std::optional<bool> plain_match_at_token(uint8_t flags, std::string_view body, std::string_view url,
                                         std::string_view lowered, uint32_t hash,
                                         std::span<const uint32_t> token_starts);

/// Token characters: a URL's tokens are its maximal runs of [A-Za-z0-9%], compared in lower case. The table gives
/// each token character in lower case, and 0 for any other byte.
inline constexpr std::array<unsigned char, 256> kTokenChars = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '%') t[c] = static_cast<unsigned char>(c);
    if (c >= 'A' && c <= 'Z') t[c] = static_cast<unsigned char>(c - 'A' + 'a');
  }
  return t;
}();
inline bool is_token_char(unsigned char c) {
  return kTokenChars[c] != 0;
}

/// The pattern's complete tokens, lower-cased: runs of token characters that any matching URL must contain as
/// one of its own tokens, because the pattern bounds them on both sides (by a non-token literal, a separator,
/// or an anchor). A run touching `*` or an unanchored end is not complete.
std::vector<std::string> plain_tokens(const PlainPattern& pattern);

/// Hash of a token, case-insensitive (the token index's key), FNV-1a over its lower-cased bytes. Stable within
/// one build only. Code that walks a URL or a pattern hashes each token as it reads it, from kTokenHashSeed
/// through token_hash_step with each byte in lower case, and gets the same value.
inline constexpr uint32_t kTokenHashSeed = 2166136261u;
inline uint32_t token_hash_step(uint32_t h, unsigned char lowered) {
  return (h ^ lowered) * 16777619u;
}
inline uint32_t token_hash(std::string_view token) {
  uint32_t h = kTokenHashSeed;
  for (unsigned char c : token) {
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
    h = token_hash_step(h, c);
  }
  return h;
}

/// A coarse set of bytes in one word: each ASCII letter (either case), digit and common URL punctuation has a bit
/// of its own, and every other byte shares the last bit. A set made from a text holds the bit of each of its bytes.
inline constexpr std::string_view kOwnBitPunctuation = "%./:?=&_-[]@+,;~!$()*'#|";
inline constexpr std::array<uint64_t, 256> kByteBits = [] {
  static_assert(26 + 10 + kOwnBitPunctuation.size() < 64);
  std::array<uint64_t, 256> t{};
  const uint64_t other = uint64_t{1} << 63;
  for (auto& bits : t) bits = other;
  for (int c = 0; c < 26; ++c) t['a' + c] = t['A' + c] = uint64_t{1} << c;
  for (int c = 0; c < 10; ++c) t['0' + c] = uint64_t{1} << (26 + c);
  for (size_t i = 0; i < kOwnBitPunctuation.size(); ++i) {
    t[static_cast<unsigned char>(kOwnBitPunctuation[i])] = uint64_t{1} << (36 + i);
  }
  return t;
}();
/// The kByteBits set of s.
uint64_t byte_bits(std::string_view s);
/// Bytes that every URL the pattern matches holds: the kByteBits set of the body's literal bytes. A URL whose
/// byte_bits lack one of them is not matched: the matcher skips the pattern there without searching (for the
/// patterns with no token to index them by).
uint64_t plain_required_bits(std::string_view body);

}  // namespace mailveil
