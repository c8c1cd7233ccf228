#include "json_writer.h"

#include <cstdint>
#include <nlohmann/json.hpp>

#include "charset.h"   // is_valid_utf8
#include "protocol.h"  // dump_json
#include "text_util.h"

namespace mailveil {

namespace {

/// True when every byte of s is printable ASCII other than '"' and '\\': the string is its own JSON text. Eight
/// bytes at a step (a reply is mostly URLs).
bool is_plain_ascii(std::string_view s) {
  return !any_byte(
      s,
      [](uint64_t word) {
        return (word & kEachHighBit) != 0 || word_has_byte_below(word, 0x20) || word_has_byte(word, '"') ||
               word_has_byte(word, '\\');
      },
      [](unsigned char c) { return c < 0x20 || c >= 0x80 || c == '"' || c == '\\'; });
}

}  // namespace

void append_json_string(std::string* out, std::string_view s) {
  bool plain = is_plain_ascii(s);
  if (!plain) {
    plain = true;
    for (char c : s) {
      if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') {
        plain = false;
        break;
      }
    }
    plain = plain && is_valid_utf8(s);
  }
  if (plain) {
    out->push_back('"');
    out->append(s);
    out->push_back('"');
  } else {
    out->append(dump_json(nlohmann::json(s)));
  }
}

}  // namespace mailveil
