/// Converting text in a declared charset to UTF-8 (glibc iconv for the uncommon ones) and repairing bad UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailveil {

/// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// Copies `s`, replacing every ill-formed UTF-8 sequence by U+FFFD. The result is always valid UTF-8.
std::string repair_utf8(std::string_view s);

/// Decodes windows-1252 bytes (bytes undefined in 1252 map to the C1 control of the same value, as browsers do).
std::string windows1252_to_utf8(std::string_view s);

/// The Unicode code point of a windows-1252 byte.
uint32_t windows1252_code_point(unsigned char b);

/// Converts `bytes` labelled with `charset` to UTF-8. Labels are matched case-insensitively with common aliases
/// (utf8, latin1 and iso-8859-1 -> windows-1252 as browsers do, gb2312 -> GB18030, ks_c_5601-1987 -> CP949,
/// shift_jis -> CP932); other labels go to glibc iconv. Fallbacks: declared UTF-8 with bad bytes gets U+FFFD;
/// us-ascii or an empty label keeps valid UTF-8 and reads anything else as windows-1252; a label iconv does not
/// know is read as windows-1252. Never throws; the result is always valid UTF-8.
std::string to_utf8(std::string_view bytes, std::string_view charset);
/// The same for bytes the caller gives up: bytes that need no conversion are returned without a copy (a decoded
/// body of several megabytes is otherwise copied once more, onto fresh pages).
std::string to_utf8(std::string&& bytes, std::string_view charset);
inline std::string to_utf8(const char* bytes, std::string_view charset) {
  return to_utf8(std::string_view(bytes), charset);
}

}  // namespace mailveil
