/// Sees through the wrappers between an e-mail and the real URL: webmail image proxies and link wrappers
/// (Gmail, Outlook.com's image proxy and Safe Links, Google /url and AMP, Yahoo, Proton), click-redirect destinations,
/// tracking parameters.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "text_memo.h"
#include "url.h"

namespace mailveil {

/// A webmail proxy or wrapper layer.
enum class Wrapper {
  kGmailProxy,        ///< Gmail's image proxy (googleusercontent.com/proxy/…#<original>)
  kOutlookSafelinks,  ///< Outlook Safe Links (re-wrapped around a cleaned link)
  kOutlookProxy,      ///< Outlook.com's image proxy
  kGoogleAmp,         ///< Google's AMP viewer (/amp/s/<host>/<path>)
  kGoogleRedirect,    ///< Google's /url?q= click shim
  kYahooProxy,        ///< Yahoo Mail's image proxy
  kProtonProxy,       ///< Proton Mail's image proxy
};

/// Removes every webmail proxy/wrapper layer (up to a small depth). Appends the wrapper of each layer removed to
/// *via and, when `layers` is given, the wrapper URL it was read from, outermost first.
Url unwrap_webmail(const Url& url, std::vector<Wrapper>* via, std::vector<Url>* layers = nullptr);
/// As above, taking the URL over (no copy when there is nothing to unwrap).
Url unwrap_webmail(Url&& url, std::vector<Wrapper>* via, std::vector<Url>* layers = nullptr);

/// The click-time URL scanner a link goes through (Proofpoint URL Defense, Mimecast, Barracuda, Symantec, Cisco,
/// Trend Micro), or nullptr. Such links belong to the reader's organisation's phishing defence: they are never
/// rewritten, even when the destination is readable, so that the check still runs on click. (Outlook Safe
/// Links is unwrapped by unwrap_webmail and re-wrapped around the clean link instead.)
const char* link_protection_service(const Url& url);

/// The destination a redirect URL carries, or nullopt. Looked for, in this order: the tracker's `params`; common
/// destination parameters (url, u, redirect, target, q, href…); a path prefix the redirector drops (LinkedIn
/// /comm/); a URL written out at the end of the query (GovDelivery "&&&https://…") or of the path; a path
/// segment (Amazon SES /L0/<url>/, base64 "aHR0c…", Customer.io's base64 JSON, Mailgun's zlib payload), or the
/// named value of one (Partnerize's "destination:<url>"); any other query value. Each value may be percent-encoded (any
/// number of times), base64/base64url, hex, JSON, a JWT, zlib or a query string, nested (url_in_text in unwrap.cpp).
/// The result is always an absolute http(s) URL with a plausible host, parsed from text inside `url`. *how names where
/// and how: "param:<name>", "param:<name>:base64", "path", "path:base64:json", "path-param:<name>", "path-prefix",
/// "query-tail", …
std::optional<Url> redirect_destination(const Url& url, const std::vector<std::string>& params, std::string* how);

/// While a DestinationScope lives on a thread, redirect_destination on that thread keeps the destination (and
/// its decoding steps) that each distinct query value or path segment spells out, or that it spells none: the
/// links of one message often repeat a long base64 token that would be decoded again for each.
struct DestinationMemo {
  TextMemo<std::pair<std::optional<Url>, std::string>> spelled;
};
using DestinationScope = MemoScope<DestinationMemo, DestinationMemo>;

/// True when `url` is a webmail wrapper: unwrap_webmail would change it.
bool is_webmail_wrapper(const Url& url);

/// True when strip_tracking_params would remove something from `url` (without copying it).
bool has_tracking_params(const Url& url);

/// Removes known tracking parameters (utm_*, mc_eid, _hsenc, fbclid, gclid, ...) from the query.
/// Returns the names removed, in order.
std::vector<std::string> strip_tracking_params(Url* url);

/// True for a query key that is a known tracking parameter.
bool is_tracking_param(std::string_view key);

}  // namespace mailveil
