/// Sees through the wrappers between an e-mail and the real URL: webmail image proxies and link wrappers
/// (Gmail, Outlook.com's image proxy and Safe Links, Google /url and AMP, Yahoo, Proton), click-redirect destinations,
/// tracking parameters.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "url.h"

namespace mailveil {

/// Removes every webmail proxy/wrapper layer (up to a small depth). Appends one label per layer removed to
/// *via: "gmail-proxy", "outlook-proxy", "outlook-safelinks", "google-redirect", "google-amp", "yahoo-proxy",
/// "proton-proxy".
Url unwrap_webmail(const Url& url, std::vector<std::string>* via);

/// The click-time URL scanner a link goes through (Proofpoint URL Defense, Mimecast, Barracuda, Symantec, Cisco,
/// Trend Micro), or nullptr. Such links belong to the reader's organisation's phishing defence: they are never
/// rewritten, even when the destination is readable, so that the check still runs on click. (Outlook Safe
/// Links is unwrapped by unwrap_webmail and re-wrapped around the clean link instead.)
const char* link_protection_service(const Url& url);

/// The destination a redirect URL carries, looking at `params` first, then common destination parameters,
/// then path segments holding an encoded URL (e.g. Amazon SES /L0/<url>/). Values may be percent-encoded
/// (once or twice) or base64. *how gets "param:<name>", "path" or "param:<name>:base64".
std::optional<Url> redirect_destination(const Url& url, const std::vector<std::string>& params, std::string* how);

/// Removes known tracking parameters (utm_*, mc_eid, _hsenc, fbclid, gclid, ...) from the query.
/// Returns the names removed, in order.
std::vector<std::string> strip_tracking_params(Url* url);

/// True for a query key that is a known tracking parameter.
bool is_tracking_param(std::string_view key);

}  // namespace mailveil
