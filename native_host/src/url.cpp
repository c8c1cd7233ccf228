#include "url.h"

#include <algorithm>
#include <array>
#include <unordered_set>

#include "text_util.h"

namespace mailveil {
namespace {

bool is_scheme_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

// Multi-label public suffixes common in mail traffic. Single-label TLDs need no entry.
const std::unordered_set<std::string_view>& multi_label_suffixes() {
  static const std::unordered_set<std::string_view> kSuffixes = {
      "co.uk",
      "org.uk",
      "ac.uk",
      "gov.uk",
      "me.uk",
      "ltd.uk",
      "plc.uk",
      "com.au",
      "net.au",
      "org.au",
      "edu.au",
      "gov.au",
      "co.nz",
      "org.nz",
      "co.jp",
      "ne.jp",
      "or.jp",
      "ac.jp",
      "co.kr",
      "or.kr",
      "com.br",
      "net.br",
      "org.br",
      "gov.br",
      "com.mx",
      "com.ar",
      "com.co",
      "com.pe",
      "com.tr",
      "com.cn",
      "net.cn",
      "org.cn",
      "com.hk",
      "com.tw",
      "com.sg",
      "com.my",
      "co.in",
      "net.in",
      "org.in",
      "co.za",
      "co.il",
      "co.id",
      "com.ua",
      "com.pl",
      "com.es",
      "com.pt",
      "co.th",
      "com.vn",
      "com.ph",
      "com.ng",
      "gouv.fr",
      "asso.fr",
      "com.fr",
      "co.at",
      "or.at",
      "com.be",
      "com.ru",
      "com.sa",
      "com.eg",
      "com.pk",
      "appspot.com",
      "herokuapp.com",
      "azurewebsites.net",
      "cloudfront.net",
      "github.io",
      "blogspot.com",
      "s3.amazonaws.com",
      "web.app",
      "firebaseapp.com",
      "netlify.app",
      "vercel.app",
      "pages.dev",
  };
  return kSuffixes;
}

/// First position of any of `set` in `s` at or after `from`; npos when none. A plain loop: find_first_of calls
/// memchr on the set for every character, which dominated URL parsing in profiles.
size_t find_any(std::string_view s, std::string_view set, size_t from = 0) {
  for (size_t i = from; i < s.size(); ++i) {
    for (char c : set) {
      if (s[i] == c) return i;
    }
  }
  return std::string_view::npos;
}

bool is_ipv4(std::string_view host) {
  int dots = 0;
  int digits = 0;
  for (char c : host) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (c >= '0' && c <= '9') {
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

}  // namespace

namespace {

/// scheme://[userinfo@]host[:port]path[?query], appended to *out.
void append_without_fragment(const Url& u, std::string* out) {
  *out += u.scheme;
  *out += "://";
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
  // Browsers strip leading/trailing C0 controls and spaces, and drop tabs/newlines anywhere.
  size_t b = 0;
  size_t e = text.size();
  while (b < e && static_cast<unsigned char>(text[b]) <= 0x20) ++b;
  while (e > b && static_cast<unsigned char>(text[e - 1]) <= 0x20) --e;
  std::string_view trimmed = text.substr(b, e - b);
  std::string cleaned;
  const bool has_tab_or_newline = std::any_of(trimmed.begin(), trimmed.end(), [](char c) {
    return static_cast<unsigned char>(c) <= '\r' && (c == '\t' || c == '\n' || c == '\r');
  });
  if (has_tab_or_newline) {
    cleaned.reserve(trimmed.size());
    for (char c : trimmed) {
      if (c != '\t' && c != '\n' && c != '\r') cleaned.push_back(c);
    }
    trimmed = cleaned;
  }
  const std::string_view s = trimmed;  // the common case: a view, no copy

  Url url;
  size_t pos = 0;
  if (s.size() >= 2 && (s[0] == '/' || s[0] == '\\') && (s[1] == '/' || s[1] == '\\')) {
    url.scheme = "https";
    pos = 2;
  } else {
    size_t colon = s.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    for (size_t i = 0; i < colon; ++i) {
      if (!is_scheme_char(s[i])) return std::nullopt;
    }
    url.scheme = ascii_lower(s.substr(0, colon));
    pos = colon + 1;
    size_t slashes = 0;
    while (pos < s.size() && (s[pos] == '/' || s[pos] == '\\')) {
      ++pos;
      ++slashes;
    }
    if (slashes < 2 && url.scheme != "http" && url.scheme != "https") return std::nullopt;
  }
  size_t auth_end = find_any(s, "/\\?#", pos);
  if (auth_end == std::string_view::npos) auth_end = s.size();
  std::string_view authority = s.substr(pos, auth_end - pos);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    url.userinfo = std::string(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }
  std::string_view hostport = authority;
  if (!hostport.empty() && hostport.front() == '[') {
    // An IPv6 literal: hex digits, ':' and '.' only, then the end or ":port". Anything else ("[n-3].example",
    // a template placeholder in spam) is not a URL a browser would fetch.
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view inner = hostport.substr(1, close - 1);
    const bool ipv6 = inner.find(':') != std::string_view::npos && std::all_of(inner.begin(), inner.end(), [](char c) {
                        return c == ':' || c == '.' || hex_value(c) >= 0;
                      });
    if (!ipv6 || (close + 1 < hostport.size() && hostport[close + 1] != ':')) return std::nullopt;
    url.host = ascii_lower(hostport.substr(0, close + 1));
    if (close + 1 < hostport.size()) url.port = hostport.substr(close + 2);
  } else {
    size_t colon = hostport.rfind(':');
    if (colon != std::string_view::npos) {
      url.port = hostport.substr(colon + 1);
      hostport = hostport.substr(0, colon);
    }
    url.host = ascii_lower(hostport.find('%') == std::string_view::npos ? hostport : percent_decode(hostport));
    while (!url.host.empty() && url.host.back() == '.') url.host.pop_back();
  }
  if (url.host.empty()) return std::nullopt;
  if (!std::all_of(url.port.begin(), url.port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  if ((url.scheme == "https" && url.port == "443") || (url.scheme == "http" && url.port == "80")) url.port.clear();

  std::string_view rest = s.substr(auth_end);
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) {
    url.fragment = std::string(rest.substr(hash + 1));
    url.has_fragment = true;
    rest = rest.substr(0, hash);
  }
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    url.query = std::string(rest.substr(q + 1));
    url.has_query = true;
    rest = rest.substr(0, q);
  }
  url.path = std::string(rest);
  std::replace(url.path.begin(), url.path.end(), '\\', '/');
  if (url.path.empty()) url.path = "/";
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
  if (host.empty() || host.front() == '[' || is_ipv4(host)) return std::string(host);
  // Walk labels from the right: the registrable domain is one label more than the longest known suffix.
  std::array<size_t, 4> dots{};  // positions of the last dots, nearest to the end first
  size_t found = 0;
  for (size_t i = host.size(); i-- > 0 && found < dots.size();) {
    if (host[i] == '.') dots[found++] = i;
  }
  if (found == 0) return std::string(host);
  // Longest suffix first: up to 3 labels ("s3.amazonaws.com"). A suffix of L labels starts after dots[L-1];
  // the registrable domain adds one label, starting after dots[L] (or the whole host).
  for (size_t labels = std::min<size_t>(found, 3); labels >= 2; --labels) {
    std::string_view suffix = host.substr(dots[labels - 1] + 1);
    if (multi_label_suffixes().count(suffix)) {
      return std::string(labels < found ? host.substr(dots[labels] + 1) : host);
    }
  }
  return std::string(found >= 2 ? host.substr(dots[1] + 1) : host);
}

std::string address_domain(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return "";
  std::string d = ascii_lower(address.substr(at + 1));
  while (!d.empty() && (d.back() == '>' || d.back() == ' ')) d.pop_back();
  return d;
}

}  // namespace mailveil
