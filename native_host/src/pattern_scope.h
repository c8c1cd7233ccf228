/// Reads from a URL pattern's text which URLs it can possibly match, so that the matcher tries it only on
/// those: the host it is confined to, or else the first path segment it requires. Conservative by design: a
/// scope is returned only when the pattern's prefix is made of constructs known here; anything else (an
/// unknown group, a wildcard, a flag other than a leading (?i)) leaves the pattern unscoped, and it is then
/// tried on every URL. A scope is a filter, never a verdict: the regex still decides.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailveil {

/// Where a pattern can match, in lower case.
struct PatternScope {
  enum class Kind {
    kAnywhere,  ///< no usable prefix: try on every URL
    kHost,      ///< only when the URL's host equals one of `keys` or ends with "." + one of them
    kSegment,   ///< only when the URL's first path segment (lower-cased) equals one of `keys`
  };
  Kind kind = Kind::kAnywhere;
  std::vector<std::string> keys;
};

/// At most this many keys per pattern (alternations multiply); beyond it the pattern is kAnywhere.
inline constexpr size_t kMaxScopeKeys = 16;

/// The scope of a pattern written for the normalised URL (scheme://[userinfo@]host[:port]path?query).
/// Host keys have at least two labels ("sendgrid.net", "t.lemlist.com"): a bare "com" would filter nothing.
PatternScope pattern_scope(std::string_view pattern);

/// True when the pattern can only match at the start of the URL: it begins with '^' (after an optional
/// leading "(?i)") and has no top-level alternation. Such patterns give the same matches in a set searched with
/// RE2::ANCHOR_START, whose automaton stops as soon as no pattern can match any more instead of scanning to the
/// end of the URL.
bool is_start_anchored(std::string_view pattern);

/// The first path segment of a URL path ("/ls/click" -> "ls"; "" or "/" -> ""), as keyed above.
std::string_view first_path_segment(std::string_view path);

}  // namespace mailveil
