/// Small byte-string helpers shared by the mail and HTML readers: ASCII case folding, trimming, transfer decodings.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace mailveil {

/// ASCII-only lower-casing (bytes >= 0x80 are left alone).
std::string ascii_lower(std::string_view s);
/// Lower-cases one ASCII letter; other bytes unchanged.
inline char ascii_lower_char(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
/// True for space, tab, CR, LF, FF, VT.
inline bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}
/// Scans that test eight bytes at a step: the bytes of a word, read with memcpy, against every byte at once.
inline constexpr uint64_t kEachByte = 0x0101010101010101u;  ///< a byte's value times this: that byte eight times
inline constexpr uint64_t kEachHighBit = 0x8080808080808080u;
/// True when some byte of the word is below n (n <= 0x80). Exact: a borrow starts only at such a byte.
inline bool word_has_byte_below(uint64_t word, uint8_t n) {
  return ((word - n * kEachByte) & ~word & kEachHighBit) != 0;
}
/// True when some byte of the word is b.
inline bool word_has_byte(uint64_t word, uint8_t b) {
  return word_has_byte_below(word ^ (b * kEachByte), 1);
}
/// True when some byte of s passes a test given twice: `word_test` on each whole word of eight bytes (exact: true
/// only when one of its bytes passes), `byte_test` on each byte of the tail.
template <typename WordTest, typename ByteTest>
bool any_byte(std::string_view s, WordTest word_test, ByteTest byte_test) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (word_test(word)) return true;
  }
  for (; i < s.size(); ++i) {
    if (byte_test(static_cast<unsigned char>(s[i]))) return true;
  }
  return false;
}
/// True when some byte of s is below n (n <= 0x80).
bool has_byte_below(std::string_view s, uint8_t n);
/// The word with its ASCII capitals lower-cased, eight bytes at once; bytes >= 0x80 unchanged. Each byte's low
/// seven bits plus a constant sets that byte's high bit past 'A' and past 'Z', and never carries into the next.
inline uint64_t word_ascii_lower(uint64_t word) {
  const uint64_t low7 = word & ~kEachHighBit;
  const uint64_t from_a = low7 + (0x80 - 'A') * kEachByte;      // high bit: byte >= 'A'
  const uint64_t past_z = low7 + (0x80 - 'Z' - 1) * kEachByte;  // high bit: byte > 'Z'
  const uint64_t capital = from_a & ~past_z & ~word & kEachHighBit;
  return word | (capital >> 2);  // 0x80 >> 2 is 0x20, the case bit
}
/// Writes s lower-cased (ASCII) to out, which holds s.size() bytes: ascii_lower without an allocation.
inline void ascii_lower_into(std::string_view s, char* out) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    word = word_ascii_lower(word);
    std::memcpy(out + i, &word, 8);
  }
  for (; i < s.size(); ++i) out[i] = ascii_lower_char(s[i]);
}

/// A fixed set of words looked up by hash, for lists of more than a handful of names tested for every part of
/// every URL (a linear search of a hundred names was a hundred comparisons each time). The words are views of
/// string literals: they live as long as the program.
class WordSet {
 public:
  WordSet(std::initializer_list<std::string_view> words) : words_(words) {}
  bool contains(std::string_view word) const { return words_.count(word) > 0; }

 private:
  std::unordered_set<std::string_view> words_;
};

/// Case-insensitive (ASCII) equality.
bool iequals(std::string_view a, std::string_view b);
/// Case-insensitive (ASCII) prefix test.
bool istarts_with(std::string_view s, std::string_view prefix);
/// Case-insensitive (ASCII) search for `needle` from `from`; npos when absent.
size_t ifind(std::string_view haystack, std::string_view needle, size_t from = 0);
/// Strips ASCII whitespace at both ends.
std::string_view trim(std::string_view s);

/// Hash of std::string keys that also takes a std::string_view: with std::equal_to<>, an unordered map keyed by
/// std::string is searched with a view, without a copy.
struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

/// Splits `s` at every `sep`, keeping empty parts ("a..b" -> "a", "", "b"; "" -> one empty part); views into `s`.
std::vector<std::string_view> split_views(std::string_view s, char sep);
/// Value of each byte as a hex digit, or -1: one table lookup per byte, for every hex scan.
inline constexpr std::array<int8_t, 256> kHexValues = [] {
  std::array<int8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = c >= '0' && c <= '9'   ? static_cast<int8_t>(c - '0')
           : c >= 'a' && c <= 'f' ? static_cast<int8_t>(c - 'a' + 10)
           : c >= 'A' && c <= 'F' ? static_cast<int8_t>(c - 'A' + 10)
                                  : int8_t{-1};
  }
  return t;
}();
/// Value of a hex digit, or -1.
inline int hex_value(char c) {
  return kHexValues[static_cast<unsigned char>(c)];
}

/// Decodes base64 leniently: characters outside the alphabet are skipped, padding may be missing, and a `=`
/// ends one quantum so concatenated encoded blocks decode too.
std::string decode_base64(std::string_view in);
/// Decodes quoted-printable: soft line breaks (`=` before the line end, trailing blanks allowed), `=XX` in either
/// case; a broken escape is kept literally.
std::string decode_quoted_printable(std::string_view in);

/// Inflates a zlib stream (RFC 1950: Mailgun's "/c/eJx…" link payloads and tracking tokens). nullopt when `in`
/// does not start with a zlib header or yields nothing; output stops at `max_out` bytes, and a truncated stream
/// still yields what it holds (its first bytes carry the fields we read).
std::optional<std::string> inflate_zlib(std::string_view in, size_t max_out);

/// Appends the UTF-8 form of a code point (invalid ones become U+FFFD).
void append_utf8(std::string* out, uint32_t cp);

/// Decodes HTML character references (named, decimal, hex). With `in_attribute`, a named reference without `;`
/// followed by `=` or an alphanumeric is left as is, as browsers do (so `?a=1&copy=2` survives).
std::string decode_html_entities(std::string_view in, bool in_attribute);

}  // namespace mailveil
