/// URL parsing and normalisation: just what tracker matching needs (WHATWG-ish, tolerant, no I/O).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailveil {

/// An absolute URL split into its parts. Scheme and host are lower-cased; the rest is kept as written.
struct Url {
  std::string scheme;    ///< "http", "https", ...
  std::string userinfo;  ///< without '@'
  std::string host;      ///< lower-cased, brackets kept for IPv6
  std::string port;      ///< digits or ""
  std::string path;      ///< starts with '/' or is empty
  std::string query;     ///< without '?'
  std::string fragment;  ///< without '#'
  bool has_query = false;
  bool has_fragment = false;

  /// Reassembles the URL.
  std::string str() const;
  /// scheme://host[:port]path?query, without fragment: what a server sees.
  std::string without_fragment() const;
};

/// Parses an absolute URL with an authority ("scheme://host/...") or a protocol-relative one ("//host/...",
/// taken as https). Leading/trailing whitespace and control characters are stripped, backslashes after the
/// scheme read as slashes, as browsers do. nullopt for anything without a host (relative, data:, mailto:...).
std::optional<Url> parse_url(std::string_view text);

/// Decodes %XX escapes (invalid escapes kept); with plus_as_space, '+' becomes ' ' (form encoding).
std::string percent_decode(std::string_view s, bool plus_as_space = false);

/// Percent-encodes everything except unreserved characters (RFC 3986).
std::string percent_encode(std::string_view s);

/// Splits a raw query string into raw (still encoded) key/value pairs, in order. '&' and ';' separate.
std::vector<std::pair<std::string, std::string>> split_query(std::string_view query);

/// As split_query, without copying: views into `query`.
std::vector<std::pair<std::string_view, std::string_view>> split_query_views(std::string_view query);

/// Calls fn(key, value) for each raw pair of `query`, in order, as split_query_views would list them, without
/// building a vector. fn returns true to go on, false to stop.
template <typename Fn>
void for_each_query_pair(std::string_view query, Fn&& fn) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = start;  // a plain loop: find_first_of calls memchr once per character
    while (end < query.size() && query[end] != '&' && query[end] != ';') ++end;
    std::string_view part = query.substr(start, end - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      bool go_on =
          eq == std::string_view::npos ? fn(part, std::string_view()) : fn(part.substr(0, eq), part.substr(eq + 1));
      if (!go_on) return;
    }
    start = end + 1;
  }
}

/// Joins raw pairs back into a query string.
std::string join_query(const std::vector<std::pair<std::string, std::string>>& pairs);

/// True for a syntactically valid DNS hostname or IPv4 literal (lower-case letters, digits, '-', '.').
bool is_valid_hostname(std::string_view host);

/// True when host equals domain or ends with "." + domain.
bool host_matches_domain(std::string_view host, std::string_view domain);

/// The registrable domain (eTLD+1) of a host, from a built-in table of common multi-label public suffixes
/// ("co.uk", "com.au", ...); IP literals are returned whole.
std::string registrable_domain(std::string_view host);

/// The domain part of an e-mail address, lower-cased ("" when there is none).
std::string address_domain(std::string_view address);

}  // namespace mailveil
