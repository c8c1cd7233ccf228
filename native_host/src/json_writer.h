/// JSON written straight to text, byte for byte as dump_json writes the same document (compact, keys in sorted
/// order, invalid UTF-8 replaced): the classify reply and the `scan --json` records, which are too many and too
/// large to build as a DOM first. The caller writes an object's keys in sorted order; tests compare the text
/// with dump_json of the DOM.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailveil {

/// A JSON string as dump_json writes it. Valid UTF-8 without a character to escape (nearly every string here)
/// is copied as it is; anything else goes through nlohmann's serialiser, for its escapes and its replacement
/// of invalid UTF-8.
void append_json_string(std::string* out, std::string_view s);

/// One object, member by member, closed when the writer goes out of scope; the caller gives the keys in sorted
/// order.
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string* out) : out_(out) { out_->push_back('{'); }
  JsonObjectWriter(const JsonObjectWriter&) = delete;
  JsonObjectWriter& operator=(const JsonObjectWriter&) = delete;
  ~JsonObjectWriter() { out_->push_back('}'); }

  /// Writes `"key":` and returns the text to write the value to.
  std::string* key(std::string_view k) {
    if (!first_) out_->push_back(',');
    first_ = false;
    out_->push_back('"');
    out_->append(k);
    out_->append("\":");
    return out_;
  }
  void string(std::string_view k, std::string_view v) { append_json_string(key(k), v); }
  void number(std::string_view k, long long v) { key(k)->append(std::to_string(v)); }
  void number(std::string_view k, size_t v) { key(k)->append(std::to_string(v)); }
  void boolean(std::string_view k, bool v) { key(k)->append(v ? "true" : "false"); }
  void null(std::string_view k) { key(k)->append("null"); }
  /// Writes `"key":[…]`, each item written to the text by write(out, item).
  template <typename Range, typename Write>
  void array(std::string_view k, const Range& items, Write&& write) {
    std::string* out = key(k);
    out->push_back('[');
    bool first = true;
    for (const auto& item : items) {
      if (!first) out->push_back(',');
      first = false;
      write(out, item);
    }
    out->push_back(']');
  }
  void strings(std::string_view k, const std::vector<std::string>& v) {
    array(k, v, [](std::string* out, const std::string& s) { append_json_string(out, s); });
  }

 private:
  std::string* out_;
  bool first_ = true;
};

}  // namespace mailveil
