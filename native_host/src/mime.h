/// Reading mail files for the offline `scan` command: RFC 5322 headers, MIME, transfer encodings, charsets, mbox.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailveil {

/// MIME entities nested deeper than this are not read (real mail rarely goes past 5 levels).
inline constexpr int kMaxMimeDepth = 32;
/// Leaf parts read per message; protects against "millions of empty parts" inputs.
inline constexpr size_t kMaxMimeParts = 10000;

/// A parsed message: unfolded headers and the text bodies converted to UTF-8.
struct ParsedMail {
  /// In order, names as written (UTF-8), values unfolded and trimmed but not yet RFC 2047-decoded: a mail has
  /// tens of headers (Received, DKIM, ARC...) and its reader asks for a few, which are decoded when asked for.
  std::vector<std::pair<std::string, std::string>> raw_headers;
  std::vector<std::string> html_parts;  ///< every text/html part, UTF-8
  std::vector<std::string> text_parts;  ///< every text/plain part, UTF-8
  size_t parts_skipped = 0;             ///< parts past the first kMaxMimeParts, not read
  size_t deep_parts_skipped = 0;        ///< entities nested deeper than kMaxMimeDepth levels, not read

  /// First header with this name (case-insensitive), RFC 2047-decoded to UTF-8, or "".
  std::string header(std::string_view name) const;
  /// All headers with this name, decoded.
  std::vector<std::string> headers_named(std::string_view name) const;
  /// Every header, decoded, in order.
  std::vector<std::pair<std::string, std::string>> headers() const;
};

/// Parses one RFC 5322 message (multipart, quoted-printable, base64, charsets). Never throws on bad input:
/// whatever can be read is returned.
ParsedMail parse_mail(std::string_view raw);

/// Decodes an HTML document whose charset is not declared outside it (a .html file, a text/html part without
/// charset) to UTF-8, as a browser sniffs it: byte order mark, then <meta charset> / http-equiv (a UTF-16
/// declaration there means UTF-8), else UTF-8 when valid and windows-1252 otherwise.
std::string html_to_utf8(std::string_view bytes);
/// The same for bytes the caller gives up, without a copy when they need no conversion.
std::string html_to_utf8(std::string&& bytes);
inline std::string html_to_utf8(const char* bytes) {
  return html_to_utf8(std::string_view(bytes));
}

/// Decodes RFC 2047 encoded words (B and Q, any charset; adjacent words are joined, including a character split
/// across them) in an unfolded header value and returns UTF-8. Unencoded 8-bit text is kept when it is valid
/// UTF-8 and read as windows-1252 otherwise.
std::string decode_header_words(std::string_view raw_value);

/// Lower-cased addr-specs found in an address header value ("A <a@x.org>, b@y.org" -> a@x.org, b@y.org).
std::vector<std::string> extract_addresses(std::string_view header_value);

/// True when the text starts like an mbox file ("From " line).
bool looks_like_mbox(std::string_view head);

/// Streams messages out of an mbox (mboxrd/mboxo: ">From " unescaped) without loading the whole file. Memory
/// stays bounded by max_message_bytes whatever the file holds (a line without end, a message of gigabytes).
class MboxReader {
 public:
  /// Each message is cut after `max_message_bytes`; what follows, up to the next message, is counted in
  /// skipped_bytes() and not kept.
  explicit MboxReader(std::istream& in, size_t max_message_bytes = SIZE_MAX)
      : in_(in), max_message_bytes_(max_message_bytes) {}
  /// Next message's raw text; false at end.
  bool next(std::string* message);
  /// Bytes of the message last returned that were past max_message_bytes (0 when it is whole).
  uint64_t skipped_bytes() const { return skipped_; }

 private:
  std::istream& in_;
  size_t max_message_bytes_;
  uint64_t skipped_ = 0;
  std::string pending_from_;
  bool started_ = false;
};

/// Reads one line (without its '\n') into *line, keeping at most `keep` bytes of it; the bytes past them are
/// added to *dropped. False at the end of input when nothing was read.
bool read_line_capped(std::istream& in, std::string* line, size_t keep, uint64_t* dropped);

}  // namespace mailveil
