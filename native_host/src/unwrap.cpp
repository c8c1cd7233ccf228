#include "unwrap.h"

#include <algorithm>
#include <array>
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

/// Decodes a parameter value into a URL: percent-decoding up to twice, else base64.
std::optional<Url> decode_url_value(std::string_view raw, bool* was_base64) {
  *was_base64 = false;
  std::string v = percent_decode(raw, true);
  for (int round = 0; round < 2 && !starts_with_http(v) && v.find('%') != std::string::npos; ++round) {
    v = percent_decode(v, true);
  }
  if (starts_with_http(v) && v.size() > 8) {
    if (auto u = parse_url(v)) return u;
  }
  std::string decoded;
  std::string b64 = percent_decode(raw);
  if (b64.size() >= 12 && base64_decode(b64, &decoded) && ascii_lower(decoded.substr(0, 4)) == "http") {
    // Some ESPs base64 a percent-encoded URL ("https%3A%2F%2F...").
    if (decoded.find("://") == std::string::npos) decoded = percent_decode(decoded);
    if (!starts_with_http(decoded)) return std::nullopt;
    if (auto u = parse_url(decoded)) {
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
std::optional<Url> unwrap_once(const Url& url, std::string* label) {
  const std::string& h = url.host;
  if (host_matches_domain(h, "googleusercontent.com") &&
      (url.path.starts_with("/proxy/") || url.path.starts_with("/meips/")) && url.has_fragment) {
    // Gmail's image proxy keeps the original URL after '#'.
    if (auto u = parse_url(url.fragment)) {
      *label = "gmail-proxy";
      return u;
    }
  }
  if (host_matches_domain(h, "safelinks.protection.outlook.com")) {
    *label = "outlook-safelinks";
    return wrapped_param(url, "url");
  }
  if (host_matches_domain(h, "services.web.outlook.com") && url.path.starts_with("/proxy/")) {
    // Outlook.com's image proxy (cosmicpimg-prod.services.web.outlook.com/proxy/?u=<original>).
    *label = "outlook-proxy";
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
      *label = "google-amp";
      return u;
    }
  }
  if (is_google_host(h) && url.path == "/url") {
    *label = "google-redirect";
    if (auto u = wrapped_param(url, "q")) return u;
    return wrapped_param(url, "url");
  }
  if (host_matches_domain(h, "yusercontent.com") && url.path.starts_with("/mail")) {
    *label = "yahoo-proxy";
    return wrapped_param(url, "url");
  }
  if ((host_matches_domain(h, "proton.me") || host_matches_domain(h, "protonmail.com")) &&
      url.path.find("/images") != std::string::npos) {
    *label = "proton-proxy";
    return wrapped_param(url, "url");
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 30> kDestinationParams = {
    "url",         "u",    "redirect", "redirect_url", "redirect_uri", "redirecturl", "r",  "target", "dest",
    "destination", "to",   "link",     "goto",         "out",          "href",        "q",  "next",   "continue",
    "rurl",        "l",    "lp",       "landing",      "ref",          "trg",         "tu", "ru",     "go",
    "jump",        "data", "forward"};

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

Url unwrap_webmail(const Url& url, std::vector<std::string>* via) {
  Url current = url;
  for (int depth = 0; depth < kMaxUnwrapDepth; ++depth) {
    std::string label;
    auto inner = unwrap_once(current, &label);
    if (!inner) break;
    via->push_back(label);
    current = std::move(*inner);
  }
  return current;
}

std::optional<Url> redirect_destination(const Url& url, const std::vector<std::string>& params, std::string* how) {
  // Decode and lower-case each key once; values are only decoded for keys that may carry a destination.
  std::vector<std::pair<std::string, std::string_view>> pairs;
  for (const auto& [k, v] : split_query_views(url.query)) {
    if (v.size() >= 8) pairs.emplace_back(ascii_lower(percent_decode(k)), v);
  }
  auto try_param = [&](std::string_view name) -> std::optional<Url> {
    for (const auto& [k, v] : pairs) {
      if (k != name) continue;
      bool b64 = false;
      if (auto u = decode_url_value(v, &b64)) {
        *how = "param:" + std::string(name) + (b64 ? ":base64" : "");
        return u;
      }
    }
    return std::nullopt;
  };
  if (!pairs.empty()) {
    for (const auto& p : params) {
      if (auto u = try_param(ascii_lower(p))) return u;
    }
    for (auto p : kDestinationParams) {
      if (auto u = try_param(p)) return u;
    }
  }
  // Destination as a path segment: /L0/https:%2F%2Fshop.example%2Fx/1/...
  size_t start = 0;
  while (start < url.path.size()) {
    size_t slash = url.path.find('/', start + 1);
    if (slash == std::string::npos) slash = url.path.size();
    std::string_view seg = std::string_view(url.path).substr(start + 1, slash - start - 1);
    // An encoded URL ("https:%2F%2F…") or a base64 one ("aHR0cHM6Ly9…" is base64 of "https://").
    const bool encoded = seg.find("%2F") != std::string_view::npos || seg.find("%2f") != std::string_view::npos;
    if (seg.size() > 10 && (encoded || seg.starts_with("aHR0c"))) {
      bool b64 = false;
      if (auto u = decode_url_value(seg, &b64)) {
        *how = b64 ? "path:base64" : "path";
        return u;
      }
    }
    start = slash;
  }
  return std::nullopt;
}

bool is_tracking_param(std::string_view raw_key) {
  std::string key = ascii_lower(raw_key);
  static constexpr std::array<std::string_view, 6> kPrefixes = {"utm_", "mtm_", "pk_", "elq", "_bta_", "oly_"};
  for (auto p : kPrefixes) {
    if (key.starts_with(p)) return true;
  }
  static constexpr std::array<std::string_view, 34> kExact = {"mc_cid",     "mc_eid",        "_hsenc",
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
                                                              "sfmc_id"};
  return std::find(kExact.begin(), kExact.end(), key) != kExact.end();
}

std::vector<std::string> strip_tracking_params(Url* url) {
  std::vector<std::string> removed;
  if (!url->has_query) return removed;
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
