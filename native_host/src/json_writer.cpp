#include "json_writer.h"

#include <nlohmann/json.hpp>

#include "charset.h"   // is_valid_utf8
#include "protocol.h"  // dump_json

namespace mailveil {

void append_json_string(std::string* out, std::string_view s) {
  bool plain = true;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain && is_valid_utf8(s)) {
    out->push_back('"');
    out->append(s);
    out->push_back('"');
  } else {
    out->append(dump_json(nlohmann::json(s)));
  }
}

}  // namespace mailveil
