/// HTTP GET behind an interface (libcurl in the host, fakes in tests), with the update's safety rules.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace mailveil {

/// Called while receiving a body; total is 0 when the server did not announce a length.
using TransferProgressFn = std::function<void(uint64_t received, uint64_t total)>;

/// One GET.
struct HttpRequest {
  std::string url;
  std::string if_none_match;      ///< ETag of the copy we hold; empty: not sent
  std::string if_modified_since;  ///< Last-Modified of the copy we hold, verbatim; empty: not sent
  long connect_timeout_seconds = 10;
  long timeout_seconds = 30;         ///< whole transfer
  long stall_seconds = 15;           ///< abort when no byte arrives for this long
  uint64_t max_bytes = 8u << 20;     ///< the body may not exceed this (checked while receiving)
  bool allow_loopback_http = false;  ///< tests only: plain http to 127.0.0.1 / ::1 / localhost
};

/// What the server answered. Any HTTP status is a response; only transport failures are errors.
struct HttpResponse {
  long status = 0;
  std::string body;
  std::string etag;
  std::string last_modified;
};

/// Performs GET requests.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  /// False with a sentence in *err when no HTTP response arrived (refused, timeout, truncated, too large,
  /// TLS failure, forbidden scheme...). The sentence names the URL.
  virtual bool get(const HttpRequest& request, const TransferProgressFn& progress, HttpResponse* response,
                   std::string* err) = 0;
};

/// The libcurl client: HTTPS only (TLS >= 1.2, peer verified), redirects only to HTTPS, timeouts, size cap,
/// conditional headers. Plain http is accepted only with allow_loopback_http and a loopback host.
std::unique_ptr<HttpClient> make_curl_http_client();

/// The version of the libcurl the client loads ("7.88.1"), or why it cannot be loaded. The client reads the
/// version at run time and picks the options that library has (CURLOPT_PROTOCOLS_STR from 7.85, the bitmask
/// CURLOPT_PROTOCOLS before); a library that refuses any safety option is not used (docs/updates.md).
std::string curl_runtime_version();

/// Checks a URL against the scheme rules above before any connection is made. False with *err otherwise.
bool check_update_url(const std::string& url, bool allow_loopback_http, std::string* err);

}  // namespace mailveil
