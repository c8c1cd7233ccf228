#include "http_client.h"

#include <curl/curl.h>

#include <chrono>
#include <string_view>

#include "dynamic_library.h"
#include "text_util.h"

namespace mailveil {
namespace {

// libcurl is loaded with dlopen on the first update, not linked: linking it maps some 30 shared libraries
// (TLS, Kerberos, LDAP, SSH...) into every host process, which cost more than half of the host's cold start,
// while only the rare update needs them (docs/updates.md). The Debian package libcurl4 provides the library.
constexpr char kCurlLibrary[] = "libcurl.so.4";

/// The libcurl entry points the client uses, resolved from the loaded library.
struct CurlApi {
  decltype(&::curl_global_init) global_init = nullptr;
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
  decltype(&::curl_url) url = nullptr;
  decltype(&::curl_url_cleanup) url_cleanup = nullptr;
  decltype(&::curl_url_set) url_set = nullptr;
  decltype(&::curl_url_get) url_get = nullptr;
  decltype(&::curl_free) free = nullptr;
  decltype(&::curl_version_info) version_info = nullptr;
  unsigned version_num = 0;  ///< the loaded library's version, 0xXXYYZZ (7.85.0 is 0x075500)
  std::string version;       ///< "7.88.1"
  std::string error;         ///< why loading failed; empty when every entry point resolved
};

/// The first libcurl with CURLOPT_PROTOCOLS_STR and CURLOPT_REDIR_PROTOCOLS_STR. Older ones reject them as
/// unknown options (silently, if the return code is not read); they have the bitmask options instead.
constexpr unsigned kCurlWithProtocolStrings = 0x075500;
/// The first libcurl with CURLOPT_PROTOCOLS and CURLOPT_REDIR_PROTOCOLS (and CURLOPT_SSLVERSION's TLS 1.2).
constexpr unsigned kCurlMinimum = 0x072200;  // 7.34.0

CurlApi load_curl() {
  CurlApi api;
  // Never unloaded: libcurl and its TLS backend keep global state for the life of the process.
  void* lib = open_library(kCurlLibrary, "libcurl4", &api.error);
  if (!lib) return api;
  std::string& e = api.error;
  auto bind = [lib, &e](const char* name, auto* out) { resolve(lib, kCurlLibrary, name, out, &e); };
  bind("curl_global_init", &api.global_init);
  bind("curl_easy_init", &api.easy_init);
  bind("curl_easy_setopt", &api.easy_setopt);
  bind("curl_easy_perform", &api.easy_perform);
  bind("curl_easy_getinfo", &api.easy_getinfo);
  bind("curl_easy_cleanup", &api.easy_cleanup);
  bind("curl_easy_strerror", &api.easy_strerror);
  bind("curl_slist_append", &api.slist_append);
  bind("curl_slist_free_all", &api.slist_free_all);
  bind("curl_url", &api.url);
  bind("curl_url_cleanup", &api.url_cleanup);
  bind("curl_url_set", &api.url_set);
  bind("curl_url_get", &api.url_get);
  bind("curl_free", &api.free);
  bind("curl_version_info", &api.version_info);
  if (e.empty()) {
    // The rules below depend on what this library can enforce: ask it, rather than trust the headers we were
    // compiled with.
    const curl_version_info_data* info = api.version_info(CURLVERSION_NOW);
    if (info) {
      api.version_num = info->version_num;
      api.version = info->version ? info->version : "";
    }
    if (api.version_num < kCurlMinimum) {
      e = std::string(kCurlLibrary) + " is version " + (api.version.empty() ? "?" : api.version) +
          ", too old to restrict downloads to HTTPS with TLS 1.2 (7.34.0 or newer is needed)";
    }
  }
  if (e.empty() && api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) e = "curl_global_init failed";
  return api;
}

/// The loaded library, or nullptr with the reason in *err. Loaded and initialised once, thread-safe.
const CurlApi* curl_api(std::string* err) {
  static const CurlApi api = load_curl();
  if (!api.error.empty()) {
    *err = api.error;
    return nullptr;
  }
  return &api;
}

bool is_loopback_host(const std::string& host) {
  std::string h = ascii_lower(host);
  return h == "127.0.0.1" || h == "localhost" || h == "[::1]" || h == "::1";
}

std::string describe_size(uint64_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

/// State shared with libcurl's callbacks during one transfer.
struct Transfer {
  HttpResponse* response = nullptr;
  uint64_t max_bytes = 0;
  bool too_large = false;
  const TransferProgressFn* progress = nullptr;
  // Stall detection: libcurl's LOW_SPEED check averages over a window of several seconds, so a server that
  // sent a few bytes and went silent is caught late. This measures the time since the last byte instead.
  std::chrono::seconds stall_limit{0};
  std::chrono::steady_clock::time_point last_byte_at = std::chrono::steady_clock::now();
  curl_off_t last_dlnow = 0;
  bool stalled = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->response->body.size() + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // anything but n aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response->body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new response (after a redirect or a 100 Continue): forget the previous one's validators.
    t->response->etag.clear();
    t->response->last_modified.clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name = ascii_lower(trim(line.substr(0, colon)));
  std::string_view value = trim(line.substr(colon + 1));
  if (name == "etag") {
    t->response->etag = std::string(value);
  } else if (name == "last-modified") {
    t->response->last_modified = std::string(value);
  }
  return n;
}

int on_progress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  auto now = std::chrono::steady_clock::now();
  if (dlnow != t->last_dlnow) {
    t->last_dlnow = dlnow;
    t->last_byte_at = now;
    if (t->progress && *t->progress && dlnow > 0) {
      (*t->progress)(static_cast<uint64_t>(dlnow), dltotal > 0 ? static_cast<uint64_t>(dltotal) : 0);
    }
  } else if (t->stall_limit.count() > 0 && now - t->last_byte_at >= t->stall_limit) {
    t->stalled = true;
    return 1;  // aborts with CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

struct EasyDeleter {
  const CurlApi* api;
  void operator()(CURL* c) const { api->easy_cleanup(c); }
};
struct SlistDeleter {
  const CurlApi* api;
  void operator()(curl_slist* l) const { api->slist_free_all(l); }
};
struct UrlDeleter {
  const CurlApi* api;
  void operator()(CURLU* u) const { api->url_cleanup(u); }
};

/// The libcurl implementation of HttpClient. One easy handle per request: updates are rare.
class CurlHttpClient : public HttpClient {
 public:
  bool get(const HttpRequest& request, const TransferProgressFn& progress, HttpResponse* response,
           std::string* err) override {
    *response = HttpResponse{};
    if (!check_update_url(request.url, request.allow_loopback_http, err)) return false;
    std::string load_error;
    const CurlApi* api = curl_api(&load_error);
    if (!api) {
      *err = "download failed: " + load_error;
      return false;
    }
    std::unique_ptr<CURL, EasyDeleter> curl(api->easy_init(), EasyDeleter{api});
    if (!curl) {
      *err = "download failed: cannot initialise libcurl";
      return false;
    }
    CURL* h = curl.get();
    Transfer transfer;
    transfer.response = response;
    transfer.max_bytes = request.max_bytes;
    transfer.progress = &progress;
    transfer.stall_limit = std::chrono::seconds(request.stall_seconds);
    char errbuf[CURL_ERROR_SIZE] = {0};

    std::unique_ptr<curl_slist, SlistDeleter> headers(nullptr, SlistDeleter{api});
    auto add_header = [&](const std::string& line) {
      curl_slist* l = api->slist_append(headers.get(), line.c_str());
      if (l) {
        (void)headers.release();
        headers.reset(l);
      }
    };
    if (!request.if_none_match.empty()) add_header("If-None-Match: " + request.if_none_match);
    if (!request.if_modified_since.empty()) add_header("If-Modified-Since: " + request.if_modified_since);

    const bool plain_http_ok = request.allow_loopback_http && ascii_lower(request.url).starts_with("http://");
    // The safety options must take: a library that ignores one of them would, say, follow a redirect to
    // plain http. Any refusal stops the download before it starts.
    const char* refused = nullptr;
    auto must = [&](CURLoption option, auto value, const char* name) {
      if (!refused && api->easy_setopt(h, option, value) != CURLE_OK) refused = name;
    };
    if (api->version_num >= kCurlWithProtocolStrings) {
      must(CURLOPT_PROTOCOLS_STR, plain_http_ok ? "http,https" : "https", "CURLOPT_PROTOCOLS_STR");
      // Redirects may only lead to HTTPS, even in the loopback test mode.
      must(CURLOPT_REDIR_PROTOCOLS_STR, "https", "CURLOPT_REDIR_PROTOCOLS_STR");
    } else {
      // libcurl before 7.85 (Debian 11, Ubuntu 22.04): the bitmask options, deprecated since but equivalent.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      must(CURLOPT_PROTOCOLS, plain_http_ok ? static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS) : CURLPROTO_HTTPS,
           "CURLOPT_PROTOCOLS");
      must(CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTPS), "CURLOPT_REDIR_PROTOCOLS");
#pragma GCC diagnostic pop
    }
    must(CURLOPT_URL, request.url.c_str(), "CURLOPT_URL");
    must(CURLOPT_FOLLOWLOCATION, 1L, "CURLOPT_FOLLOWLOCATION");
    must(CURLOPT_MAXREDIRS, 5L, "CURLOPT_MAXREDIRS");
    must(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2), "CURLOPT_SSLVERSION");
    must(CURLOPT_SSL_VERIFYPEER, 1L, "CURLOPT_SSL_VERIFYPEER");
    must(CURLOPT_SSL_VERIFYHOST, 2L, "CURLOPT_SSL_VERIFYHOST");
    must(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_bytes), "CURLOPT_MAXFILESIZE_LARGE");
    if (refused) {
      *err = "download failed: libcurl " + api->version + " refuses " + refused +
             ", so it cannot enforce HTTPS-only downloads — refusing to update";
      return false;
    }
    api->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    api->easy_setopt(h, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
    api->easy_setopt(h, CURLOPT_CONNECTTIMEOUT, request.connect_timeout_seconds);
    api->easy_setopt(h, CURLOPT_TIMEOUT, request.timeout_seconds);
    api->easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    api->easy_setopt(h, CURLOPT_LOW_SPEED_TIME, request.stall_seconds);
    api->easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // the size cap applies to the decoded bytes
    api->easy_setopt(h, CURLOPT_USERAGENT, "mailveil-host/" MAILVEIL_VERSION);
    api->easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    api->easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    api->easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
    api->easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    api->easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
    api->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    api->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    api->easy_setopt(h, CURLOPT_XFERINFODATA, &transfer);
    api->easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);

    CURLcode rc = api->easy_perform(h);
    std::string detail = errbuf[0] ? std::string(errbuf) : std::string(api->easy_strerror(rc));
    const std::string& url = request.url;
    if (transfer.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      *err = "download failed: " + url + " is larger than the " + describe_size(request.max_bytes) + " limit";
      return false;
    }
    if (transfer.stalled) {
      *err = "download failed: timed out fetching " + url + " (no data for " + std::to_string(request.stall_seconds) +
             " s)";
      return false;
    }
    switch (rc) {
      case CURLE_OK: api->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response->status); return true;
      case CURLE_COULDNT_CONNECT:
        *err = "download failed: cannot connect to " + url + " (" + detail + ")";
        return false;
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        *err = "download failed: cannot resolve the host of " + url + " (" + detail + ")";
        return false;
      case CURLE_OPERATION_TIMEDOUT:
        *err = "download failed: timed out fetching " + url + " (" + detail + ")";
        return false;
      case CURLE_PARTIAL_FILE: {
        curl_off_t expected = -1;
        api->easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
        *err = "download failed: the connection closed before the whole file arrived from " + url + " (got " +
               std::to_string(response->body.size()) + " bytes" +
               (expected > 0 ? " of " + std::to_string(expected) : std::string()) + ")";
        return false;
      }
      case CURLE_UNSUPPORTED_PROTOCOL:
        *err = "download failed: " + url + " redirected to a non-HTTPS address; refused (" + detail + ")";
        return false;
      case CURLE_TOO_MANY_REDIRECTS: *err = "download failed: too many redirects from " + url; return false;
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CACERT_BADFILE:
        *err = "download failed: TLS error with " + url + " (" + detail + ")";
        return false;
      default:
        *err = "download failed: " + std::string(api->easy_strerror(rc)) + " fetching " + url + " (" + detail + ")";
        return false;
    }
  }
};

}  // namespace

std::string curl_runtime_version() {
  std::string err;
  const CurlApi* api = curl_api(&err);
  return api ? api->version : "unavailable (" + err + ")";
}

std::unique_ptr<HttpClient> make_curl_http_client() {
  return std::make_unique<CurlHttpClient>();
}

bool check_update_url(const std::string& url, bool allow_loopback_http, std::string* err) {
  std::string load_error;
  const CurlApi* api = curl_api(&load_error);
  if (!api) {
    *err = "cannot check the update URL: " + load_error;
    return false;
  }
  std::unique_ptr<CURLU, UrlDeleter> u(api->url(), UrlDeleter{api});
  if (!u || api->url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    *err = "the update URL '" + url + "' is not a valid absolute URL";
    return false;
  }
  char* scheme = nullptr;
  char* host = nullptr;
  std::string s;
  std::string hs;
  if (api->url_get(u.get(), CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK && scheme) s = ascii_lower(scheme);
  if (api->url_get(u.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK && host) hs = host;
  api->free(scheme);
  api->free(host);
  if (s == "https") return true;
  if (s == "http" && allow_loopback_http && is_loopback_host(hs)) return true;
  *err = "the update URL '" + url + "' is not HTTPS; only https:// addresses are accepted";
  return false;
}

}  // namespace mailveil
