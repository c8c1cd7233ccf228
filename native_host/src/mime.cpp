#include "mime.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <unordered_set>
#include <utility>

#include "charset.h"
#include "text_util.h"

namespace mailveil {

namespace {

constexpr int kMaxDepth = kMaxMimeDepth;
constexpr size_t kMaxParts = kMaxMimeParts;
/// An encoded word longer than this is not one (RFC 2047 says 75); bounds the search for "?=".
constexpr size_t kMaxEncodedWord = 1024;

/// One header field: its name as written and its unfolded, still encoded value.
struct RawField {
  std::string_view name;
  std::string value;
};

/// A header block and the body that follows it.
struct Entity {
  std::vector<RawField> fields;
  std::string_view body;
};

/// Splits `raw` at the end of the next line: returns the line without its terminator and advances *pos.
std::string_view next_line(std::string_view raw, size_t* pos) {
  const size_t start = *pos;
  const void* nl = std::memchr(raw.data() + start, '\n', raw.size() - start);
  size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - raw.data()) : raw.size();
  *pos = nl ? end + 1 : raw.size();
  if (end > start && raw[end - 1] == '\r') --end;
  return raw.substr(start, end - start);
}

bool is_field_name_char(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return u >= 33 && u <= 126 && c != ':';
}

/// Reads the header block (unfolding continuation lines) up to the blank line. A line that is neither a field
/// nor a continuation ends the headers and starts the body, as lenient readers do. For a `whole_message` (not a
/// body part), a leading mbox "From " envelope line is skipped.
Entity split_entity(std::string_view raw, bool whole_message) {
  Entity e;
  size_t pos = 0;
  // mbox envelope line ("From sender date") before the real headers.
  if (whole_message && raw.substr(0, 5) == "From ") next_line(raw, &pos);
  while (pos < raw.size()) {
    const size_t line_start = pos;
    const std::string_view line = next_line(raw, &pos);
    if (line.empty()) {
      e.body = raw.substr(pos);
      return e;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      if (!e.fields.empty()) e.fields.back().value.append(line);  // unfold: drop the CRLF, keep the blank
      continue;
    }
    const size_t colon = line.find(':');
    size_t name_end = colon;
    while (name_end != std::string_view::npos && name_end > 0 &&
           (line[name_end - 1] == ' ' || line[name_end - 1] == '\t')) {
      --name_end;
    }
    bool valid = colon != std::string_view::npos && name_end > 0;
    for (size_t k = 0; valid && k < name_end; ++k) valid = is_field_name_char(line[k]);
    if (!valid) {
      e.body = raw.substr(line_start);
      return e;
    }
    e.fields.push_back({line.substr(0, name_end), std::string(line.substr(colon + 1))});
  }
  e.body = std::string_view();
  return e;
}

const RawField* find_field(const Entity& e, std::string_view name) {
  for (const auto& f : e.fields) {
    if (iequals(f.name, name)) return &f;
  }
  return nullptr;
}

/// A parsed Content-Type (or Content-Disposition) value: lower-cased type/subtype and parameters.
struct MediaType {
  std::string type;
  std::string subtype;
  std::map<std::string, std::string> params;  ///< lower-cased names
};

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

/// Parses `type/subtype; a=b; c="d"` including RFC 2231 continuations (`name*0=`, `name*=utf-8''x`).
MediaType parse_media_type(std::string_view value) {
  MediaType mt;
  const size_t n = value.size();
  size_t i = 0;
  while (i < n && is_ascii_space(value[i])) ++i;
  size_t tok_start = i;
  while (i < n && value[i] != ';' && !is_ascii_space(value[i])) ++i;
  std::string token = ascii_lower(value.substr(tok_start, i - tok_start));
  if (!token.empty() && token.front() == '"' && token.back() == '"' && token.size() >= 2) {
    token = token.substr(1, token.size() - 2);
  }
  const size_t slash = token.find('/');
  if (slash == std::string::npos) {
    mt.type = token;
  } else {
    mt.type = token.substr(0, slash);
    mt.subtype = token.substr(slash + 1);
  }

  struct Segment {
    std::string value;
    bool extended = false;
  };
  std::map<std::string, std::map<int, Segment>> continued;
  while (i < n) {
    while (i < n && (is_ascii_space(value[i]) || value[i] == ';')) ++i;
    if (i >= n) break;
    if (value[i] == '(') {  // comment
      int level = 0;
      while (i < n) {
        if (value[i] == '(')
          ++level;
        else if (value[i] == ')' && --level == 0) {
          ++i;
          break;
        }
        ++i;
      }
      continue;
    }
    const size_t name_start = i;
    while (i < n && value[i] != '=' && value[i] != ';' && !is_ascii_space(value[i])) ++i;
    std::string name = ascii_lower(value.substr(name_start, i - name_start));
    while (i < n && is_ascii_space(value[i])) ++i;
    if (i >= n || value[i] != '=') {
      // Parameter without a value; skip to the next ';'.
      while (i < n && value[i] != ';') ++i;
      continue;
    }
    ++i;  // '='
    while (i < n && is_ascii_space(value[i])) ++i;
    std::string v;
    if (i < n && value[i] == '"') {
      ++i;
      while (i < n && value[i] != '"') {
        if (value[i] == '\\' && i + 1 < n) ++i;
        v.push_back(value[i]);
        ++i;
      }
      if (i < n) ++i;  // closing quote
    } else {
      const size_t vs = i;
      while (i < n && value[i] != ';' && !is_ascii_space(value[i])) ++i;
      v = std::string(value.substr(vs, i - vs));
    }
    if (name.empty()) continue;
    const size_t star = name.find('*');
    if (star == std::string::npos) {
      mt.params.emplace(name, std::move(v));
      continue;
    }
    // RFC 2231: name*  |  name*N  |  name*N*
    const std::string base = name.substr(0, star);
    std::string rest = name.substr(star + 1);
    Segment seg;
    seg.extended = !rest.empty() && rest.back() == '*';
    if (seg.extended) rest.pop_back();
    int index = 0;
    if (rest.empty()) {
      seg.extended = true;  // "name*=" is always extended
    } else {
      for (char c : rest) {
        if (c < '0' || c > '9' || index > 1000) {
          index = -1;
          break;
        }
        index = index * 10 + (c - '0');
      }
    }
    if (index < 0) continue;
    seg.value = std::move(v);
    continued[base].emplace(index, std::move(seg));
  }
  for (auto& [base, segments] : continued) {
    if (mt.params.count(base)) continue;  // the plain form wins
    std::string bytes;
    std::string charset;
    bool first = true;
    for (auto& [index, seg] : segments) {
      std::string_view sv = seg.value;
      if (seg.extended && first) {
        // charset'language'value
        const size_t q1 = sv.find('\'');
        const size_t q2 = q1 == std::string_view::npos ? q1 : sv.find('\'', q1 + 1);
        if (q2 != std::string_view::npos) {
          charset = std::string(sv.substr(0, q1));
          sv = sv.substr(q2 + 1);
        }
      }
      bytes += seg.extended ? percent_decode(sv) : std::string(sv);
      first = false;
    }
    mt.params.emplace(base, charset.empty() ? bytes : to_utf8(bytes, charset));
  }
  return mt;
}

std::string param(const MediaType& mt, const char* name) {
  auto it = mt.params.find(name);
  return it == mt.params.end() ? std::string() : it->second;
}

std::string first_token_lower(std::string_view v) {
  v = trim(v);
  size_t i = 0;
  while (i < v.size() && v[i] != ';' && v[i] != '(' && !is_ascii_space(v[i])) ++i;
  std::string t = ascii_lower(v.substr(0, i));
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
  return t;
}

std::string decode_transfer(std::string_view body, const std::string& cte) {
  if (cte == "base64") return decode_base64(body);
  if (cte == "quoted-printable") return decode_quoted_printable(body);
  return std::string(body);  // 7bit, 8bit, binary and unknown encodings are taken as they are
}

bool looks_like_html(std::string_view body) {
  return ifind(body, "<html") != std::string_view::npos || ifind(body, "<img") != std::string_view::npos ||
         ifind(body, "<a ") != std::string_view::npos || ifind(body, "<a\n") != std::string_view::npos ||
         ifind(body, "<a\r") != std::string_view::npos || ifind(body, "<a\t") != std::string_view::npos;
}

/// charset from a <meta charset=...> / http-equiv Content-Type near the top of an HTML body, or "".
std::string sniff_meta_charset(std::string_view html) {
  const std::string_view head = html.substr(0, std::min<size_t>(html.size(), 4096));
  size_t at = 0;
  while ((at = ifind(head, "<meta", at)) != std::string_view::npos) {
    const size_t close = head.find('>', at);
    const std::string_view tag = head.substr(at, close == std::string_view::npos ? std::string_view::npos : close - at);
    const size_t cs = ifind(tag, "charset");
    if (cs != std::string_view::npos) {
      size_t i = cs + 7;
      while (i < tag.size() && (is_ascii_space(tag[i]) || tag[i] == '=' || tag[i] == '"' || tag[i] == '\'')) ++i;
      const size_t vs = i;
      while (i < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[i])) || tag[i] == '-' || tag[i] == '_' ||
                                tag[i] == '.' || tag[i] == ':')) {
        ++i;
      }
      if (i > vs) {
        const std::string label = ascii_lower(tag.substr(vs, i - vs));
        // The HTML Standard's prescan: a page cannot declare itself UTF-16 in its own (ASCII-readable) bytes; such
        // a declaration means UTF-8. x-user-defined means windows-1252.
        if (label.starts_with("utf-16") || label == "unicode" || label == "unicodefffe" || label == "unicodefeff" ||
            label == "ucs-2" || label == "csunicode" || label == "iso-10646-ucs-2") {
          return "utf-8";
        }
        if (label == "x-user-defined") return "windows-1252";
        return label;
      }
    }
    at += 5;
  }
  return {};
}

/// Finds the body parts of a multipart body. Delimiter lines are "--boundary" (plus "--" for the last one)
/// followed only by blanks; the line break before a delimiter belongs to it. A missing close delimiter ends
/// the last part at the end of input. *found is false when no delimiter occurs at all. At most kMaxParts parts
/// are returned; *more counts the parts after them.
std::vector<std::string_view> split_multipart(std::string_view body, std::string_view boundary, bool* found,
                                              size_t* more) {
  std::vector<std::string_view> parts;
  *found = false;
  *more = 0;
  const std::string delim = "--" + std::string(boundary);
  size_t pos = 0;
  size_t part_start = std::string_view::npos;
  bool closed = false;
  while (pos < body.size()) {
    const size_t line_start = pos;
    const std::string_view line = next_line(body, &pos);
    if (line.size() < delim.size() || line.compare(0, delim.size(), delim) != 0) continue;
    std::string_view rest = line.substr(delim.size());
    const bool close = rest.substr(0, 2) == "--";
    if (close) rest.remove_prefix(2);
    if (!trim(rest).empty()) continue;
    *found = true;
    if (part_start != std::string_view::npos) {
      size_t end = line_start;
      if (end > part_start && body[end - 1] == '\n') --end;
      if (end > part_start && body[end - 1] == '\r') --end;
      if (parts.size() < kMaxParts) {
        parts.push_back(body.substr(part_start, end - part_start));
      } else {
        ++*more;
      }
    }
    if (close) {
      closed = true;
      part_start = std::string_view::npos;
      break;  // the epilogue is ignored
    }
    part_start = pos;
  }
  if (!closed && part_start != std::string_view::npos && part_start <= body.size()) {
    if (parts.size() < kMaxParts) {
      parts.push_back(body.substr(part_start));
    } else {
      ++*more;
    }
  }
  return parts;
}

class MimeWalker {
 public:
  explicit MimeWalker(ParsedMail* out) : out_(out) {}

  /// Handles one entity. `digest_child`: inside multipart/digest, where the default type is message/rfc822.
  /// `whole_message`: a top-level or encapsulated message (may start with an mbox envelope line).
  void walk(std::string_view raw, int depth, bool top_level, bool digest_child, bool whole_message) {
    if (depth > kMaxDepth) {
      ++out_->deep_parts_skipped;
      return;
    }
    if (leaves_ >= kMaxParts) {
      ++out_->parts_skipped;
      return;
    }
    const Entity e = split_entity(raw, whole_message);
    if (top_level) {
      out_->raw_headers.reserve(e.fields.size());
      for (const auto& f : e.fields) out_->raw_headers.emplace_back(to_utf8(f.name, ""), trim(f.value));
    }
    const RawField* ct_field = find_field(e, "Content-Type");
    MediaType mt;
    if (ct_field) mt = parse_media_type(ct_field->value);
    const bool typed = ct_field && !mt.type.empty();
    if (!typed) {
      mt.type = digest_child ? "message" : "text";
      mt.subtype = digest_child ? "rfc822" : "plain";
    } else if (mt.type == "text" && mt.subtype.empty()) {
      mt.subtype = "plain";
    }
    const RawField* cte_field = find_field(e, "Content-Transfer-Encoding");
    const std::string cte = cte_field ? first_token_lower(cte_field->value) : std::string();
    const RawField* cd_field = find_field(e, "Content-Disposition");
    const std::string disposition = cd_field ? first_token_lower(cd_field->value) : std::string();

    if (mt.type == "multipart") {
      const std::string boundary = param(mt, "boundary");
      bool found = false;
      std::vector<std::string_view> parts;
      size_t more = 0;
      if (!boundary.empty()) parts = split_multipart(e.body, boundary, &found, &more);
      out_->parts_skipped += more;
      if (!found) {
        // Broken multipart (no boundary, or it never occurs): show the body as text, sniffing for HTML.
        add_leaf(e.body, cte, "", looks_like_html(e.body));
        return;
      }
      const bool digest = mt.subtype == "digest";
      for (size_t i = 0; i < parts.size(); ++i) {
        if (leaves_ >= kMaxParts) {
          out_->parts_skipped += parts.size() - i;
          break;
        }
        walk(parts[i], depth + 1, false, digest, false);
      }
      return;
    }
    if (mt.type == "message" && (mt.subtype == "rfc822" || mt.subtype == "global")) {
      // Forwarded / attached messages are read too: their HTML is what the reader opens.
      const std::string inner = decode_transfer(e.body, cte);
      walk(inner, depth + 1, false, false, true);
      return;
    }
    if (disposition == "attachment") return;
    if (!typed) {
      add_leaf(e.body, cte, "", looks_like_html(e.body));
      return;
    }
    if (mt.type != "text") return;
    if (mt.subtype == "html") {
      add_leaf(e.body, cte, param(mt, "charset"), true);
    } else if (mt.subtype == "plain") {
      add_leaf(e.body, cte, param(mt, "charset"), false);
    }
  }

 private:
  void add_leaf(std::string_view body, const std::string& cte, const std::string& charset, bool html) {
    ++leaves_;
    std::string bytes = decode_transfer(body, cte);
    std::string text =
        html && trim(charset).empty() ? html_to_utf8(std::move(bytes)) : to_utf8(std::move(bytes), charset);
    (html ? out_->html_parts : out_->text_parts).push_back(std::move(text));
  }

  ParsedMail* out_;
  size_t leaves_ = 0;
};

/// Decodes the text of one encoded word; false when it is not a well-formed encoded word. `*next_close` caches
/// the next "?=" position so that scanning a long value with many "=?" stays linear.
bool parse_encoded_word(std::string_view s, size_t at, size_t* next_close, size_t* end, std::string* charset,
                        std::string* bytes) {
  // at points to "=?"
  size_t i = at + 2;
  const size_t limit = std::min(s.size(), at + 2 + 64);
  const size_t cs_start = i;
  while (i < limit && s[i] != '?' && !is_ascii_space(s[i])) ++i;
  if (i >= limit || s[i] != '?' || i == cs_start) return false;
  std::string cs(s.substr(cs_start, i - cs_start));
  const size_t star = cs.find('*');  // RFC 2231 language suffix: charset*lang
  if (star != std::string::npos) cs.resize(star);
  ++i;
  if (i + 1 >= s.size() || s[i + 1] != '?') return false;
  const char enc = ascii_lower_char(s[i]);
  if (enc != 'b' && enc != 'q') return false;
  i += 2;
  const size_t text_start = i;
  if (*next_close < text_start) *next_close = s.find("?=", text_start);  // npos stays npos: none left
  const size_t close = *next_close;
  if (close == std::string_view::npos || close - text_start > kMaxEncodedWord) return false;
  const std::string_view text = s.substr(text_start, close - text_start);
  bytes->clear();
  if (enc == 'b') {
    *bytes = decode_base64(text);
  } else {
    bytes->reserve(text.size());
    for (size_t k = 0; k < text.size(); ++k) {
      const char c = text[k];
      if (c == '_') {
        bytes->push_back(' ');
      } else if (c == '=' && k + 2 < text.size() && hex_value(text[k + 1]) >= 0 && hex_value(text[k + 2]) >= 0) {
        bytes->push_back(static_cast<char>(hex_value(text[k + 1]) * 16 + hex_value(text[k + 2])));
        k += 2;
      } else {
        bytes->push_back(c);
      }
    }
  }
  *charset = ascii_lower(cs);
  *end = close + 2;
  return true;
}

bool all_blank(std::string_view s) {
  for (char c : s) {
    if (!is_ascii_space(c)) return false;
  }
  return true;
}

}  // namespace

std::string decode_header_words(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  std::string pending_charset;
  std::string pending_bytes;
  bool have_pending = false;
  bool last_encoded = false;
  auto flush = [&]() {
    if (have_pending) out += to_utf8(pending_bytes, pending_charset);
    pending_bytes.clear();
    have_pending = false;
  };
  size_t i = 0;
  size_t search = 0;
  size_t next_close = 0;
  bool no_more_close = false;
  std::string cs;
  std::string bytes;
  while (i < raw.size()) {
    const size_t at = raw.find("=?", search);
    if (at == std::string_view::npos) break;
    size_t end = 0;
    if (no_more_close) break;
    if (!parse_encoded_word(raw, at, &next_close, &end, &cs, &bytes)) {
      if (next_close == std::string_view::npos) no_more_close = true;
      search = at + 2;
      continue;
    }
    const std::string_view plain = raw.substr(i, at - i);
    if (!(last_encoded && all_blank(plain))) {
      flush();
      out += to_utf8(plain, "");
    }
    if (have_pending && cs != pending_charset) flush();
    if (!have_pending) {
      pending_charset = cs;
      have_pending = true;
    }
    pending_bytes += bytes;  // same charset: join bytes first so a character split across words survives
    last_encoded = true;
    i = end;
    search = end;
  }
  flush();
  if (i < raw.size()) out += to_utf8(raw.substr(i), "");
  // Header values are single-line text: turn control characters (tabs, stray CR/LF) into spaces.
  for (char& c : out) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  return out;
}

std::string ParsedMail::header(std::string_view name) const {
  for (const auto& [n, v] : raw_headers) {
    if (iequals(n, name)) return decode_header_words(v);
  }
  return {};
}

std::vector<std::string> ParsedMail::headers_named(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : raw_headers) {
    if (iequals(n, name)) out.push_back(decode_header_words(v));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParsedMail::headers() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(raw_headers.size());
  for (const auto& [n, v] : raw_headers) out.emplace_back(n, decode_header_words(v));
  return out;
}

namespace {

/// The byte order mark `bytes` begin with, and the charset it names; null when none.
const std::pair<std::string_view, std::string_view>* byte_order_mark(std::string_view bytes) {
  static constexpr std::pair<std::string_view, std::string_view> kMarks[] = {
      {"\xEF\xBB\xBF", "utf-8"}, {"\xFF\xFE", "utf-16le"}, {"\xFE\xFF", "utf-16be"}};
  for (const auto& mark : kMarks) {
    if (bytes.starts_with(mark.first)) return &mark;
  }
  return nullptr;
}

}  // namespace

std::string html_to_utf8(std::string_view bytes) {
  // A byte order mark decides (the HTML Standard's encoding sniffing), then a <meta> declaration; else valid
  // UTF-8 is kept and anything else read as windows-1252.
  if (const auto* bom = byte_order_mark(bytes)) return to_utf8(bytes.substr(bom->first.size()), bom->second);
  return to_utf8(bytes, sniff_meta_charset(bytes));
}

std::string html_to_utf8(std::string&& bytes) {
  if (byte_order_mark(bytes)) return html_to_utf8(std::string_view(bytes));  // the mark goes: converted anyway
  const std::string charset = sniff_meta_charset(bytes);
  return to_utf8(std::move(bytes), charset);
}

ParsedMail parse_mail(std::string_view raw) {
  ParsedMail mail;
  try {
    MimeWalker walker(&mail);
    walker.walk(raw, 0, true, false, true);
  } catch (...) {
    // Only allocation failure can get here; return what was read.
  }
  return mail;
}

namespace {

/// True when s starts with a quoted local part: "..."@
bool quoted_local_part(std::string_view s) {
  if (s.empty() || s.front() != '"') return false;
  const size_t close = s.find('"', 1);
  return close != std::string_view::npos && close + 1 < s.size() && s[close + 1] == '@';
}

/// Cleans a candidate addr-spec: strips stray punctuation around it and checks for local@domain.
bool clean_address(std::string_view in, std::string* out) {
  std::string_view s = trim(in);
  while (!s.empty() &&
         (s.front() == '<' || s.front() == '\'' || s.front() == '(' || s.front() == '[' || s.front() == ',' ||
          s.front() == ';' || s.front() == ':' || (s.front() == '"' && !quoted_local_part(s)))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == '>' || s.back() == '"' || s.back() == '\'' || s.back() == ')' || s.back() == ']' ||
                        s.back() == ',' || s.back() == ';' || s.back() == '.' || s.back() == ':')) {
    s.remove_suffix(1);
  }
  if (istarts_with(s, "mailto:")) s.remove_prefix(7);
  const size_t at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
  const bool quoted = quoted_local_part(s);
  const size_t check_from = quoted ? s.find('"', 1) + 1 : 0;
  for (size_t i = check_from; i < s.size(); ++i) {
    const char c = s[i];
    if (is_ascii_space(c) || c == '<' || c == '>' || c == ',' || c == '(' || c == ')' || c == '"') return false;
  }
  const std::string_view domain = s.substr(at + 1);
  if (domain.find('@') != std::string_view::npos || domain.front() == '.') return false;
  *out = ascii_lower(s);
  return true;
}

/// Where a left-to-right scan of a header stands with respect to quoted strings and (nested) comments.
struct QuoteState {
  bool in_quote = false;
  int comment = 0;

  /// True when text[*i] lies inside a quoted string or a comment, and consumes it: an escaped character is
  /// skipped with its backslash, a closing '"' or ')' ends the quote or comment. The caller starts them.
  bool skip(std::string_view text, size_t* i) {
    const char c = text[*i];
    if (in_quote) {
      if (c == '\\')
        ++*i;
      else if (c == '"')
        in_quote = false;
      return true;
    }
    if (comment > 0) {
      if (c == '\\')
        ++*i;
      else if (c == '(')
        ++comment;
      else if (c == ')')
        --comment;
      return true;
    }
    return false;
  }
};

/// Handles one mailbox (or group member) text: "Name <addr>", "addr (comment)", "addr".
void take_mailbox(std::string_view box, std::vector<std::string>* out, std::unordered_set<std::string>* seen) {
  // Prefer the angle-addr at top level.
  size_t lt = std::string_view::npos;
  size_t gt = std::string_view::npos;
  QuoteState state;
  std::string plain;  // the mailbox without quoted strings and comments, for bare addr-specs
  for (size_t i = 0; i < box.size(); ++i) {
    const char c = box[i];
    if (state.skip(box, &i)) continue;
    if (c == '"') {
      // A quoted local part ("a b"@x) belongs to the address; a quoted display name does not.
      const size_t close = box.find('"', i + 1);
      if (close != std::string_view::npos && close + 1 < box.size() && box[close + 1] == '@') {
        plain.append(box.substr(i, close - i + 1));
        i = close;
        continue;
      }
      state.in_quote = true;
      plain.push_back(' ');
      continue;
    }
    if (c == '(') {
      state.comment = 1;
      plain.push_back(' ');
      continue;
    }
    if (c == '<' && lt == std::string_view::npos) lt = i;
    if (c == '>' && lt != std::string_view::npos && gt == std::string_view::npos) gt = i;
    plain.push_back(c);
  }
  std::string addr;
  if (lt != std::string_view::npos) {
    std::string_view inner = box.substr(lt + 1, (gt == std::string_view::npos ? box.size() : gt) - lt - 1);
    // Obsolete source route: <@a,@b:user@host>
    const size_t colon = inner.rfind(':');
    if (!inner.empty() && inner.front() == '@' && colon != std::string_view::npos) inner = inner.substr(colon + 1);
    if (clean_address(inner, &addr) && seen->insert(addr).second) out->push_back(addr);
    return;
  }
  // Bare addr-spec(s): take whitespace-separated tokens (a quoted local part is one token) that hold an '@'.
  size_t i = 0;
  while (i < plain.size()) {
    while (i < plain.size() && is_ascii_space(plain[i])) ++i;
    const size_t start = i;
    bool quoted = false;
    while (i < plain.size() && (quoted || !is_ascii_space(plain[i]))) {
      if (plain[i] == '"') quoted = !quoted;
      ++i;
    }
    const std::string_view tok = std::string_view(plain).substr(start, i - start);
    if (tok.find('@') != std::string_view::npos && clean_address(tok, &addr) && seen->insert(addr).second) {
      out->push_back(addr);
    }
  }
}

}  // namespace

std::vector<std::string> extract_addresses(std::string_view value) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  try {
    // Split the list at top-level ',' ';' and group ':' (not inside quotes, comments or angle brackets).
    QuoteState state;
    bool in_angle = false;
    size_t start = 0;
    for (size_t i = 0; i <= value.size(); ++i) {
      if (i == value.size()) {
        take_mailbox(value.substr(start), &out, &seen);
        break;
      }
      const char c = value[i];
      if (state.skip(value, &i)) continue;
      if (in_angle) {
        if (c == '>') in_angle = false;
        continue;
      }
      switch (c) {
        case '"': state.in_quote = true; break;
        case '(': state.comment = 1; break;
        case '<': in_angle = true; break;
        case ',':
        case ';':
        case ':':
          take_mailbox(value.substr(start, i - start), &out, &seen);
          start = i + 1;
          break;
        default: break;
      }
    }
  } catch (...) {
  }
  return out;
}

bool looks_like_mbox(std::string_view head) {
  return head.substr(0, 5) == "From ";
}

bool read_line_capped(std::istream& in, std::string* line, size_t keep, uint64_t* dropped) {
  line->clear();
  bool any = false;
  char buf[64 * 1024];
  for (;;) {
    in.getline(buf, sizeof(buf));
    const auto n = static_cast<size_t>(in.gcount());  // bytes taken from the stream, the '\n' included
    size_t stored = n;
    bool done = true;
    if (in.good()) {
      stored = n - 1;  // ended by '\n'
    } else if (!in.eof() && !in.bad() && n == sizeof(buf) - 1) {
      done = false;  // the buffer is full and the line goes on
      in.clear();
    }
    any = any || n > 0;
    const size_t kept = std::min(stored, keep - std::min(keep, line->size()));
    line->append(buf, kept);
    *dropped += stored - kept;
    if (done) return any;
  }
}

bool MboxReader::next(std::string* message) {
  message->clear();
  skipped_ = 0;
  bool have = !pending_from_.empty();
  bool at_file_start = !started_;
  started_ = true;
  pending_from_.clear();
  bool prev_blank = false;
  size_t last_line_len = std::string::npos;  // bytes of the last appended line including its '\n'
  std::string line;
  // A separator is recognised from the line's start; past the message's budget only that much is kept.
  constexpr size_t kSeparatorProbe = 8;
  try {
    for (;;) {
      const size_t budget = max_message_bytes_ - std::min(max_message_bytes_, message->size());
      uint64_t dropped = 0;
      if (!read_line_capped(in_, &line, std::max(budget, kSeparatorProbe), &dropped)) break;
      std::string_view view = line;
      if (!view.empty() && view.back() == '\r' && dropped == 0) view.remove_suffix(1);
      if (view.substr(0, 5) == "From " && (at_file_start || prev_blank)) {
        at_file_start = false;
        if (have) {
          pending_from_ = line;
          // The blank line before the separator belongs to the mbox format, not to the message.
          if (prev_blank && last_line_len != std::string::npos && last_line_len <= message->size()) {
            message->resize(message->size() - last_line_len);
          }
          return true;
        }
        have = true;  // the first separator of the file
        prev_blank = false;
        continue;
      }
      at_file_start = false;
      have = true;
      // mboxrd: ">From ", ">>From " ... lose one '>'.
      size_t gts = 0;
      while (gts < view.size() && view[gts] == '>') ++gts;
      const size_t skip = (gts > 0 && view.substr(gts, 5) == "From ") ? 1 : 0;
      const size_t length = line.size() - skip + 1;  // with its '\n'
      if (length <= budget) {
        message->append(line, skip, std::string::npos);
        message->push_back('\n');
        last_line_len = length;
      } else {
        // Past the cap: keep what fits, count the rest, and keep reading up to the next message.
        message->append(line, skip, budget);
        skipped_ += length - budget;
        last_line_len = std::string::npos;
      }
      skipped_ += dropped;
      prev_blank = view.empty();
    }
  } catch (...) {
  }
  if (prev_blank && last_line_len != std::string::npos && last_line_len <= message->size()) {
    message->resize(message->size() - last_line_len);
  }
  return have;
}

}  // namespace mailveil
