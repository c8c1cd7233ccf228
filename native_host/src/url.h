/// URL parsing by the WHATWG URL Standard (the browser's parser): what tracker matching, leak detection and link
/// rewriting work on. No I/O; UTS #46 host mapping loads ICU on first need (idna.h).
#pragma once

#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailveil {

/// An absolute URL with a host, in the URL Standard's serialisation (what the browser fetches or opens), plus
/// the text it was parsed from. Code that edits the parts (tracking parameters stripped, a query rebuilt) gets a
/// new URL from str(); `written` keeps the original text and is not updated by such edits.
struct Url {
  std::string scheme;    ///< lower-cased: "http", "https", ...
  std::string userinfo;  ///< "user" or "user:password", percent-encoded as serialised; without '@'
  std::string host;      ///< ASCII after UTS #46 mapping and percent-decoding, IPv4 in dotted decimal, IPv6 as
                         ///< "[compressed]"; one trailing dot of a domain is dropped (docs/evaluation.md)
  std::string port;      ///< decimal without leading zeros; "" for none or the scheme's default port
  std::string path;      ///< starts with '/' for http(s); dot segments removed, percent-encoded
  std::string query;     ///< without '?', percent-encoded
  std::string fragment;  ///< without '#', percent-encoded
  bool has_query = false;
  bool has_fragment = false;
  /// The URL as written: the input without leading/trailing C0 controls and spaces and without tabs and
  /// newlines (which the parser ignores), otherwise untouched. Evidence shows this form (split_url_as_written).
  std::string written;

  /// The serialised URL (href).
  std::string str() const;
  /// scheme://host[:port]path?query, without fragment: what a server sees.
  std::string without_fragment() const;
};

/// Parses an absolute URL by the URL Standard ("basic URL parser" without a base), for the schemes with a host:
/// http, https, ws, wss, ftp and non-special "scheme://host" URLs. A protocol-relative URL ("//host/...") is
/// read as https, as a webmail page served over https would. nullopt for invalid URLs (a browser fetches
/// nothing) and for anything without a host (relative, data:, mailto:, file:...).
std::optional<Url> parse_url(std::string_view text);

/// Parses `text` relative to `base` (the URL Standard with a base URL): how `<base href>` resolves "img/x.png",
/// "/x", "?q" or "//cdn.example/x". Absolute input ignores the base. nullopt as for parse_url.
std::optional<Url> parse_url(std::string_view text, const Url& base);

/// Splits a URL into its parts as written, without normalising anything (no IDNA, no percent-encoding, no dot
/// segments, scheme and host case kept): for evidence, which must match the mail's source. nullopt when
/// parse_url would find no host. Never use it to decide anything.
std::optional<Url> split_url_as_written(std::string_view text);

/// Decodes %XX escapes (invalid escapes kept); with plus_as_space, '+' becomes ' ' (form encoding).
std::string percent_decode(std::string_view s, bool plus_as_space = false);

/// `s` percent-decoded (as percent_decode without plus_as_space): `s` itself when it holds no escape, else its
/// decoding written into *buffer. No copy for the parts of a URL that need no decoding (most of them).
std::string_view percent_decoded(std::string_view s, std::string* buffer);

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
  // The separators are found with memchr, which reads many bytes at a step: a query is walked once per judge of
  // a URL, and a byte-by-byte loop was a tenth of a request's instructions. The next '&' and the next ';' are
  // each looked for again only once the walk has passed them.
  const size_t n = query.size();
  auto next = [&](char separator, size_t from) {
    const void* p = from < n ? std::memchr(query.data() + from, separator, n - from) : nullptr;
    return p ? static_cast<size_t>(static_cast<const char*>(p) - query.data()) : n;
  };
  size_t amp = next('&', 0);
  size_t semi = next(';', 0);
  for (size_t start = 0; start <= n;) {
    if (amp < start) amp = next('&', start);
    if (semi < start) semi = next(';', start);
    const size_t end = amp < semi ? amp : semi;
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

/// The registrable domain (eTLD+1) of a host by the Public Suffix List (libpsl, public_suffix.h); a host that
/// is itself a public suffix, and IP literals, are returned whole.
std::string registrable_domain(std::string_view host);

/// The domain part of an e-mail address, lower-cased ("" when there is none).
std::string address_domain(std::string_view address);

}  // namespace mailveil
