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
/// (utf8, latin1, cp1252, gb2312 -> GB18030, ks_c_5601-1987 -> CP949, ...). An empty or unknown label, or a
/// label that is us-ascii/UTF-8 while the bytes are not, falls back to windows-1252 (or U+FFFD repair for
/// declared UTF-8). Never throws; the result is always valid UTF-8.
std::string to_utf8(std::string_view bytes, std::string_view charset);

}  // namespace mailveil
