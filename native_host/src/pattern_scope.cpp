#include "pattern_scope.h"

#include <array>
#include <optional>

#include "text_util.h"

// The normalised URL a pattern sees is scheme://[userinfo@]host[:port]path[?query], host lower-cased. A pattern
// that starts with a known scheme prefix and then spells its host as a chain of labels, or any host followed by
// a literal first path segment, is confined to URLs with that host or segment. Every construct below is
// recognised by its exact spelling; whatever is not listed ends the analysis with "anywhere", which is always
// correct (only slower).

namespace mailveil {
namespace {

using Keys = std::vector<std::string>;

constexpr std::array<std::string_view, 4> kSchemes = {"https?://", "https://", "http://", "[a-z][a-z0-9+.-]*://"};

// Optional or repeated subdomain prefixes. Each matches nothing or text that ends with '.', so the label
// chain after it is the end of the host (or the whole host).
constexpr std::array<std::string_view, 9> kSubdomainPrefixes = {
    "(?:[a-z0-9-]+\\.)*", "(?:[a-z0-9-]+\\.)?", "(?:[a-z0-9-]+\\.)+", "(?:[^/?#]*\\.)?",    "(?:[^/?#]+\\.)?",
    "[^/?#]*\\.",         "[^/?#]+\\.",         "(?:www\\.)?",        "(?:[a-z0-9_-]+\\.)*"};

constexpr std::array<std::string_view, 2> kPorts = {"(?::[0-9]+)?", "(?::\\d+)?"};

// What may follow a host: each requires the next character to be ':', '/', '?' or the end of the URL (or, for
// abp_import's separator, any character that cannot be part of a host name).
constexpr std::array<std::string_view, 10> kHostEnds = {
    "/", "\\/", "\\?", "[/?]", "[/?#]", "(?:/|$)", "(?:[/?#]|$)", "$", ":", "(?:[^A-Za-z0-9_.%-]|$)"};

// Hosts written as "any host": [^/?#] cannot leave the authority, so a '/' after it starts the path.
constexpr std::array<std::string_view, 2> kAnyHosts = {"[^/?#]+", "[^/?#]*"};

// What may end a first path segment: each requires '/', '?' or the end of the URL next.
constexpr std::array<std::string_view, 8> kSegmentEnds = {"/",     "\\/",         "\\?",     "[/?]",
                                                          "[/?#]", "(?:[/?#]|$)", "(?:/|$)", "$"};

template <size_t N>
bool eat_any(std::string_view* s, const std::array<std::string_view, N>& tokens) {
  for (std::string_view t : tokens) {
    if (s->starts_with(t)) {
      s->remove_prefix(t.size());
      return true;
    }
  }
  return false;
}

template <size_t N>
bool starts_with_any(std::string_view s, const std::array<std::string_view, N>& tokens) {
  for (std::string_view t : tokens) {
    if (s.starts_with(t)) return true;
  }
  return false;
}

bool is_quantifier(char c) {
  return c == '*' || c == '+' || c == '?' || c == '{';
}

bool is_label_char(char c, bool fold) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || (fold && c >= 'A' && c <= 'Z');
}

/// Every key of `heads` followed by every key of `tails`, or nullopt past the cap.
std::optional<Keys> product(const Keys& heads, const Keys& tails) {
  if (heads.size() * tails.size() > kMaxScopeKeys) return std::nullopt;
  Keys out;
  for (const auto& h : heads) {
    for (const auto& t : tails) out.push_back(h + t);
  }
  return out;
}

/// One host label spelled literally ("sendgrid", "p1\-brevo"), lower-cased into *out. Stops before "\." or at
/// anything that is not a label character.
bool read_literal_label(std::string_view* s, bool fold, std::string* out) {
  std::string label;
  while (!s->empty()) {
    char c = s->front();
    if (c == '\\' && s->size() >= 2 && (*s)[1] == '-') {
      label += '-';
      s->remove_prefix(2);
    } else if (is_label_char(c, fold)) {
      label += ascii_lower_char(c);
      s->remove_prefix(1);
    } else {
      break;
    }
  }
  if (label.empty() || (!s->empty() && is_quantifier(s->front()))) return false;
  *out = std::move(label);
  return true;
}

/// A literal host suffix such as "sendgrid\.net": labels joined by "\.". The last label is not followed by
/// "\." (the caller reads what comes next).
bool read_literal_domain(std::string_view* s, bool fold, std::string* out) {
  std::string domain;
  for (;;) {
    std::string label;
    if (!read_literal_label(s, fold, &label)) return false;
    domain += label;
    if (!s->starts_with("\\.")) break;
    // A "\." is part of this domain only if another literal label follows it.
    std::string_view rest = s->substr(2);
    std::string next;
    if (!read_literal_label(&rest, fold, &next)) break;
    domain += '.';
    s->remove_prefix(2);
  }
  *out = std::move(domain);
  return true;
}

/// "(?:a\.com|b\.net)": a group whose every alternative is a literal domain. Not followed by a quantifier.
std::optional<Keys> read_literal_group(std::string_view* s, bool fold) {
  if (!s->starts_with("(?:")) return std::nullopt;
  std::string_view rest = s->substr(3);
  Keys alternatives;
  for (;;) {
    std::string domain;
    if (!read_literal_domain(&rest, fold, &domain)) return std::nullopt;
    alternatives.push_back(std::move(domain));
    if (alternatives.size() > kMaxScopeKeys) return std::nullopt;
    if (rest.starts_with("|")) {
      rest.remove_prefix(1);
      continue;
    }
    if (!rest.starts_with(")")) return std::nullopt;
    rest.remove_prefix(1);
    break;
  }
  if (!rest.empty() && is_quantifier(rest.front())) return std::nullopt;
  *s = rest;
  return alternatives;
}

/// A character class whose members are all host-label characters ("[a-z0-9-]", "[0-9]").
bool read_label_class(std::string_view* s) {
  if (!s->starts_with("[") || s->starts_with("[^")) return false;
  size_t close = s->find(']', 1);
  if (close == std::string_view::npos || close == 1) return false;
  for (char c : s->substr(1, close - 1)) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return false;
    }
  }
  s->remove_prefix(close + 1);
  return true;
}

/// A quantifier ("+", "*", "?", "{2}", "{2,6}") if one is next.
void skip_quantifier(std::string_view* s) {
  if (s->empty()) return;
  if (s->front() == '*' || s->front() == '+' || s->front() == '?') {
    s->remove_prefix(1);
  } else if (s->front() == '{') {
    size_t close = s->find('}');
    if (close == std::string_view::npos) return;
    for (char c : s->substr(1, close - 1)) {
      if (!((c >= '0' && c <= '9') || c == ',')) return;
    }
    s->remove_prefix(close + 1);
  }
}

/// A label that is not literal but can only match label characters ("mkt[0-9]{2,5}", "[a-z0-9-]+").
bool read_pattern_label(std::string_view* s, bool fold) {
  bool any = false;
  while (!s->empty()) {
    if (s->front() == '[') {
      if (!read_label_class(s)) return false;
    } else if (s->front() == '\\' && s->size() >= 2 && (*s)[1] == '-') {
      s->remove_prefix(2);
    } else if (is_label_char(s->front(), fold)) {
      s->remove_prefix(1);
    } else {
      break;
    }
    skip_quantifier(s);
    any = true;
  }
  return any;
}

/// The host part after the scheme: [subdomain prefix] label ("\." label)* [port] host-end. The keys are the
/// literal labels at the end of the chain (every spelling, through literal groups).
std::optional<Keys> read_host_scope(std::string_view s, bool fold) {
  eat_any(&s, kSubdomainPrefixes);
  Keys tail{""};  // literal suffix read since the last non-literal label
  for (;;) {
    Keys component;
    if (s.starts_with("(?:")) {
      auto group = read_literal_group(&s, fold);
      if (!group) return std::nullopt;
      component = std::move(*group);
    } else {
      std::string_view probe = s;
      std::string label;
      if (read_literal_label(&probe, fold, &label) && (probe.starts_with("\\.") || !probe.starts_with("["))) {
        s = probe;
        component = {std::move(label)};
      } else if (read_pattern_label(&s, fold)) {
        component.clear();  // not literal: what came before can no longer be part of a key
      } else {
        return std::nullopt;
      }
    }
    if (component.empty()) {
      tail = {""};
    } else {
      bool first = tail.size() == 1 && tail.front().empty();
      Keys joined = first ? component : Keys{};
      if (!first) {
        for (auto& c : component) c.insert(0, ".");
        auto p = product(tail, component);
        if (!p) return std::nullopt;
        joined = std::move(*p);
      }
      tail = std::move(joined);
    }
    if (s.starts_with("\\.")) {
      s.remove_prefix(2);
      continue;
    }
    break;
  }
  eat_any(&s, kPorts);
  if (!starts_with_any(s, kHostEnds)) return std::nullopt;
  for (const auto& k : tail) {
    if (k.find('.') == std::string::npos) return std::nullopt;  // empty, or a single label such as "com"
  }
  return tail;
}

/// Literal segment characters; an escaped one is read through its backslash.
bool read_segment_char(std::string_view* s, char* out) {
  if (s->empty()) return false;
  char c = s->front();
  if (c == '\\') {
    if (s->size() < 2) return false;
    char e = (*s)[1];
    if (std::string_view(".-~+=,;!@%&$*()'_").find(e) == std::string_view::npos) return false;
    *out = e;
    s->remove_prefix(2);
    return true;
  }
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
      std::string_view("-_~%=,;!@&'").find(c) != std::string_view::npos) {
    *out = c;
    s->remove_prefix(1);
    return true;
  }
  return false;
}

/// "[oc]", "[1-3]": a small class of segment characters, expanded.
std::optional<Keys> read_segment_class(std::string_view* s) {
  if (!s->starts_with("[") || s->starts_with("[^")) return std::nullopt;
  size_t close = s->find(']', 1);
  if (close == std::string_view::npos || close == 1) return std::nullopt;
  std::string_view body = s->substr(1, close - 1);
  Keys out;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (!alnum(c)) return std::nullopt;
    if (i + 2 < body.size() && body[i + 1] == '-') {
      char end = body[i + 2];
      if (!alnum(end) || end < c) return std::nullopt;
      for (char x = c; x <= end; ++x) {
        if (alnum(x)) out.emplace_back(1, x);
      }
      i += 2;
    } else {
      out.emplace_back(1, c);
    }
    if (out.size() > kMaxScopeKeys) return std::nullopt;
  }
  s->remove_prefix(close + 1);
  return out;
}

/// "(?:tr|mk)": alternatives of literal segment characters.
std::optional<Keys> read_segment_group(std::string_view* s) {
  if (!s->starts_with("(?:")) return std::nullopt;
  std::string_view rest = s->substr(3);
  Keys out{""};
  for (;;) {
    char c = 0;
    if (read_segment_char(&rest, &c)) {
      out.back() += c;
      continue;
    }
    if (out.back().empty()) return std::nullopt;
    if (rest.starts_with("|")) {
      rest.remove_prefix(1);
      out.emplace_back();
      if (out.size() > kMaxScopeKeys) return std::nullopt;
      continue;
    }
    if (!rest.starts_with(")")) return std::nullopt;
    rest.remove_prefix(1);
    break;
  }
  *s = rest;
  return out;
}

/// After "any host/": literal characters, small classes and literal groups, up to a segment end.
std::optional<Keys> read_segment_scope(std::string_view s) {
  Keys keys{""};
  for (;;) {
    if (starts_with_any(s, kSegmentEnds)) break;
    Keys piece;
    char c = 0;
    if (read_segment_char(&s, &c)) {
      piece = {std::string(1, c)};
    } else if (auto cls = read_segment_class(&s)) {
      piece = std::move(*cls);
    } else if (auto group = read_segment_group(&s)) {
      piece = std::move(*group);
    } else {
      return std::nullopt;
    }
    if (!s.empty() && is_quantifier(s.front())) return std::nullopt;
    auto p = product(keys, piece);
    if (!p) return std::nullopt;
    keys = std::move(*p);
  }
  for (auto& k : keys) k = ascii_lower(k);
  return keys;
}

}  // namespace

PatternScope pattern_scope(std::string_view pattern) {
  PatternScope scope;
  // "^a|b" matches b anywhere: only a pattern anchored as a whole can be confined by its prefix.
  if (!is_start_anchored(pattern)) return scope;
  std::string_view s = pattern;
  const bool fold = s.starts_with("(?i)");
  if (fold) s.remove_prefix(4);
  if (!s.starts_with("^")) return scope;
  s.remove_prefix(1);
  if (!eat_any(&s, kSchemes)) return scope;
  if (auto keys = read_host_scope(s, fold)) {
    scope.kind = PatternScope::Kind::kHost;
    scope.keys = std::move(*keys);
    return scope;
  }
  if (!eat_any(&s, kAnyHosts) || !s.starts_with("/")) return scope;
  s.remove_prefix(1);
  if (auto keys = read_segment_scope(s)) {
    scope.kind = PatternScope::Kind::kSegment;
    scope.keys = std::move(*keys);
  }
  return scope;
}

bool is_start_anchored(std::string_view pattern) {
  if (pattern.starts_with("(?i)")) pattern.remove_prefix(4);
  if (!pattern.starts_with("^")) return false;
  int depth = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 < pattern.size() && pattern[i + 1] == 'Q') {  // \Q...\E quotes everything up to \E
        size_t end = pattern.find("\\E", i + 2);
        if (end == std::string_view::npos) return true;
        i = end + 1;
      } else {
        ++i;
      }
    } else if (c == '[') {
      // A class: ']' right after '[' or '[^' is a member; escapes inside are skipped.
      size_t j = i + 1;
      if (j < pattern.size() && pattern[j] == '^') ++j;
      if (j < pattern.size() && pattern[j] == ']') ++j;
      while (j < pattern.size() && pattern[j] != ']') j += pattern[j] == '\\' ? 2 : 1;
      i = j;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return false;
    }
  }
  return true;
}

std::string_view first_path_segment(std::string_view path) {
  if (path.starts_with("/")) path.remove_prefix(1);
  return path.substr(0, path.find('/'));
}

}  // namespace mailveil
