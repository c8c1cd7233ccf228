#include "url.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "idna.h"
#include "public_suffix.h"
#include "text_util.h"

namespace mailveil {
namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_scheme_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
}

// ---- percent-encode sets (URL Standard §1.3), as byte tables; bytes >= 0x80 are always encoded -----------------

enum EncodeSet : uint8_t {
  kC0Control = 1,
  kFragment = 2,
  kQuery = 4,
  kSpecialQuery = 8,
  kPath = 16,
  kUserinfo = 32,
};

/// Which sets each byte is in; every set holds the bytes from 0x80 up (a UTF-8 sequence is encoded byte by byte).
constexpr std::array<uint8_t, 256> make_encode_table() {
  std::array<uint8_t, 256> t{};
  auto add = [&](uint8_t sets, std::string_view chars) {
    for (char c : chars) t[static_cast<unsigned char>(c)] |= sets;
  };
  const uint8_t all = kC0Control | kFragment | kQuery | kSpecialQuery | kPath | kUserinfo;
  for (int c = 0; c < 0x20; ++c) t[c] |= all;
  t[0x7F] |= all;
  for (int c = 0x80; c < 0x100; ++c) t[c] |= all;
  add(kFragment | kQuery | kSpecialQuery | kPath | kUserinfo, " \"<>");
  add(kFragment | kPath | kUserinfo, "`");
  add(kQuery | kSpecialQuery | kPath | kUserinfo, "#");
  add(kSpecialQuery, "'");
  add(kPath | kUserinfo, "?^{}");
  add(kUserinfo, "/:;=@[\\]|");
  return t;
}
constexpr std::array<uint8_t, 256> kEncodeTable = make_encode_table();

bool needs_encoding(char c, EncodeSet set) {
  return (kEncodeTable[static_cast<unsigned char>(c)] & set) != 0;
}

/// Appends `in` percent-encoded by `set`; runs that need nothing are copied at once (most of a URL).
void append_all_encoded(std::string* out, std::string_view in, EncodeSet set);

void append_encoded(std::string* out, char c, EncodeSet set) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const unsigned char b = static_cast<unsigned char>(c);
  if (!needs_encoding(c, set)) {
    out->push_back(c);
    return;
  }
  out->push_back('%');
  out->push_back(kHex[b >> 4]);
  out->push_back(kHex[b & 15]);
}

void append_all_encoded(std::string* out, std::string_view in, EncodeSet set) {
  auto sets = [&](size_t i) { return kEncodeTable[static_cast<unsigned char>(in[i])]; };
  size_t run = 0;
  for (size_t i = 0; i < in.size();) {
    // Four bytes at a step while none of them needs encoding.
    if (i + 4 <= in.size() && ((sets(i) | sets(i + 1) | sets(i + 2) | sets(i + 3)) & set) == 0) {
      i += 4;
      continue;
    }
    if (needs_encoding(in[i], set)) {
      out->append(in.substr(run, i - run));
      append_encoded(out, in[i], set);
      run = i + 1;
    }
    ++i;
  }
  out->append(in.substr(run));
}

/// The bytes that end an authority or a path segment: '/', '?' and '#', and '\\' in a special URL (kBackslash).
enum : uint8_t { kEndsPart = 1, kBackslash = 2 };
constexpr std::array<uint8_t, 256> kPartEnds = [] {
  std::array<uint8_t, 256> t{};
  t['/'] = t['?'] = t['#'] = kEndsPart;
  t['\\'] = kBackslash;
  return t;
}();

// ---- schemes -------------------------------------------------------------------------------------------------

bool is_special(std::string_view scheme) {
  return scheme == "http" || scheme == "https" || scheme == "ws" || scheme == "wss" || scheme == "ftp" ||
         scheme == "file";
}

int default_port(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  if (scheme == "ftp") return 21;
  return -1;
}

// ---- hosts ---------------------------------------------------------------------------------------------------

/// The URL Standard's forbidden host code points, and the forbidden domain code points (those, C0 controls, '%'
/// and DEL), as bits of one table: a host is tested a byte at a time.
enum : uint8_t { kForbiddenHost = 1, kForbiddenDomain = 2 };
constexpr std::array<uint8_t, 256> kHostCodePoints = [] {
  std::array<uint8_t, 256> t{};
  for (unsigned char c : std::string_view("\0\t\n\r #/:<>?@[\\]^|", 17)) t[c] |= kForbiddenHost | kForbiddenDomain;
  for (int c = 0; c < 0x20; ++c) t[c] |= kForbiddenDomain;
  t['%'] |= kForbiddenDomain;
  t[0x7F] |= kForbiddenDomain;
  return t;
}();

bool is_forbidden_host_code_point(char c) {
  return (kHostCodePoints[static_cast<unsigned char>(c)] & kForbiddenHost) != 0;
}

bool is_forbidden_domain_code_point(char c) {
  return (kHostCodePoints[static_cast<unsigned char>(c)] & kForbiddenDomain) != 0;
}

/// The URL Standard's IPv4 number parser: decimal, 0x-hex or 0-octal; nullopt on failure. Values above 2^32 are
/// capped (they fail later anyway).
std::optional<uint64_t> parse_ipv4_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int radix = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    radix = 16;
    s.remove_prefix(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    radix = 8;
    s.remove_prefix(1);
  }
  uint64_t value = 0;
  for (char c : s) {
    int d = -1;
    if (radix == 16) {
      d = hex_value(c);
    } else if (is_digit(c) && c - '0' < radix) {
      d = c - '0';
    }
    if (d < 0) return std::nullopt;
    value = std::min<uint64_t>(value * static_cast<uint64_t>(radix) + static_cast<uint64_t>(d), 1ULL << 33);
  }
  return value;
}

/// Splits on '.', dropping one empty last part (a trailing dot), as the IPv4 parser and "ends in a number" do.
std::vector<std::string_view> ipv4_parts(std::string_view host) {
  std::vector<std::string_view> parts = split_views(host, '.');
  if (parts.size() > 1 && parts.back().empty()) parts.pop_back();
  return parts;
}

/// "Ends in a number": the host is meant as an IPv4 address (and is a failure if it is not a valid one).
bool ends_in_a_number(std::string_view host) {
  if (host.size() > 1 && host.back() == '.') host.remove_suffix(1);
  const size_t dot = host.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  if (std::all_of(last.begin(), last.end(), is_digit)) return true;
  return parse_ipv4_number(last).has_value();
}

std::optional<std::string> parse_ipv4(std::string_view host) {
  const std::vector<std::string_view> parts = ipv4_parts(host);
  if (parts.size() > 4) return std::nullopt;
  std::array<uint64_t, 4> numbers{};
  for (size_t i = 0; i < parts.size(); ++i) {
    auto n = parse_ipv4_number(parts[i]);
    if (!n) return std::nullopt;
    if (i + 1 < parts.size() && *n > 255) return std::nullopt;
    numbers[i] = *n;
  }
  const size_t count = parts.size();
  const uint64_t last = numbers[count - 1];
  if (last >= (1ULL << (8 * (5 - count)))) return std::nullopt;
  uint64_t ipv4 = last;
  for (size_t i = 0; i + 1 < count; ++i) ipv4 += numbers[i] << (8 * (3 - i));
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (!out.empty()) out.push_back('.');
    out += std::to_string((ipv4 >> shift) & 0xFF);
  }
  return out;
}

/// The URL Standard's IPv6 parser and serialiser; returns "[...]" or nullopt.
std::optional<std::string> parse_ipv6(std::string_view in) {
  std::array<uint16_t, 8> address{};
  int piece = 0;
  int compress = -1;
  size_t p = 0;
  const size_t n = in.size();
  auto at = [&](size_t i) { return i < n ? in[i] : '\0'; };
  if (at(p) == ':') {
    if (at(p + 1) != ':') return std::nullopt;
    p += 2;
    compress = ++piece;
  }
  while (p < n) {
    if (piece == 8) return std::nullopt;
    if (in[p] == ':') {
      if (compress >= 0) return std::nullopt;
      ++p;
      compress = ++piece;
      continue;
    }
    uint32_t value = 0;
    int length = 0;
    while (length < 4 && p < n && hex_value(in[p]) >= 0) {
      value = value * 16 + static_cast<uint32_t>(hex_value(in[p]));
      ++p;
      ++length;
    }
    if (at(p) == '.') {
      if (length == 0) return std::nullopt;
      p -= static_cast<size_t>(length);
      if (piece > 6) return std::nullopt;
      int numbers_seen = 0;
      while (p < n) {
        int ipv4_piece = -1;
        if (numbers_seen > 0) {
          if (in[p] == '.' && numbers_seen < 4) {
            ++p;
          } else {
            return std::nullopt;
          }
        }
        if (!is_digit(at(p))) return std::nullopt;
        while (p < n && is_digit(in[p])) {
          const int number = in[p] - '0';
          if (ipv4_piece < 0) {
            ipv4_piece = number;
          } else if (ipv4_piece == 0) {
            return std::nullopt;
          } else {
            ipv4_piece = ipv4_piece * 10 + number;
          }
          if (ipv4_piece > 255) return std::nullopt;
          ++p;
        }
        address[static_cast<size_t>(piece)] =
            static_cast<uint16_t>(address[static_cast<size_t>(piece)] * 0x100 + ipv4_piece);
        ++numbers_seen;
        if (numbers_seen == 2 || numbers_seen == 4) ++piece;
      }
      if (numbers_seen != 4) return std::nullopt;
      break;
    }
    if (at(p) == ':') {
      ++p;
      if (p >= n) return std::nullopt;
    } else if (p < n) {
      return std::nullopt;
    }
    address[static_cast<size_t>(piece)] = static_cast<uint16_t>(value);
    ++piece;
  }
  if (compress >= 0) {
    int swaps = piece - compress;
    piece = 7;
    while (piece != 0 && swaps > 0) {
      std::swap(address[static_cast<size_t>(piece)], address[static_cast<size_t>(compress + swaps - 1)]);
      --piece;
      --swaps;
    }
  } else if (piece != 8) {
    return std::nullopt;
  }
  // Serialise: the first longest run of two or more zero pieces becomes "::".
  int best = -1;
  int best_len = 1;
  for (int i = 0; i < 8;) {
    if (address[static_cast<size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && address[static_cast<size_t>(j)] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "[";
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += i == 0 ? "::" : ":";
      i += best_len - 1;
      continue;
    }
    const uint16_t v = address[static_cast<size_t>(i)];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const int d = (v >> shift) & 15;
      if (d || started || shift == 0) {
        out.push_back(kHex[d]);
        started = true;
      }
    }
    if (i != 7) out.push_back(':');
  }
  out.push_back(']');
  return out;
}

/// The URL Standard's host parser. Special schemes: percent-decoding, UTS #46, forbidden domain code points,
/// IPv4; others: an opaque host. One trailing dot of a domain is dropped (the same DNS name; docs/evaluation.md).
std::optional<std::string> parse_host(std::string_view input, bool special) {
  if (!input.empty() && input.front() == '[') {
    if (input.size() < 2 || input.back() != ']') return std::nullopt;
    return parse_ipv6(input.substr(1, input.size() - 2));
  }
  if (!special) {
    if (std::any_of(input.begin(), input.end(), is_forbidden_host_code_point)) return std::nullopt;
    std::string out;
    out.reserve(input.size());
    for (char c : input) append_encoded(&out, c, kC0Control);
    return out;
  }
  std::optional<std::string> ascii;
  if (input.find('%') == std::string_view::npos) {
    ascii = domain_to_ascii(input);
  } else {
    ascii = domain_to_ascii(percent_decode(input));
  }
  if (!ascii || ascii->empty()) return std::nullopt;
  if (std::any_of(ascii->begin(), ascii->end(), is_forbidden_domain_code_point)) return std::nullopt;
  if (ends_in_a_number(*ascii)) return parse_ipv4(*ascii);
  std::string& host = *ascii;
  if (host.size() >= 2 && host.back() == '.' && host[host.size() - 2] != '.') host.pop_back();
  return std::move(host);
}

// ---- paths ---------------------------------------------------------------------------------------------------

bool is_single_dot(std::string_view s) {
  return s == "." || iequals(s, "%2e");
}

bool is_double_dot(std::string_view s) {
  return s == ".." || iequals(s, ".%2e") || iequals(s, "%2e.") || iequals(s, "%2e%2e");
}

/// Removes the last segment of a serialised path ("/a/b" -> "/a", "/" -> "").
void shorten_path(std::string* path) {
  const size_t slash = path->rfind('/');
  path->resize(slash == std::string::npos ? 0 : slash);
}

// ---- the parser ----------------------------------------------------------------------------------------------

class Parser {
 public:
  Parser(std::string_view s, Url* url) : s_(s), n_(s.size()), url_(*url) {}

  /// Authority at p (userinfo, host, port), then the path start.
  bool authority(size_t p) {
    const size_t end = part_end(p);
    std::string_view auth = s_.substr(p, end - p);
    if (const size_t at = auth.rfind('@'); at != std::string_view::npos) {
      credentials(auth.substr(0, at));
      auth.remove_prefix(at + 1);
      if (auth.empty()) return false;
    }
    // The port starts at the first ':' outside brackets.
    size_t colon = std::string_view::npos;
    bool brackets = false;
    for (size_t i = 0; i < auth.size(); ++i) {
      if (auth[i] == '[') brackets = true;
      if (auth[i] == ']') brackets = false;
      if (auth[i] == ':' && !brackets) {
        colon = i;
        break;
      }
    }
    const std::string_view host = auth.substr(0, colon);
    if (host.empty() && (special_ || colon != std::string_view::npos)) return false;
    auto parsed = parse_host(host, special_);
    if (!parsed) return false;
    url_.host = std::move(*parsed);
    if (colon != std::string_view::npos && !port(auth.substr(colon + 1))) return false;
    return path_start(end);
  }

  /// The relative state: `p` is just after the scheme, or 0; `base` supplies what the input leaves out.
  bool relative(size_t p, const Url& base) {
    url_.scheme = base.scheme;
    special_ = is_special(url_.scheme);
    const char c = p < n_ ? s_[p] : '\0';
    if (p < n_ && (c == '/' || (special_ && c == '\\'))) {
      const char next = p + 1 < n_ ? s_[p + 1] : '\0';
      if (special_ && (next == '/' || next == '\\')) return authority(skip_slashes(p));
      if (!special_ && next == '/') return authority(p + 2);
      copy_authority(base);
      return path(p + 1);
    }
    copy_authority(base);
    url_.path = base.path;
    url_.query = base.query;
    url_.has_query = base.has_query;
    if (p >= n_) return true;
    if (c == '?') return query(p + 1);
    if (c == '#') return fragment(p + 1);
    url_.query.clear();
    url_.has_query = false;
    shorten_path(&url_.path);
    return path(p);
  }

  bool special() const { return special_; }
  void set_special(bool special) { special_ = special; }

  /// Skips every '/' and '\' from p (the "special authority ignore slashes" state).
  size_t skip_slashes(size_t p) const {
    while (p < n_ && (s_[p] == '/' || s_[p] == '\\')) ++p;
    return p;
  }

  /// After the host: the path, query and fragment from p.
  bool path_start(size_t p) {
    if (special_) {
      if (p < n_ && (s_[p] == '/' || s_[p] == '\\')) ++p;
      return path(p);
    }
    if (p >= n_) return true;
    if (s_[p] == '/') return path(p + 1);
    if (s_[p] == '?') return query(p + 1);
    if (s_[p] == '#') return fragment(p + 1);
    return path(p);
  }

  /// The path state from p: segments appended to url_.path, dot segments applied.
  bool path(size_t p) {
    std::string& out = url_.path;
    while (true) {
      const size_t end = part_end(p);
      // Dot segments are recognised before encoding: they hold nothing that encoding changes.
      const std::string_view segment = s_.substr(p, end - p);
      const bool separator = end < n_ && (s_[end] == '/' || (special_ && s_[end] == '\\'));
      if (is_double_dot(segment)) {
        shorten_path(&out);
        if (!separator) out.push_back('/');
      } else if (is_single_dot(segment)) {
        if (!separator) out.push_back('/');
      } else {
        out.push_back('/');
        append_all_encoded(&out, segment, kPath);
      }
      if (end >= n_) return true;
      if (s_[end] == '?') return query(end + 1);
      if (s_[end] == '#') return fragment(end + 1);
      p = end + 1;
    }
  }

  bool query(size_t p) {
    url_.has_query = true;
    url_.query.clear();
    const EncodeSet set = special_ ? kSpecialQuery : kQuery;
    size_t end = s_.find('#', p);
    if (end == std::string_view::npos) end = n_;
    url_.query.reserve(end - p);
    append_all_encoded(&url_.query, s_.substr(p, end - p), set);
    return end >= n_ || fragment(end + 1);
  }

  bool fragment(size_t p) {
    url_.has_fragment = true;
    if (p < n_) append_all_encoded(&url_.fragment, s_.substr(p), kFragment);
    return true;
  }

 private:
  /// Where the authority or path segment at p ends: the next '/', '?' or '#' (or '\\' in a special URL), or n_.
  size_t part_end(size_t p) const {
    const uint8_t ends = special_ ? kEndsPart | kBackslash : kEndsPart;
    while (p < n_ && (kPartEnds[static_cast<unsigned char>(s_[p])] & ends) == 0) ++p;
    return p;
  }

  void copy_authority(const Url& base) {
    url_.userinfo = base.userinfo;
    url_.host = base.host;
    url_.port = base.port;
  }

  /// Everything before the last '@': username, then password after the first ':'.
  void credentials(std::string_view raw) {
    std::string& out = url_.userinfo;
    std::string password;
    bool password_seen = false;
    for (char c : raw) {
      if (c == ':' && !password_seen) {
        password_seen = true;
        continue;
      }
      append_encoded(password_seen ? &password : &out, c, kUserinfo);
    }
    if (!password.empty()) {
      out.push_back(':');
      out += password;
    }
  }

  bool port(std::string_view digits) {
    uint32_t value = 0;
    for (char c : digits) {
      if (!is_digit(c)) return false;
      value = std::min<uint32_t>(value * 10 + static_cast<uint32_t>(c - '0'), 100000);
    }
    if (value > 65535) return false;
    if (digits.empty() || static_cast<int>(value) == default_port(url_.scheme)) return true;
    url_.port = std::to_string(value);
    return true;
  }

  std::string_view s_;
  size_t n_;
  Url& url_;
  bool special_ = false;
};

/// Strips leading/trailing C0 controls and spaces, and removes tabs and newlines: the parser's input.
std::string_view preprocess(std::string_view text, std::string* storage) {
  size_t b = 0;
  size_t e = text.size();
  while (b < e && static_cast<unsigned char>(text[b]) <= 0x20) ++b;
  while (e > b && static_cast<unsigned char>(text[e - 1]) <= 0x20) --e;
  std::string_view trimmed = text.substr(b, e - b);
  const bool has_tab_or_newline =
      has_byte_below(trimmed, '\r' + 1) &&
      std::any_of(trimmed.begin(), trimmed.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; });
  if (!has_tab_or_newline) return trimmed;
  storage->reserve(trimmed.size());
  for (char c : trimmed) {
    if (c != '\t' && c != '\n' && c != '\r') storage->push_back(c);
  }
  return *storage;
}

/// Length of the scheme at the start of s (letters first, then letters, digits, '+', '-', '.', then ':'), or 0.
size_t scheme_length(std::string_view s) {
  if (s.empty() || !is_alpha(s[0])) return 0;
  size_t j = 1;
  while (j < s.size() && is_scheme_char(s[j])) ++j;
  return j < s.size() && s[j] == ':' ? j : 0;
}

std::optional<Url> parse(std::string_view text, const Url* base) {
  std::string storage;
  const std::string_view s = preprocess(text, &storage);
  Url url;
  url.written = std::string(s);
  Parser parser(s, &url);
  bool ok = false;
  if (const size_t len = scheme_length(s); len > 0) {
    url.scheme = ascii_lower(s.substr(0, len));
    const size_t p = len + 1;
    if (url.scheme == "file") return std::nullopt;  // no remote host
    if (is_special(url.scheme)) {
      parser.set_special(true);
      if (base && base->scheme == url.scheme && !(p + 1 < s.size() && s[p] == '/' && s[p + 1] == '/')) {
        ok = parser.relative(p, *base);
      } else {
        ok = parser.authority(parser.skip_slashes(p));
      }
    } else if (p + 1 < s.size() && s[p] == '/' && s[p + 1] == '/') {
      ok = parser.authority(p + 2);
    }  // else: an opaque path (mailto:, data:) or a path without a host
  } else if (base) {
    ok = parser.relative(0, *base);
  } else if (s.size() >= 2 && (s[0] == '/' || s[0] == '\\') && (s[1] == '/' || s[1] == '\\')) {
    url.scheme = "https";  // protocol-relative: a webmail page is served over https
    parser.set_special(true);
    ok = parser.authority(parser.skip_slashes(0));
  }
  if (!ok || url.host.empty()) return std::nullopt;
  return url;
}

}  // namespace

namespace {

/// scheme://[userinfo@]host[:port]path[?query], appended to *out.
void append_without_fragment(const Url& u, std::string* out) {
  *out += u.scheme;
  *out += u.scheme.empty() ? "//" : "://";
  if (!u.userinfo.empty()) {
    *out += u.userinfo;
    out->push_back('@');
  }
  *out += u.host;
  if (!u.port.empty()) {
    out->push_back(':');
    *out += u.port;
  }
  *out += u.path;
  if (u.has_query) {
    out->push_back('?');
    *out += u.query;
  }
}

size_t size_without_fragment(const Url& u) {
  return u.scheme.size() + 3 + u.userinfo.size() + 1 + u.host.size() + 1 + u.port.size() + u.path.size() + 1 +
         u.query.size();
}

}  // namespace

std::string Url::without_fragment() const {
  std::string out;
  out.reserve(size_without_fragment(*this));
  append_without_fragment(*this, &out);
  return out;
}

std::string Url::str() const {
  std::string out;
  out.reserve(size_without_fragment(*this) + 1 + fragment.size());
  append_without_fragment(*this, &out);
  if (has_fragment) {
    out.push_back('#');
    out += fragment;
  }
  return out;
}

std::optional<Url> parse_url(std::string_view text) {
  return parse(text, nullptr);
}

std::optional<Url> parse_url(std::string_view text, const Url& base) {
  return parse(text, &base);
}

std::optional<Url> split_url_as_written(std::string_view text) {
  std::string storage;
  const std::string_view s = preprocess(text, &storage);
  Url url;
  url.written = std::string(s);
  size_t pos = 0;
  if (const size_t len = scheme_length(s); len > 0) {
    url.scheme = std::string(s.substr(0, len));
    pos = len + 1;
  }
  while (pos < s.size() && (s[pos] == '/' || s[pos] == '\\')) ++pos;
  size_t auth_end = pos;
  while (auth_end < s.size() && s[auth_end] != '/' && s[auth_end] != '\\' && s[auth_end] != '?' && s[auth_end] != '#') {
    ++auth_end;
  }
  std::string_view authority = s.substr(pos, auth_end - pos);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    url.userinfo = std::string(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }
  url.host = std::string(authority);  // the port stays with the host, as written
  std::string_view rest = s.substr(auth_end);
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
    url.fragment = std::string(rest.substr(hash + 1));
    url.has_fragment = true;
    rest = rest.substr(0, hash);
  }
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    url.query = std::string(rest.substr(q + 1));
    url.has_query = true;
    rest = rest.substr(0, q);
  }
  url.path = std::string(rest);
  if (url.host.empty()) return std::nullopt;
  return url;
}

std::string percent_decode(std::string_view s, bool plus_as_space) {
  if (s.find('%') == std::string_view::npos && (!plus_as_space || s.find('+') == std::string_view::npos)) {
    return std::string(s);
  }
  std::string out(s.size(), '\0');  // decoding only shrinks
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[n++] = static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out[n++] = plus_as_space && c == '+' ? ' ' : c;
  }
  out.resize(n);
  return out;
}

std::string_view percent_decoded(std::string_view s, std::string* buffer) {
  if (s.find('%') == std::string_view::npos) return s;
  *buffer = percent_decode(s);
  return *buffer;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> split_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : split_query_views(query)) out.emplace_back(std::string(k), std::string(v));
  return out;
}

std::vector<std::pair<std::string_view, std::string_view>> split_query_views(std::string_view query) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  for_each_query_pair(query, [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return true;
  });
  return out;
}

std::string join_query(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += k;
    if (!v.empty()) {
      out.push_back('=');
      out += v;
    }
  }
  return out;
}

bool is_valid_hostname(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.back() == '.') return false;
  size_t label = 0;
  for (size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    if (c == '.') {
      if (label == 0 || host[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok || (label == 0 && c == '-') || ++label > 63) return false;
  }
  return host.back() != '-';
}

bool host_matches_domain(std::string_view host, std::string_view domain) {
  if (domain.empty() || host.size() < domain.size()) return false;
  if (host.size() == domain.size()) return host == domain;
  return host.ends_with(domain) && host[host.size() - domain.size() - 1] == '.';
}

std::string registrable_domain(std::string_view host) {
  return public_registrable_domain(host);
}

std::string address_domain(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return "";
  std::string d = ascii_lower(address.substr(at + 1));
  while (!d.empty() && (d.back() == '>' || d.back() == ' ')) d.pop_back();
  return d;
}

}  // namespace mailveil
