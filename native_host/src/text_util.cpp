#include "text_util.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "charset.h"

namespace mailveil {

std::string ascii_lower(std::string_view s) {
  std::string out(s.size(), '\0');
  ascii_lower_into(s, out.data());
  return out;
}

bool has_byte_below(std::string_view s, uint8_t n) {
  return any_byte(
      s, [n](uint64_t word) { return word_has_byte_below(word, n); }, [n](unsigned char c) { return c < n; });
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower_char(a[i]) != ascii_lower_char(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

size_t ifind(std::string_view haystack, std::string_view needle, size_t from) {
  if (needle.empty()) return from <= haystack.size() ? from : std::string_view::npos;
  if (haystack.size() < needle.size()) return std::string_view::npos;
  const char first_lower = ascii_lower_char(needle[0]);
  const char first_upper =
      (first_lower >= 'a' && first_lower <= 'z') ? static_cast<char>(first_lower - 32) : first_lower;
  const size_t last = haystack.size() - needle.size();
  size_t i = from;
  while (i <= last) {
    // Jump to the next candidate first byte with memchr (both cases), which keeps long scans fast.
    const char* base = haystack.data() + i;
    const size_t span = last - i + 1;
    const void* lo = std::memchr(base, first_lower, span);
    const void* up = first_upper == first_lower ? nullptr : std::memchr(base, first_upper, span);
    const char* hit = nullptr;
    if (lo && up) {
      hit = std::min(static_cast<const char*>(lo), static_cast<const char*>(up));
    } else if (lo) {
      hit = static_cast<const char*>(lo);
    } else if (up) {
      hit = static_cast<const char*>(up);
    } else {
      return std::string_view::npos;
    }
    i = static_cast<size_t>(hit - haystack.data());
    if (iequals(haystack.substr(i, needle.size()), needle)) return i;
    ++i;
  }
  return std::string_view::npos;
}

std::vector<std::string_view> split_views(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    parts.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

std::string_view trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && is_ascii_space(s[b])) ++b;
  while (e > b && is_ascii_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

namespace {

constexpr std::array<int8_t, 256> make_base64_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
  // URL-safe variants show up in broken mailers; accept them too.
  t[static_cast<unsigned char>('-')] = 62;
  t[static_cast<unsigned char>('_')] = 63;
  return t;
}
constexpr std::array<int8_t, 256> kBase64 = make_base64_table();

}  // namespace

std::string decode_base64(std::string_view in) {
  std::string out(in.size() / 4 * 3 + 3, '\0');
  char* o = out.data();
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n;) {
    if (bits == 0 && i + 4 <= n) {
      // At a quantum's start, four characters of the alphabet are three bytes (what the loop below makes of them).
      const int a = kBase64[p[i]], b = kBase64[p[i + 1]], c = kBase64[p[i + 2]], d = kBase64[p[i + 3]];
      if ((a | b | c | d) >= 0) {
        const auto v = static_cast<uint32_t>(a << 18 | b << 12 | c << 6 | d);
        o[0] = static_cast<char>(v >> 16);
        o[1] = static_cast<char>(v >> 8 & 0xFF);
        o[2] = static_cast<char>(v & 0xFF);
        o += 3;
        i += 4;
        continue;
      }
    }
    const unsigned char c = p[i++];
    if (c == '=') {
      // End of a quantum: drop the leftover bits so a following block starts aligned.
      acc = 0;
      bits = 0;
      continue;
    }
    const int v = kBase64[c];
    if (v < 0) continue;  // line breaks and anything else outside the alphabet
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<char>((acc >> bits) & 0xFF);
      acc &= (1u << bits) - 1;
    }
  }
  out.resize(static_cast<size_t>(o - out.data()));
  return out;
}

std::string decode_quoted_printable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  const size_t n = in.size();
  size_t i = 0;
  while (i < n) {
    // Everything up to the next '=' is itself.
    const void* eq = std::memchr(in.data() + i, '=', n - i);
    const size_t at = eq ? static_cast<size_t>(static_cast<const char*>(eq) - in.data()) : n;
    out.append(in.data() + i, at - i);
    i = at;
    if (i >= n) break;
    // Soft line break: '=' then optional blanks then CRLF / LF (or end of input).
    size_t j = i + 1;
    while (j < n && (in[j] == ' ' || in[j] == '\t')) ++j;
    if (j >= n) {
      i = n;
      continue;
    }
    if (in[j] == '\n') {
      i = j + 1;
      continue;
    }
    if (in[j] == '\r') {
      i = j + 1;
      if (i < n && in[i] == '\n') ++i;
      continue;
    }
    if (i + 2 < n) {
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 3;
        continue;
      }
    }
    // Broken escape: keep the '=' literally.
    out.push_back('=');
    ++i;
  }
  return out;
}

void append_utf8(std::string* out, uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {

struct NamedEntity {
  const char* name;
  uint32_t cp;
};

// The references that actually occur in mail; sorted by name for binary search.
constexpr NamedEntity kEntities[] = {
    {"AElig", 0xC6},   {"Aacute", 0xC1},   {"Acirc", 0xC2},    {"Agrave", 0xC0},   {"Aring", 0xC5},   {"Atilde", 0xC3},
    {"Auml", 0xC4},    {"Ccedil", 0xC7},   {"Eacute", 0xC9},   {"Ecirc", 0xCA},    {"Egrave", 0xC8},  {"Euml", 0xCB},
    {"Iacute", 0xCD},  {"Icirc", 0xCE},    {"Igrave", 0xCC},   {"Iuml", 0xCF},     {"Ntilde", 0xD1},  {"Oacute", 0xD3},
    {"Ocirc", 0xD4},   {"Ograve", 0xD2},   {"Oslash", 0xD8},   {"Otilde", 0xD5},   {"Ouml", 0xD6},    {"Uacute", 0xDA},
    {"Ucirc", 0xDB},   {"Ugrave", 0xD9},   {"Uuml", 0xDC},     {"Yacute", 0xDD},   {"aacute", 0xE1},  {"acirc", 0xE2},
    {"acute", 0xB4},   {"aelig", 0xE6},    {"agrave", 0xE0},   {"amp", 0x26},      {"apos", 0x27},    {"aring", 0xE5},
    {"atilde", 0xE3},  {"auml", 0xE4},     {"bdquo", 0x201E},  {"brvbar", 0xA6},   {"bull", 0x2022},  {"ccedil", 0xE7},
    {"cedil", 0xB8},   {"cent", 0xA2},     {"check", 0x2713},  {"colon", 0x3A},    {"comma", 0x2C},   {"copy", 0xA9},
    {"curren", 0xA4},  {"dagger", 0x2020}, {"darr", 0x2193},   {"deg", 0xB0},      {"divide", 0xF7},  {"eacute", 0xE9},
    {"ecirc", 0xEA},   {"egrave", 0xE8},   {"emsp", 0x2003},   {"ensp", 0x2002},   {"equals", 0x3D},  {"eth", 0xF0},
    {"euml", 0xEB},    {"euro", 0x20AC},   {"excl", 0x21},     {"frac12", 0xBD},   {"frac14", 0xBC},  {"frac34", 0xBE},
    {"gt", 0x3E},      {"hearts", 0x2665}, {"hellip", 0x2026}, {"iacute", 0xED},   {"icirc", 0xEE},   {"iexcl", 0xA1},
    {"igrave", 0xEC},  {"iquest", 0xBF},   {"iuml", 0xEF},     {"laquo", 0xAB},    {"larr", 0x2190},  {"ldquo", 0x201C},
    {"lowbar", 0x5F},  {"lpar", 0x28},     {"lrm", 0x200E},    {"lsaquo", 0x2039}, {"lsquo", 0x2018}, {"lt", 0x3C},
    {"macr", 0xAF},    {"mdash", 0x2014},  {"micro", 0xB5},    {"middot", 0xB7},   {"nbsp", 0xA0},    {"ndash", 0x2013},
    {"newline", 0x0A}, {"not", 0xAC},      {"ntilde", 0xF1},   {"num", 0x23},      {"oacute", 0xF3},  {"ocirc", 0xF4},
    {"ograve", 0xF2},  {"ordf", 0xAA},     {"ordm", 0xBA},     {"oslash", 0xF8},   {"otilde", 0xF5},  {"ouml", 0xF6},
    {"para", 0xB6},    {"percnt", 0x25},   {"period", 0x2E},   {"plus", 0x2B},     {"plusmn", 0xB1},  {"pound", 0xA3},
    {"prime", 0x2032}, {"quest", 0x3F},    {"quot", 0x22},     {"raquo", 0xBB},    {"rarr", 0x2192},  {"rdquo", 0x201D},
    {"reg", 0xAE},     {"rlm", 0x200F},    {"rpar", 0x29},     {"rsaquo", 0x203A}, {"rsquo", 0x2019}, {"sbquo", 0x201A},
    {"sect", 0xA7},    {"semi", 0x3B},     {"shy", 0xAD},      {"sol", 0x2F},      {"sup1", 0xB9},    {"sup2", 0xB2},
    {"sup3", 0xB3},    {"szlig", 0xDF},    {"tab", 0x09},      {"thinsp", 0x2009}, {"thorn", 0xFE},   {"times", 0xD7},
    {"trade", 0x2122}, {"uacute", 0xFA},   {"uarr", 0x2191},   {"ucirc", 0xFB},    {"ugrave", 0xF9},  {"uml", 0xA8},
    {"uuml", 0xFC},    {"yacute", 0xFD},   {"yen", 0xA5},      {"yuml", 0xFF},     {"zwj", 0x200D},   {"zwnj", 0x200C},
};

// Legacy references that browsers also accept without the trailing ';'.
bool is_legacy_entity(std::string_view name) {
  static constexpr std::string_view kLegacy[] = {"amp", "lt",  "gt", "quot", "nbsp", "copy",
                                                 "reg", "AMP", "LT", "GT",   "QUOT"};
  for (auto l : kLegacy) {
    if (l == name) return true;
  }
  return false;
}

const NamedEntity* find_entity(std::string_view name) {
  if (name == "AMP") return find_entity("amp");
  if (name == "LT") return find_entity("lt");
  if (name == "GT") return find_entity("gt");
  if (name == "QUOT") return find_entity("quot");
  const NamedEntity* begin = std::begin(kEntities);
  const NamedEntity* end = std::end(kEntities);
  const NamedEntity* it = std::lower_bound(
      begin, end, name, [](const NamedEntity& e, std::string_view n) { return std::string_view(e.name) < n; });
  if (it != end && std::string_view(it->name) == name) return it;
  return nullptr;
}

bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

std::string decode_html_entities(std::string_view in, bool in_attribute) {
  if (in.find('&') == std::string_view::npos) return std::string(in);
  std::string out;
  out.reserve(in.size());
  const size_t n = in.size();
  size_t i = 0;
  while (i < n) {
    const char c = in[i];
    if (c != '&') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 < n && in[i + 1] == '#') {
      size_t j = i + 2;
      const bool hex = j < n && (in[j] == 'x' || in[j] == 'X');
      if (hex) ++j;
      const size_t digits_start = j;
      uint32_t cp = 0;
      bool overflow = false;
      while (j < n && (hex ? hex_value(in[j]) >= 0 : (in[j] >= '0' && in[j] <= '9'))) {
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(hex ? hex_value(in[j]) : in[j] - '0');
        if (cp > 0x10FFFF) overflow = true, cp = 0x110000;
        ++j;
      }
      if (j == digits_start) {  // "&#" with no digits: not a reference.
        out.push_back('&');
        ++i;
        continue;
      }
      if (j < n && in[j] == ';') ++j;
      if (overflow || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        cp = 0xFFFD;
      } else if (cp >= 0x80 && cp <= 0x9F) {
        cp = windows1252_code_point(static_cast<unsigned char>(cp));  // HTML's numeric-reference fix-up.
      }
      append_utf8(&out, cp);
      i = j;
      continue;
    }
    size_t j = i + 1;
    while (j < n && j - i <= 32 && is_alnum(in[j])) ++j;
    const std::string_view name = in.substr(i + 1, j - i - 1);
    const bool has_semicolon = j < n && in[j] == ';';
    const NamedEntity* e = name.empty() ? nullptr : find_entity(name);
    if (e && (has_semicolon || is_legacy_entity(name))) {
      if (!has_semicolon && in_attribute && j < n && (in[j] == '=' || is_alnum(in[j]))) {
        out.push_back('&');
        ++i;
        continue;
      }
      append_utf8(&out, e->cp);
      i = has_semicolon ? j + 1 : j;
      continue;
    }
    if (!e && !has_semicolon && !name.empty()) {
      // Longest legacy prefix without ';' ("&ampfoo" in text is "&foo"); attributes keep it literal.
      bool matched = false;
      if (!in_attribute) {
        for (size_t len = std::min<size_t>(name.size(), 4); len >= 2; --len) {
          const std::string_view prefix = name.substr(0, len);
          if (is_legacy_entity(prefix)) {
            append_utf8(&out, find_entity(prefix)->cp);
            i += 1 + len;
            matched = true;
            break;
          }
        }
      }
      if (matched) continue;
    }
    out.push_back('&');
    ++i;
  }
  return out;
}

namespace {

/// One inflate state per thread, reset between streams: inflateInit allocates about 7 KiB of state and the
/// first output a 32 KiB window, and the leak search inflates every zlib-headed blob it decodes.
class Inflater {
 public:
  Inflater() { ok_ = inflateInit(&zs_) == Z_OK; }
  ~Inflater() {
    if (ok_) inflateEnd(&zs_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  z_stream* reset() { return ok_ && inflateReset(&zs_) == Z_OK ? &zs_ : nullptr; }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

}  // namespace

std::optional<std::string> inflate_zlib(std::string_view in, size_t max_out) {
  // CMF: method 8 (deflate), window at most 32 KiB; the header checksum (CMF*256 + FLG) divisible by 31.
  if (in.size() < 3 || max_out == 0) return std::nullopt;
  const auto cmf = static_cast<unsigned char>(in[0]);
  const auto flg = static_cast<unsigned char>(in[1]);
  if ((cmf & 0x0F) != 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 != 0) return std::nullopt;
  thread_local Inflater inflater;
  z_stream* zs = inflater.reset();
  if (!zs) return std::nullopt;
  // The output grows as it comes, chunk by chunk: a buffer of max_out bytes, zeroed, cost more than the
  // inflation of the few hundred bytes these payloads hold.
  std::array<unsigned char, 4096> chunk;
  std::string out;
  zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs->avail_in = static_cast<uInt>(std::min<size_t>(in.size(), UINT32_MAX));
  int rc = Z_OK;
  while (out.size() < max_out) {
    zs->next_out = chunk.data();
    zs->avail_out = static_cast<uInt>(std::min(chunk.size(), max_out - out.size()));
    rc = inflate(zs, Z_NO_FLUSH);
    out.append(reinterpret_cast<const char*>(chunk.data()), static_cast<size_t>(zs->next_out - chunk.data()));
    // Stop at the end of the stream, on an error, and when the input is spent with output room left (a
    // truncated stream keeps what it yielded).
    if (rc != Z_OK || (zs->avail_in == 0 && zs->avail_out > 0)) break;
  }
  if ((rc != Z_STREAM_END && rc != Z_BUF_ERROR && rc != Z_OK) || out.empty()) return std::nullopt;
  return out;
}

}  // namespace mailveil
