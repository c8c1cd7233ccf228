#include "plain_pattern.h"

#include <re2/re2.h>

namespace mailveil {
namespace {

constexpr size_t npos = std::string_view::npos;

// The prefix abp_import has always written for `||`: a scheme, "://", then optionally anything up to a dot in
// the authority, so that the pattern starts at the host or at one of its labels.
constexpr std::string_view kHostAnchorRe2 = "^[a-z][a-z0-9+.-]*://(?:[^/?#]*\\.)?";
constexpr std::string_view kSeparatorRe2 = "(?:[^A-Za-z0-9_.%-]|$)";

inline unsigned char lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

inline bool is_separator(unsigned char c) {
  return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '%' || c == '-');
}

/// A literal the plain form can hold: printable ASCII other than the two special characters.
inline bool is_plain_literal(unsigned char c) {
  return c >= 0x20 && c <= 0x7e && c != '*' && c != '^';
}

/// Matches one piece (no '*') at `pos`; the end position, or npos. A separator at the end of the URL matches
/// nothing (RE2's `$` alternative). With `fold`, `text` is the lower-cased URL and pattern letters are lowered.
size_t match_piece(std::string_view piece, std::string_view text, size_t pos, bool fold) {
  const size_t n = text.size();
  for (char pc : piece) {
    const auto p = static_cast<unsigned char>(pc);
    if (p == '^') {
      if (pos < n) {
        if (!is_separator(static_cast<unsigned char>(text[pos]))) return npos;
        ++pos;
      }
      continue;
    }
    if (pos >= n || static_cast<unsigned char>(text[pos]) != (fold ? lower(p) : p)) return npos;
    ++pos;
  }
  return pos;
}

/// The leftmost start >= from at which the piece matches; its end, or npos. Candidates come from a substring
/// search for the piece's literal prefix.
size_t find_piece(std::string_view piece, std::string_view text, size_t from, bool fold) {
  const size_t n = text.size();
  size_t literal = 0;
  while (literal < piece.size() && piece[literal] != '^') ++literal;
  if (literal == 0) {
    for (size_t s = from; s <= n; ++s) {
      if (size_t e = match_piece(piece, text, s, fold); e != npos) return e;
    }
    return npos;
  }
  char buffer[64];
  std::string prefix_storage;
  std::string_view prefix = piece.substr(0, literal);
  if (fold) {
    char* out = buffer;
    if (literal > sizeof buffer) {
      prefix_storage.resize(literal);
      out = prefix_storage.data();
    }
    for (size_t i = 0; i < literal; ++i) out[i] = static_cast<char>(lower(static_cast<unsigned char>(piece[i])));
    prefix = std::string_view(out, literal);
  }
  for (size_t s = text.find(prefix, from); s != npos; s = text.find(prefix, s + 1)) {
    if (literal == piece.size()) return s + literal;
    if (size_t e = match_piece(piece.substr(literal), text, s + literal, fold); e != npos) return e;
  }
  return npos;
}

/// Matches the pieces after a '*' (`rest` is the body after it) from `pos`. Without '\n' in the URL, `.*`
/// reaches any later position, so the leftmost occurrence of each piece leaves the most room for the next.
bool match_rest(std::string_view rest, std::string_view url, size_t pos, bool fold, bool end_anchor) {
  const size_t n = url.size();
  for (;;) {
    const size_t star = rest.find('*');
    const bool last = star == npos;
    const std::string_view piece = rest.substr(0, star);
    if (!last) rest.remove_prefix(star + 1);
    if (piece.empty()) {
      if (last) return true;  // a trailing `.*` takes the rest, the end included
      continue;               // `.*.*`
    }
    if (last && end_anchor) {
      // The piece must end at the end of the URL: it consumes its length, less the separators at its end that
      // matched the end itself.
      const size_t length = piece.size();
      size_t trailing = 0;
      while (trailing < length && piece[length - 1 - trailing] == '^') ++trailing;
      const size_t lo = n >= length ? n - length : 0;
      const size_t hi = n >= length - trailing ? n - (length - trailing) : 0;
      for (size_t s = std::max(lo, pos); s <= hi; ++s) {
        if (match_piece(piece, url, s, fold) == n) return true;
      }
      return false;
    }
    const size_t e = find_piece(piece, url, pos, fold);
    if (e == npos) return false;
    if (last) return true;
    pos = e;
  }
}

/// Where the host starts in a URL, as `^[a-z][a-z0-9+.-]*://` reads it; npos when the URL does not start so.
size_t host_start(std::string_view url, bool fold) {
  auto scheme_char = [&](unsigned char c, bool first) {
    c = fold ? lower(c) : c;
    if (c >= 'a' && c <= 'z') return true;
    return !first && ((c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-');
  };
  if (url.empty() || !scheme_char(static_cast<unsigned char>(url[0]), true)) return npos;
  size_t i = 1;
  while (i < url.size() && scheme_char(static_cast<unsigned char>(url[i]), false)) ++i;
  if (url.substr(i, 3) != "://") return npos;
  return i + 3;
}

}  // namespace

PlainPattern plain_from_abp(std::string_view pattern, bool match_case) {
  PlainPattern out;
  out.match_case = match_case;
  if (pattern.starts_with("||")) {
    out.anchor = PlainPattern::Anchor::kHost;
    pattern.remove_prefix(2);
  } else if (pattern.starts_with("|")) {
    out.anchor = PlainPattern::Anchor::kStart;
    pattern.remove_prefix(1);
  }
  if (pattern.ends_with("|")) {
    out.end_anchor = true;
    pattern.remove_suffix(1);
  }
  // Unanchored ends are implicit (the matcher searches), so leading/trailing '*' add nothing.
  if (out.anchor == PlainPattern::Anchor::kNone) {
    while (pattern.starts_with("*")) pattern.remove_prefix(1);
  }
  if (!out.end_anchor) {
    while (pattern.ends_with("*")) pattern.remove_suffix(1);
  }
  for (char c : pattern) {
    if (c == '*' && !out.body.empty() && out.body.back() == '*') continue;
    out.body += c;
  }
  return out;
}

std::string plain_pattern_to_re2(const PlainPattern& p) {
  std::string re = p.match_case ? "" : "(?i)";
  if (p.anchor == PlainPattern::Anchor::kHost) {
    re += kHostAnchorRe2;
  } else if (p.anchor == PlainPattern::Anchor::kStart) {
    re += "^";
  }
  for (char c : p.body) {
    if (c == '*') {
      re += ".*";
    } else if (c == '^') {
      re += kSeparatorRe2;
    } else {
      re += RE2::QuoteMeta(std::string_view(&c, 1));
    }
  }
  if (p.end_anchor) re += "$";
  return re;
}

std::optional<PlainPattern> parse_plain_pattern(std::string_view re) {
  const std::string_view original = re;
  PlainPattern p;
  p.match_case = !re.starts_with("(?i)");
  if (!p.match_case) re.remove_prefix(4);
  if (re.starts_with(kHostAnchorRe2)) {
    p.anchor = PlainPattern::Anchor::kHost;
    re.remove_prefix(kHostAnchorRe2.size());
  } else if (re.starts_with("^")) {
    p.anchor = PlainPattern::Anchor::kStart;
    re.remove_prefix(1);
  }
  while (!re.empty()) {
    if (re == "$") {
      p.end_anchor = true;
      break;
    }
    if (re.starts_with(".*")) {
      p.body += '*';
      re.remove_prefix(2);
    } else if (re.starts_with(kSeparatorRe2)) {
      p.body += '^';
      re.remove_prefix(kSeparatorRe2.size());
    } else if (re.front() == '\\' && re.size() >= 2 && is_plain_literal(static_cast<unsigned char>(re[1]))) {
      p.body += re[1];
      re.remove_prefix(2);
    } else if (is_plain_literal(static_cast<unsigned char>(re.front())) && re.front() != '\\') {
      p.body += re.front();
      re.remove_prefix(1);
    } else {
      return std::nullopt;
    }
  }
  // Accept only the exact spelling: then the two forms are the same pattern by construction.
  if (plain_pattern_to_re2(p) != original) return std::nullopt;
  return p;
}

uint8_t plain_flags(const PlainPattern& p) {
  uint8_t f = 0;
  if (p.anchor == PlainPattern::Anchor::kStart) f |= kPlainAnchorStart;
  if (p.anchor == PlainPattern::Anchor::kHost) f |= kPlainAnchorHost;
  if (p.end_anchor) f |= kPlainEndAnchor;
  if (p.match_case) f |= kPlainMatchCase;
  return f;
}

PlainPattern plain_from_flags(uint8_t flags, std::string_view body) {
  PlainPattern p;
  p.anchor = (flags & kPlainAnchorHost)    ? PlainPattern::Anchor::kHost
             : (flags & kPlainAnchorStart) ? PlainPattern::Anchor::kStart
                                           : PlainPattern::Anchor::kNone;
  p.end_anchor = (flags & kPlainEndAnchor) != 0;
  p.match_case = (flags & kPlainMatchCase) != 0;
  p.body = std::string(body);
  return p;
}

bool plain_match(uint8_t flags, std::string_view body, std::string_view url, std::string_view lowered) {
  const bool fold = (flags & kPlainMatchCase) == 0;
  if (fold) url = lowered;
  const bool end_anchor = (flags & kPlainEndAnchor) != 0;
  const size_t n = url.size();
  const size_t star = body.find('*');
  const std::string_view first = body.substr(0, star);
  const std::string_view rest = star == npos ? std::string_view() : body.substr(star + 1);

  // The first piece at a given start; with a '*' after it, the earliest start that matches is the best one.
  auto from = [&](size_t s) -> int {  // 1 match, 0 no match here, -1 no match anywhere later either
    const size_t e = match_piece(first, url, s, fold);
    if (e == npos) return 0;
    if (star != npos) return match_rest(rest, url, e, fold, end_anchor) ? 1 : -1;
    return (!end_anchor || e == n) ? 1 : 0;
  };

  if (flags & kPlainAnchorStart) return from(0) == 1;
  if (flags & kPlainAnchorHost) {
    const size_t a = host_start(url, fold);
    if (a == npos) return false;
    if (int r = from(a); r != 0) return r == 1;
    for (size_t j = a; j < n && url[j] != '/' && url[j] != '?' && url[j] != '#'; ++j) {
      if (url[j] != '.') continue;
      if (int r = from(j + 1); r != 0) return r == 1;
    }
    return false;
  }
  if (star == npos && end_anchor) {
    // The only piece must end at the end of the URL.
    size_t trailing = 0;
    while (trailing < first.size() && first[first.size() - 1 - trailing] == '^') ++trailing;
    const size_t lo = n >= first.size() ? n - first.size() : 0;
    const size_t hi = n >= first.size() - trailing ? n - (first.size() - trailing) : 0;
    for (size_t s = lo; s <= hi; ++s) {
      if (match_piece(first, url, s, fold) == n) return true;
    }
    return false;
  }
  if (first.empty()) return star == npos || from(0) == 1;
  // Unanchored: the leftmost occurrence of the first piece decides.
  const size_t e = find_piece(first, url, 0, fold);
  if (e == npos) return false;
  return star == npos || match_rest(rest, url, e, fold, end_anchor);
}

std::optional<bool> plain_match_at_token(uint8_t flags, std::string_view body, std::string_view url,
                                         std::string_view lowered, uint32_t hash,
                                         std::span<const uint32_t> token_starts) {
  if (flags & (kPlainAnchorStart | kPlainAnchorHost)) return std::nullopt;
  const bool end_anchor = (flags & kPlainEndAnchor) != 0;
  const size_t star = body.find('*');
  if (star == npos && end_anchor) return std::nullopt;
  const std::string_view first = body.substr(0, star);
  // A complete token of the first piece (as plain_tokens reads one: a maximal run with a bound on each side
  // inside the piece) whose hash is `hash`, and its offset.
  size_t offset = npos;
  for (size_t i = 1; i < first.size() && offset == npos;) {
    if (!is_token_char(static_cast<unsigned char>(first[i])) ||
        is_token_char(static_cast<unsigned char>(first[i - 1]))) {
      ++i;
      continue;
    }
    size_t j = i;
    uint32_t h = kTokenHashSeed;
    for (; j < first.size() && is_token_char(static_cast<unsigned char>(first[j])); ++j) {
      h = token_hash_step(h, kTokenChars[static_cast<unsigned char>(first[j])]);
    }
    if (j < first.size() && h == hash) offset = i;
    i = j;
  }
  if (offset == npos) return std::nullopt;
  const bool fold = (flags & kPlainMatchCase) == 0;
  if (fold) url = lowered;
  const std::string_view rest = star == npos ? std::string_view() : body.substr(star + 1);
  // Any match of the first piece has the token at one of the places: the leftmost that matches decides, as in
  // plain_match.
  for (const uint32_t at : token_starts) {
    if (at < offset) continue;
    const size_t e = match_piece(first, url, at - offset, fold);
    if (e == npos) continue;
    return star == npos || match_rest(rest, url, e, fold, end_anchor);
  }
  return false;
}

std::vector<std::string> plain_tokens(const PlainPattern& p) {
  std::vector<std::string> out;
  const std::string_view b = p.body;
  const size_t n = b.size();
  for (size_t i = 0; i < n; ++i) {
    if (!is_token_char(static_cast<unsigned char>(b[i]))) continue;
    if (i > 0 && is_token_char(static_cast<unsigned char>(b[i - 1]))) continue;
    size_t j = i;
    while (j < n && is_token_char(static_cast<unsigned char>(b[j]))) ++j;
    // Bounded on the left by a non-token literal or a separator, or at the start by an anchor (the URL's start,
    // or the start of a host label: after "://" or a dot); on the right likewise, or by the end anchor.
    const bool left = i == 0 ? p.anchor != PlainPattern::Anchor::kNone : b[i - 1] != '*';
    const bool right = j == n ? p.end_anchor : b[j] != '*';
    if (left && right) {
      std::string token(b.substr(i, j - i));
      for (char& c : token) c = static_cast<char>(lower(static_cast<unsigned char>(c)));
      out.push_back(std::move(token));
    }
    i = j;
  }
  return out;
}

uint64_t byte_bits(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  uint64_t a = 0, b = 0, c = 0, d = 0;  // four at a step, independent of each other
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a |= kByteBits[p[i]];
    b |= kByteBits[p[i + 1]];
    c |= kByteBits[p[i + 2]];
    d |= kByteBits[p[i + 3]];
  }
  for (; i < n; ++i) a |= kByteBits[p[i]];
  return a | b | c | d;
}

uint64_t plain_required_bits(std::string_view body) {
  uint64_t bits = 0;
  for (char c : body) {
    if (c != '*' && c != '^') bits |= kByteBits[static_cast<unsigned char>(c)];
  }
  return bits;
}

}  // namespace mailveil
