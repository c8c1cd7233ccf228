#include "unwrap.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <string_view>

#include "digest.h"
#include "text_util.h"

namespace mailveil {
namespace {

constexpr int kMaxUnwrapDepth = 6;

/// Raw value of the first query parameter named `name` (ASCII case-insensitive), if any.
std::optional<std::string> query_param(const Url& url, std::string_view name) {
  for (const auto& [k, v] : split_query(url.query)) {
    if (ascii_lower(percent_decode(k)) == name) return v;
  }
  return std::nullopt;
}

bool starts_with_http(std::string_view s) {
  std::string head = ascii_lower(s.substr(0, 8));
  return head.starts_with("http://") || head.starts_with("https://") || head.starts_with("//");
}

/// An absolute http(s) URL with a plausible host (a DNS name with a dot, an IPv4 or IPv6 literal): the only
/// kind of destination a rewrite may lead to. `javascript:`, `data:`, relative paths and hosts that could not
/// be in a link (spaces, '%', an empty label) are refused.
std::optional<Url> absolute_http(std::string_view text) {
  if (!starts_with_http(text)) return std::nullopt;
  // Characters a link cannot carry unencoded: the text runs past the URL (into JSON, prose or markup).
  if (text.find_first_of(" \"<>\\^`{|}") != std::string_view::npos ||
      std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    return std::nullopt;
  }
  auto u = parse_url(text);
  if (!u || (u->scheme != "http" && u->scheme != "https")) return std::nullopt;
  const std::string& h = u->host;
  const bool ip6 = h.size() > 2 && h.front() == '[';
  if (!ip6 && (!is_valid_hostname(h) || h.find('.') == std::string::npos)) return std::nullopt;
  return u;
}

/// Decodes a parameter value into a URL: percent-decoding up to twice, else base64.
std::optional<Url> decode_url_value(std::string_view raw, bool* was_base64) {
  *was_base64 = false;
  std::string v = percent_decode(raw, true);
  for (int round = 0; round < 2 && !starts_with_http(v) && v.find('%') != std::string::npos; ++round) {
    v = percent_decode(v, true);
  }
  if (starts_with_http(v) && v.size() > 8) {
    if (auto u = absolute_http(v)) return u;
  }
  std::string decoded;
  std::string b64 = percent_decode(raw);
  if (b64.size() >= 12 && base64_decode(b64, &decoded) && ascii_lower(decoded.substr(0, 4)) == "http") {
    // Some ESPs base64 a percent-encoded URL ("https%3A%2F%2F...").
    if (decoded.find("://") == std::string::npos) decoded = percent_decode(decoded);
    if (auto u = absolute_http(decoded)) {
      *was_base64 = true;
      return u;
    }
  }
  return std::nullopt;
}

std::optional<Url> wrapped_param(const Url& url, std::string_view name) {
  auto v = query_param(url, name);
  if (!v) return std::nullopt;
  bool b64 = false;
  return decode_url_value(*v, &b64);
}

/// google.<any public suffix>, with or without "www." (google.com, www.google.co.uk, google.co.jp).
bool is_google_host(std::string_view h) {
  if (h.starts_with("www.")) h.remove_prefix(4);
  return h.starts_with("google.") && registrable_domain(h) == h;
}

/// One layer of webmail wrapping; nullopt when the URL is not a known wrapper.
std::optional<Url> unwrap_once(const Url& url, Wrapper* label) {
  const std::string& h = url.host;
  if (host_matches_domain(h, "googleusercontent.com") &&
      (url.path.starts_with("/proxy/") || url.path.starts_with("/meips/")) && url.has_fragment) {
    // Gmail's image proxy keeps the original URL after '#'.
    if (auto u = parse_url(url.fragment)) {
      *label = Wrapper::kGmailProxy;
      return u;
    }
  }
  if (host_matches_domain(h, "safelinks.protection.outlook.com")) {
    *label = Wrapper::kOutlookSafelinks;
    return wrapped_param(url, "url");
  }
  if (host_matches_domain(h, "services.web.outlook.com") && url.path.starts_with("/proxy/")) {
    // Outlook.com's image proxy (cosmicpimg-prod.services.web.outlook.com/proxy/?u=<original>).
    *label = Wrapper::kOutlookProxy;
    return wrapped_param(url, "u");
  }
  if (is_google_host(h) && url.path.starts_with("/amp/") && url.path.size() > 5) {
    // Google's AMP viewer: /amp/s/<host>/<path> is https://<host>/<path>; /amp/<host>/<path> is plain http.
    std::string_view rest = std::string_view(url.path).substr(5);
    const bool tls = rest.starts_with("s/");
    if (tls) rest.remove_prefix(2);
    std::string inner = std::string(tls ? "https://" : "http://") + std::string(rest);
    if (url.has_query) inner += "?" + url.query;
    if (auto u = parse_url(inner)) {
      *label = Wrapper::kGoogleAmp;
      return u;
    }
  }
  if (is_google_host(h) && url.path == "/url") {
    *label = Wrapper::kGoogleRedirect;
    if (auto u = wrapped_param(url, "q")) return u;
    return wrapped_param(url, "url");
  }
  if (host_matches_domain(h, "yusercontent.com") && url.path.starts_with("/mail")) {
    *label = Wrapper::kYahooProxy;
    return wrapped_param(url, "url");
  }
  if ((host_matches_domain(h, "proton.me") || host_matches_domain(h, "protonmail.com")) &&
      url.path.find("/images") != std::string::npos) {
    *label = Wrapper::kProtonProxy;
    return wrapped_param(url, "url");
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 30> kDestinationParams = {
    "url",         "u",    "redirect", "redirect_url", "redirect_uri", "redirecturl", "r",  "target", "dest",
    "destination", "to",   "link",     "goto",         "out",          "href",        "q",  "next",   "continue",
    "rurl",        "l",    "lp",       "landing",      "ref",          "trg",         "tu", "ru",     "go",
    "jump",        "data", "forward"};

/// How much one decoding layer may produce: a destination is a URL, and a payload carrying one is small.
constexpr size_t kMaxPayload = 16 * 1024;
/// Decoding layers tried on one value (percent, base64, hex, JSON, JWT, zlib, query string: in any order).
constexpr int kMaxPayloadDepth = 5;

/// Mostly printable text (a decoded payload worth reading further), not random bytes: printable ASCII, tabs and
/// line breaks, and any byte from 0x80 up (UTF-8).
constexpr std::array<uint8_t, 256> kPrintable = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = (c >= 0x20 && c != 0x7F) || c == '\t' || c == '\n' || c == '\r';
  return t;
}();
bool mostly_printable(std::string_view b) {
  if (b.empty()) return false;
  size_t printable = 0;
  for (unsigned char c : b) printable += kPrintable[c];
  return printable * 10 >= b.size() * 9;
}

bool is_base64_text(std::string_view v) {
  return v.size() >= 12 && std::all_of(v.begin(), v.end(), [](char c) { return c == '=' || is_base64_char(c); });
}

/// Standard or URL-safe base64 with or without padding; a stray trailing character (an odd length that no
/// base64 text can have) is dropped, as some ESPs append a separator.
bool decode_base64_lenient(std::string_view v, std::string* out) {
  if (base64_decode(v, out)) return true;
  while (!v.empty() && v.back() == '=') v.remove_suffix(1);
  if (v.size() % 4 == 1) v.remove_suffix(1);
  return base64_decode(v, out);
}

std::optional<Url> url_in_text(std::string_view text, int depth, std::string* how);

/// "a=1&l=…" or "?a=1": key=value pairs, not base64 (whose '=' is padding) nor JSON.
bool looks_like_query(std::string_view t) {
  if (t.empty() || t.front() == '{' || t.front() == '[') return false;
  const size_t eq = t.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  return t.front() == '?' || (t.find('&') != std::string_view::npos && !is_base64_text(t));
}

/// Keys that name the destination in a JSON payload or a decoded query string, most specific first.
constexpr std::array<std::string_view, 12> kPayloadKeys = {
    "href", "url", "u", "link", "target", "dest", "destination", "redirect", "redirect_url", "l", "r", "e"};

/// The destination in a decoded query string ("a=1&l=https%3A…"): named keys first, then any value.
std::optional<Url> url_in_query_text(std::string_view text, int depth, std::string* how) {
  if (!text.empty() && text.front() == '?') text.remove_prefix(1);
  const auto pairs = split_query_views(text);
  for (auto name : kPayloadKeys) {
    for (const auto& [k, v] : pairs) {
      if (v.size() < 8 || ascii_lower(percent_decode(k)) != name) continue;
      if (auto u = url_in_text(v, depth - 1, how)) return u;
    }
  }
  for (const auto& [k, v] : pairs) {
    if (v.size() < 8) continue;
    if (auto u = url_in_text(v, depth - 1, how)) return u;
  }
  return std::nullopt;
}

/// The destination in a JSON document: the values of kPayloadKeys first, then any string value, depth first.
std::optional<Url> url_in_json(const nlohmann::json& doc, int depth, std::string* how) {
  if (depth <= 0) return std::nullopt;
  if (doc.is_object()) {
    for (auto name : kPayloadKeys) {
      for (const auto& [k, v] : doc.items()) {
        if (v.is_string() && ascii_lower(k) == name) {
          if (auto u = url_in_text(v.get_ref<const std::string&>(), depth - 1, how)) return u;
        }
      }
    }
  }
  if (doc.is_object() || doc.is_array()) {
    for (const auto& v : doc) {
      if (v.is_string()) {
        if (auto u = url_in_text(v.get_ref<const std::string&>(), depth - 1, how)) return u;
      } else if (v.is_structured()) {
        // Nesting costs a layer too, so that a deeply nested document ends the walk.
        if (auto u = url_in_json(v, depth - 1, how)) return u;
      }
    }
  }
  return std::nullopt;
}

/// Records a decoding layer. Layers are recorded innermost first as the recursion unwinds, so each one goes in
/// front: *how reads outermost first (":base64:json"). A layer repeated in a row is named once.
void add_how(std::string* how, std::string_view step) {
  const std::string tag = ":" + std::string(step);
  if (!how->starts_with(tag)) how->insert(0, tag);
}

/// An absolute http(s) URL carried by `text` in any of the encodings ESPs use, nested up to `depth` layers:
/// plain or percent-encoded (once or more), base64 or base64url (padded or not, possibly behind a short prefix
/// such as Bing's "a1"), hex, a JSON object with the URL in one of its fields, a JWT whose payload is such an
/// object, a zlib stream (Mailgun), or a query string with the URL in one of its values. *how gets one tag
/// per non-percent layer (":base64", ":json", …). Only ever returns a URL spelled out inside `text`.
std::optional<Url> url_in_text(std::string_view text, int depth, std::string* how) {
  if (depth <= 0 || text.size() < 8 || text.size() > kMaxPayload) return std::nullopt;
  std::string_view v = text;
  std::string decoded_text;  // v once percent-decoded (text is not copied until then)
  for (int round = 0; round < 3; ++round) {
    if (starts_with_http(v)) return absolute_http(v);
    // A query string is split before its values are decoded: decoding first would merge the destination's own
    // query ("l=https%3A%2F%2Fa.example%2F%3Fx%3D1%26y%3D2") into the outer one.
    if (looks_like_query(v)) return url_in_query_text(v, depth, how);
    if (v.find('%') == std::string_view::npos) break;
    std::string next = percent_decode(v);
    if (next == v) break;
    decoded_text = std::move(next);
    v = decoded_text;
  }
  std::string_view t = trim(v);
  if (t.empty()) return std::nullopt;
  if (t.front() == '{' || t.front() == '[') {
    auto doc = nlohmann::json::parse(t, nullptr, false);
    if (doc.is_discarded()) return std::nullopt;
    auto u = url_in_json(doc, depth, how);
    if (u) add_how(how, "json");
    return u;
  }
  // JWT: header.payload.signature, the header being base64url JSON ("eyJ" is base64 of '{"'); or a signed
  // payload without a header, payload.signature (Substack's /redirect/2/eyJlIjoi….<signature>).
  if (t.starts_with("eyJ")) {
    size_t dot = t.find('.');
    if (dot != std::string_view::npos) {
      size_t dot2 = t.find('.', dot + 1);
      std::string_view payload =
          t.substr(dot + 1, dot2 == std::string_view::npos ? std::string_view::npos : dot2 - dot - 1);
      std::string decoded;
      if (!payload.empty() && decode_base64_lenient(payload, &decoded)) {
        if (auto u = url_in_text(decoded, depth - 1, how)) {
          add_how(how, "jwt");
          return u;
        }
      }
      if (dot2 == std::string_view::npos && decode_base64_lenient(t.substr(0, dot), &decoded)) {
        auto u = url_in_text(decoded, depth - 1, how);
        if (u) add_how(how, "signed");
        return u;
      }
      return std::nullopt;
    }
  }
  // Hex of the URL ("68747470733a2f2f…" is "https://").
  if (t.size() >= 16 && t.size() % 2 == 0 &&
      std::all_of(t.begin(), t.end(), [](char c) { return hex_value(c) >= 0; }) &&
      (t.starts_with("68747470") || t.starts_with("7b"))) {
    std::string decoded;
    for (size_t i = 0; i < t.size(); i += 2)
      decoded.push_back(static_cast<char>(hex_value(t[i]) * 16 + hex_value(t[i + 1])));
    auto u = url_in_text(decoded, depth - 1, how);
    if (u) add_how(how, "hex");
    return u;
  }
  if (is_base64_text(t)) {
    std::string decoded;
    if (decode_base64_lenient(t, &decoded)) {
      if (auto inflated = inflate_zlib(decoded, kMaxPayload)) {
        auto u = url_in_text(*inflated, depth - 1, how);
        if (u) add_how(how, "zlib");
        return u;
      }
      if (mostly_printable(decoded)) {
        if (auto u = url_in_text(decoded, depth - 1, how)) {
          add_how(how, "base64");
          return u;
        }
      }
    }
    // A short prefix before base64 of "http" (Bing's "a1aHR0cHM6Ly9…") shifts the alignment: decode from the
    // URL on.
    const size_t at = t.find("aHR0c");
    if (at != std::string_view::npos && at > 0 && at <= 8 && decode_base64_lenient(t.substr(at), &decoded) &&
        starts_with_http(decoded)) {
      auto u = url_in_text(decoded, depth - 1, how);
      if (u) add_how(how, "base64");
      return u;
    }
  }
  return std::nullopt;
}

/// url_in_text of a whole query value or path segment, through the thread's DestinationMemo when one is in
/// scope. *steps is empty on entry (url_in_text adds to it only on success).
std::optional<Url> url_spelled_in(std::string_view text, std::string* steps) {
  DestinationMemo* memo = DestinationScope::current();
  if (!memo || !steps->empty()) return url_in_text(text, kMaxPayloadDepth, steps);
  const auto seen = memo->spelled.lookup(text);
  if (seen.kept) {
    *steps = seen.kept->second;
    return seen.kept->first;
  }
  std::optional<Url> u = url_in_text(text, kMaxPayloadDepth, steps);
  memo->spelled.put(text, seen.hash, {u, *steps});
  return u;
}

/// Redirectors whose destination is their own URL without a path prefix: LinkedIn's "/comm/<path>" is the
/// tracked twin of "<path>" on the same host.
std::optional<Url> prefix_redirect(const Url& url) {
  if (host_matches_domain(url.host, "linkedin.com") && url.path.starts_with("/comm/") && url.path.size() > 6) {
    Url d = url;
    d.path = url.path.substr(5);
    return d;
  }
  return std::nullopt;
}

/// A destination written out at the end of the query ("…&&&100&&&https://www.example.gov/page?x=1", GovDelivery)
/// or of the path ("/redirect/https://shop.example/x"): everything from there on, as the redirector reads it.
std::optional<Url> trailing_destination(const Url& url, std::string* how) {
  auto tail_url = [](std::string_view tail) -> std::optional<Url> {
    std::string t(tail);
    if (istarts_with(t, "http%3a") || istarts_with(t, "https%3a")) t = percent_decode(t);
    // Browsers and servers collapse "https://" to "https:/" inside a path.
    for (const char* s : {"http:/", "https:/"}) {
      const size_t n = std::char_traits<char>::length(s);
      if (istarts_with(t, s) && t.size() > n && t[n] != '/') t.insert(n, "/");
    }
    return absolute_http(t);
  };
  // A few candidates at most: a crafted query of "&http:&http:…" must not cost a parse per character.
  int attempts = 0;
  const std::string_view q = url.query;
  // Each pair's start: the query's, and each one after a '&'.
  for (size_t i = 0; i < q.size() && attempts < 4;) {
    const std::string_view rest = q.substr(i);
    if (istarts_with(rest, "http:") || istarts_with(rest, "https:") || istarts_with(rest, "http%3a") ||
        istarts_with(rest, "https%3a")) {
      ++attempts;
      if (auto u = tail_url(rest)) {
        *how = "query-tail";
        return u;
      }
    }
    const size_t amp = q.find('&', i);
    if (amp == std::string_view::npos) break;
    i = amp + 1;
  }
  const std::string& p = url.path;
  for (size_t i = 1; i < p.size() && attempts < 8; ++i) {
    if (p[i - 1] == '/' && (istarts_with(std::string_view(p).substr(i), "http:/") ||
                            istarts_with(std::string_view(p).substr(i), "https:/"))) {
      ++attempts;
      std::string tail = p.substr(i);
      if (url.has_query) tail += "?" + url.query;
      if (auto u = tail_url(tail)) {
        *how = "path-tail";
        return u;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

const char* link_protection_service(const Url& url) {
  const std::string& h = url.host;
  if (h == "urldefense.com" || h == "urldefense.proofpoint.com" || h == "urldefense.us")
    return "Proofpoint URL Defense";
  if ((host_matches_domain(h, "mimecast.com") && h.starts_with("protect")) ||
      host_matches_domain(h, "mimecastprotect.com")) {
    return "Mimecast URL Protect";
  }
  if (h == "linkprotect.cudasvc.com") return "Barracuda Link Protection";
  if (h == "clicktime.symantec.com") return "Symantec Click-time URL Protection";
  if (h == "secure-web.cisco.com") return "Cisco Secure Email";
  if (host_matches_domain(h, "imsva91-ctp.trendmicro.com") ||
      (host_matches_domain(h, "trendmicro.com") && url.path.starts_with("/wis/clicktime/"))) {
    return "Trend Micro Click-time Protection";
  }
  return nullptr;
}

Url unwrap_webmail(const Url& url, std::vector<Wrapper>* via, std::vector<Url>* layers) {
  return unwrap_webmail(Url(url), via, layers);
}

Url unwrap_webmail(Url&& url, std::vector<Wrapper>* via, std::vector<Url>* layers) {
  Url current = std::move(url);
  for (int depth = 0; depth < kMaxUnwrapDepth; ++depth) {
    Wrapper label{};
    auto inner = unwrap_once(current, &label);
    if (!inner) break;
    via->push_back(label);
    if (layers) layers->push_back(std::move(current));
    current = std::move(*inner);
  }
  return current;
}

std::optional<Url> redirect_destination(const Url& url, const std::vector<std::string>& params, std::string* how) {
  // Decode and lower-case each key once, and look up its rank among kDestinationParams; values are only decoded
  // for keys that may carry a destination.
  struct Pair {
    std::string key;
    std::string_view value;
    size_t rank;  ///< its index in kDestinationParams, or kDestinationParams.size()
  };
  static const std::unordered_map<std::string_view, size_t> kRanks = [] {
    std::unordered_map<std::string_view, size_t> ranks;
    for (size_t i = 0; i < kDestinationParams.size(); ++i) ranks.emplace(kDestinationParams[i], i);
    return ranks;
  }();
  std::vector<Pair> pairs;
  for_each_query_pair(url.query, [&](std::string_view k, std::string_view v) {
    if (v.size() < 8) return true;
    std::string key = ascii_lower(percent_decode(k));
    const auto rank = kRanks.find(key);
    pairs.push_back({std::move(key), v, rank == kRanks.end() ? kDestinationParams.size() : rank->second});
    return true;
  });
  auto try_value = [&](std::string_view name, std::string_view v) -> std::optional<Url> {
    std::string steps;
    if (auto u = url_spelled_in(v, &steps)) {
      *how = "param:" + std::string(name) + steps;
      return u;
    }
    return std::nullopt;
  };
  if (!pairs.empty()) {
    // The list's own parameters first (keys are lower case: iequals is equality with the lowered name).
    for (const auto& p : params) {
      for (const Pair& pair : pairs) {
        if (!iequals(pair.key, p)) continue;
        if (auto u = try_value(pair.key, pair.value)) return u;
      }
    }
    // Then the usual names, in kDestinationParams' order (and the query's order among equal keys).
    std::vector<const Pair*> named;
    for (const Pair& pair : pairs) {
      if (pair.rank < kDestinationParams.size()) named.push_back(&pair);
    }
    std::stable_sort(named.begin(), named.end(), [](const Pair* a, const Pair* b) { return a->rank < b->rank; });
    for (const Pair* pair : named) {
      if (auto u = try_value(pair->key, pair->value)) return u;
    }
  }
  if (auto u = prefix_redirect(url)) {
    *how = "path-prefix";
    return u;
  }
  if (auto u = trailing_destination(url, how)) return u;
  // Destination in a path segment: encoded (/L0/https:%2F%2Fshop.example%2Fx/1/...), base64 (aHR0cHM6Ly9… is
  // base64 of "https://"), or inside a payload: base64 JSON (Customer.io /e/c/eyJ…), zlib (Mailgun /c/eJx…).
  size_t start = 0;
  while (start < url.path.size()) {
    size_t slash = url.path.find('/', start + 1);
    if (slash == std::string::npos) slash = url.path.size();
    std::string_view seg = std::string_view(url.path).substr(start + 1, slash - start - 1);
    if (seg.size() > 10) {
      std::string steps;
      if (auto u = url_spelled_in(seg, &steps)) {
        *how = "path" + steps;
        return u;
      }
      // A named value in a path segment: "destination:https%3A%2F%2F…" (Partnerize), ";url=https%3A…".
      const size_t sep = seg.find_first_of(":=;");
      if (sep != std::string_view::npos && sep > 0 && sep + 1 < seg.size() &&
          std::all_of(seg.begin(), seg.begin() + static_cast<long>(sep), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
          })) {
        if (auto u = url_spelled_in(seg.substr(sep + 1), &steps)) {
          *how = "path-param:" + std::string(seg.substr(0, sep)) + steps;
          return u;
        }
      }
    }
    start = slash;
  }
  // Last, any other query value that spells out a URL in one of the encodings above.
  for (const Pair& pair : pairs) {
    if (pair.rank < kDestinationParams.size()) continue;
    if (auto u = try_value(pair.key, pair.value)) return u;
  }
  return std::nullopt;
}

bool is_tracking_param(std::string_view raw_key) {
  static constexpr std::array<std::string_view, 6> kPrefixes = {"utm_", "mtm_", "pk_", "elq", "_bta_", "oly_"};
  // LinkedIn's midToken/midSig/trkEmail/lipi/otpToken (per recipient, otpToken signs them in), EveryAction's
  // emci/emdi/ceid (campaign, message, contact) and nvep/hmac (the contact, signed), ActionKit's akid, Klaviyo's
  // _ke/_kx (the profile).
  static constexpr std::array<std::string_view, 46> kExact = {"mc_cid",     "mc_eid",        "_hsenc",
                                                              "_hsmi",      "__hssc",        "__hstc",
                                                              "__hsfp",     "hsctatracking", "fbclid",
                                                              "gclid",      "dclid",         "gbraid",
                                                              "wbraid",     "msclkid",       "mkt_tok",
                                                              "_ke",        "trk",           "trkcampaign",
                                                              "sc_cid",     "s_cid",         "vero_id",
                                                              "vero_conv",  "wickedid",      "yclid",
                                                              "_openstat",  "ml_subscriber", "ml_subscriber_hash",
                                                              "rb_clickid", "ss_email_id",   "ck_subscriber_id",
                                                              "__s",        "igshid",        "mailing_id",
                                                              "sfmc_id",    "midtoken",      "midsig",
                                                              "trkemail",   "lipi",          "otptoken",
                                                              "emci",       "emdi",          "ceid",
                                                              "nvep",       "hmac",          "akid",
                                                              "_kx"};
  // Lower-cased on the stack: the whole key, or as much of it as a prefix or an exact name can be.
  constexpr size_t kLongest = 18;
  static_assert(std::all_of(kExact.begin(), kExact.end(), [](std::string_view e) { return e.size() <= kLongest; }));
  char buffer[kLongest];
  const size_t n = std::min(raw_key.size(), kLongest);
  for (size_t i = 0; i < n; ++i) buffer[i] = ascii_lower_char(raw_key[i]);
  const std::string_view key(buffer, n);
  for (auto p : kPrefixes) {
    if (key.starts_with(p)) return true;
  }
  return raw_key.size() <= kLongest && std::find(kExact.begin(), kExact.end(), key) != kExact.end();
}

bool is_webmail_wrapper(const Url& url) {
  Wrapper label{};
  return unwrap_once(url, &label).has_value();
}

bool has_tracking_params(const Url& url) {
  if (!url.has_query) return false;
  bool any = false;
  for_each_query_pair(url.query, [&](std::string_view key, std::string_view) {
    any = key.find('%') == std::string_view::npos ? is_tracking_param(key) : is_tracking_param(percent_decode(key));
    return !any;
  });
  return any;
}

std::vector<std::string> strip_tracking_params(Url* url) {
  std::vector<std::string> removed;
  // Most queries hold no tracking parameter: find that out before copying any pair.
  if (!has_tracking_params(*url)) return removed;
  auto pairs = split_query(url->query);
  std::vector<std::pair<std::string, std::string>> kept;
  for (auto& kv : pairs) {
    std::string key = percent_decode(kv.first);
    if (is_tracking_param(key)) {
      removed.push_back(key);
    } else {
      kept.push_back(std::move(kv));
    }
  }
  if (removed.empty()) return removed;
  url->query = join_query(kept);
  url->has_query = !kept.empty();
  return removed;
}

}  // namespace mailveil
