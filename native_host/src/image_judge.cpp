#include "image_judge.h"

#include <algorithm>
#include <array>

#include "judge_common.h"
#include "leak_detector.h"
#include "text_util.h"
#include "word_match.h"

namespace mailveil {
namespace {

/// Largest side of an image still treated as a pixel.
constexpr int kTinySide = 2;

/// One path segment: its raw text, and for the last one whether it names a static file.
struct Segment {
  std::string_view raw;
  size_t offset = 0;  ///< of the segment's first character in the path
};

/// Calls fn(segment) for every non-empty segment of `path`, in order.
template <typename Fn>
void for_each_segment(std::string_view path, Fn&& fn) {
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) fn(Segment{path.substr(start, slash - start), start});
    start = slash + 1;
  }
}

/// The file stem of a segment when it has a short extension ("a1b2.gif" -> "a1b2"), else the segment.
std::string_view stem_of(std::string_view seg) {
  if (size_t dot = seg.rfind('.'); dot != std::string_view::npos && dot > 0 && seg.size() - dot <= 5) {
    return seg.substr(0, dot);
  }
  return seg;
}

bool in_list(std::string_view s, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

/// Query keys whose values describe the file, the rendering, a signature of the asset or the campaign: the same
/// for every reader, so never a per-recipient id (CDN resizing, signed storage URLs, cache busters, maps,
/// QR codes).
bool is_asset_key(std::string_view k) {
  if (k.rfind("utm_", 0) == 0 || k.rfind("x-amz-", 0) == 0 || k.rfind("x-goog-", 0) == 0 || k.rfind("_nc_", 0) == 0) {
    return true;
  }
  // Signed storage and CDN URLs (CloudFront, Azure SAS, Google Cloud Storage, Akamai), then the file, its
  // rendering and the campaign.
  static const WordSet kAssetKeys = {"policy",      "googleaccessid",
                                     "st",          "skoid",
                                     "sktid",       "skt",
                                     "ske",         "sks",
                                     "skv",         "hdnts",
                                     "__token__",   "hmac",
                                     "v",           "ver",
                                     "version",     "rev",
                                     "cache",       "cb",
                                     "w",           "h",
                                     "width",       "height",
                                     "size",        "fit",
                                     "crop",        "fm",
                                     "format",      "auto",
                                     "q",           "quality",
                                     "dpr",         "ixid",
                                     "ixlib",       "s",
                                     "sig",         "signature",
                                     "hash",        "itok",
                                     "token",       "alt",
                                     "expires",     "key-pair-id",
                                     "key",         "apikey",
                                     "api_key",     "client",
                                     "se",          "sp",
                                     "sv",          "sr",
                                     "oh",          "oe",
                                     "ccb",         "data",
                                     "text",        "chl",
                                     "code",        "barcode",
                                     "qr",          "campaign",
                                     "campaign_id", "campaignid",
                                     "cmp",         "list",
                                     "list_id",     "listid",
                                     "newsletter",  "issue",
                                     "edition",     "mailing",
                                     "mailingid",   "account",
                                     "account_id",  "accountid",
                                     "acct",        "aid",
                                     "tid",         "crop_w",
                                     "crop_h",      "center"};
  return kAssetKeys.contains(k);
}

/// Keys that name a file in a content system (`fileservlet?id=4192617785130`): a number or a hex digest there
/// is the file's id. Only a random mixed-case token under them can name a reader.
bool is_content_id_key(std::string_view k) {
  static const WordSet kContentIdKeys = {"id",      "fileid",   "file_id", "file",    "image", "img",
                                         "imageid", "image_id", "asset",   "assetid", "photo", "media",
                                         "mediaid", "doc",      "docid",   "pic"};
  return kContentIdKeys.contains(k);
}

bool has_upper_and_lower(std::string_view v) {
  return std::any_of(v.begin(), v.end(), [](char c) { return c >= 'A' && c <= 'Z'; }) &&
         std::any_of(v.begin(), v.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

/// Query keys that name the reader or the message sent to them.
bool is_recipient_key(std::string_view k) {
  if (in_list(k, {"e",
                  "em",
                  "eml",
                  "email",
                  "emailaddress",
                  "email_address",
                  "mail",
                  "recipient",
                  "recipient_id",
                  "recipientid",
                  "rcpt",
                  "subscriber",
                  "subscriber_id",
                  "subscriberid",
                  "sub_id",
                  "subid",
                  "user",
                  "userid",
                  "user_id",
                  "contact",
                  "contact_id",
                  "contactid",
                  "member",
                  "memberid",
                  "member_id",
                  "mi_u",
                  "upn",
                  "_ri_",
                  "ml_subscriber",
                  "ck_subscriber_id",
                  "vero_id",
                  "msgid",
                  "message_id",
                  "messageid",
                  "person",
                  "profile",
                  "profile_id",
                  "lead",
                  "leadid",
                  "visitor",
                  "visitorid",
                  "akid",
                  "sourceid",
                  "refcode"})) {
    return true;
  }
  // `uid`, `esp_uid`, `mc_eid`, `mid`, `lmid`, `rid`: ids of the user, the e-mail, the recipient, the message.
  // A `guid` names a content item in most CMSs.
  if (k == "guid" || k == "imageguid" || k == "fileguid") return false;
  for (std::string_view suffix : {"uid", "eid", "rid", "mid"}) {
    if (k.size() >= suffix.size() && k.substr(k.size() - suffix.size()) == suffix) return true;
  }
  return false;
}

/// A shorter id still worth naming a reader under a recipient key: 8+ characters, letters or digits with at
/// least one digit ("947028393lPso"), not a word.
bool looks_like_short_id(std::string_view v) {
  if (v.size() < 8) return false;
  bool digit = false;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '.' || c == '=' ||
                 c == '~' || c == '+' || c == '/')) {
      return false;
    }
  }
  return digit;
}

/// A token worth remembering or counting: a per-recipient-looking id that is not a time stamp.
bool is_id_token(std::string_view v) {
  return v.size() >= 10 && !looks_like_timestamp(v) && looks_like_personal_token(v);
}

/// Folders and host labels of media libraries: a hash or UUID there names a file.
bool is_asset_folder(std::string_view seg) {
  std::string s = ascii_lower(seg);
  return in_list(s, {"images",     "image",     "img",       "imgs",        "lib",          "assets",     "asset",
                     "media",      "uploads",   "upload",    "files",       "file",         "content",    "static",
                     "res",        "resources", "pictures",  "photos",      "photo",        "public",     "dam",
                     "wp-content", "letters",   "templates", "emailimages", "email-images", "mailimages", "gallery",
                     "cdn",        "storage",   "userfiles", "attachments", "creatives",    "banners",    "logos"});
}

bool is_asset_host(std::string_view host) {
  std::string_view first = host.substr(0, host.find('.'));
  while (!first.empty() && first.back() >= '0' && first.back() <= '9') first.remove_suffix(1);  // img2, cdn3
  return in_list(first, {"image", "images", "img", "imgs", "static", "cdn", "media", "assets", "content", "files",
                         "res", "pics", "photos", "gallery", "userimg-assets", "imgssl"});
}

/// A URL signed with an expiry (LinkedIn media `?e=<time>&v=beta&t=<signature>`, `?exp=…&sig=…`): the short
/// keys next to the expiry hold the signature of the file, not a reader's id.
bool is_signed_url(const Url& url) {
  bool expiry = false;
  for_each_query_pair(url.query, [&](std::string_view key, std::string_view value) {
    expiry = (iequals(key, "e") || iequals(key, "exp") || iequals(key, "expires") || iequals(key, "expiry") ||
              iequals(key, "x-expires")) &&
             looks_like_timestamp(percent_decode(value));
    return !expiry;
  });
  return expiry;
}

/// Calls fn(token) for the tokens a URL carries in its query values and as its endpoint (the last path segment
/// when it is not a static file); with `all_segments`, for every path segment and file stem too.
template <typename Fn>
void for_each_url_token(const Url& url, bool all_segments, Fn&& fn) {
  const bool signed_url = is_signed_url(url);
  std::string key_buffer, buffer;  // decodings, only for parts that hold an escape
  for_each_query_pair(url.query, [&](std::string_view key, std::string_view value) {
    if (value.size() < 10) return true;
    const std::string k = ascii_lower(percent_decoded(key, &key_buffer));
    if (is_asset_key(k) || (signed_url && k.size() <= 2)) return true;
    const std::string_view v = percent_decoded(value, &buffer);
    if (is_content_id_key(k) && !has_upper_and_lower(v)) return true;
    if (is_id_token(v)) fn(v, true);
    return true;
  });
  const bool dynamic = is_dynamic_endpoint(url);
  std::string_view path = url.path;
  const size_t last_start = path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1;
  for_each_segment(path, [&](const Segment& s) {
    const bool last = s.offset == last_start;
    if (!all_segments && !(last && dynamic)) return;
    const std::string_view v = percent_decoded(last ? stem_of(s.raw) : s.raw, &buffer);
    if (is_id_token(v)) fn(v, false);
  });
}

}  // namespace

bool is_dynamic_endpoint(const Url& url) {
  std::string_view path = url.path;
  std::string_view last = path.substr(path.rfind('/') + 1);
  size_t dot = last.rfind('.');
  if (last.empty() || dot == std::string_view::npos) return !last.empty();
  std::string ext = ascii_lower(last.substr(dot + 1));
  return in_list(ext, {"php", "aspx", "asp", "ashx", "jsp", "cgi", "shtml", "pl", "fcgi", "do", "html", "htm", "dll"});
}

bool is_tiny(const Size& s) {
  const bool narrow = s.width >= 0 && s.width <= kTinySide;
  const bool flat = s.height >= 0 && s.height <= kTinySide;
  return (narrow && (flat || s.height < 0)) || (flat && s.width < 0);
}

bool is_thin(const Size& s) {
  if (!s.known() || is_tiny(s)) return false;
  return std::min(s.width, s.height) <= kTinySide;
}

bool looks_like_timestamp(std::string_view v) {
  if (v.size() != 10 && v.size() != 13) return false;
  if (!std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  // 1000000000 (2001) to 1999999999 (2033), in seconds or milliseconds.
  return v[0] == '1';
}

TokenFacts token_facts(const Url& url) {
  TokenFacts f;
  const bool signed_url = is_signed_url(url);
  std::string key_buffer, buffer;  // decodings, only for parts that hold an escape
  for_each_query_pair(url.query, [&](std::string_view key, std::string_view value) {
    if (value.size() < 8) return true;
    const std::string k = ascii_lower(percent_decoded(key, &key_buffer));
    if (is_asset_key(k) || (signed_url && k.size() <= 2)) return true;
    const std::string_view v = percent_decoded(value, &buffer);
    if (looks_like_timestamp(v) || (is_content_id_key(k) && !has_upper_and_lower(v))) return true;
    const bool recipient = is_recipient_key(k);
    if (is_id_token(v) || (recipient && looks_like_short_id(v))) {
      f.query_token = true;
      f.recipient_key |= recipient;
    }
    return true;
  });
  std::string_view path = url.path;
  const bool dynamic = is_dynamic_endpoint(url);
  const size_t word_end = open_endpoint_end(path);
  f.asset_path = is_asset_host(url.host);
  const size_t last_start = path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1;
  for_each_segment(path, [&](const Segment& s) {
    const bool last = s.offset == last_start;
    if (!last && is_asset_folder(s.raw)) f.asset_path = true;
    const std::string_view v = percent_decoded(last ? stem_of(s.raw) : s.raw, &buffer);
    if (!is_id_token(v)) return;
    if (last) {
      (dynamic ? f.endpoint_token : f.stem_token) = true;
    } else {
      f.folder_token = true;
      if (word_end != std::string_view::npos && s.offset >= word_end - 1) f.folder_token_after_word = true;
    }
  });
  return f;
}

size_t MailImages::FileHash::operator()(const File& f) const {
  const std::hash<std::string_view> h;
  return h(f.first) * 31 + h(f.second);
}

bool MailImages::Place::operator==(const Place& o) const {
  // As the strings host + path (+ '?' + query, for a query) compare: a host holds no '/', an http(s) path starts
  // with one, and a query's place holds a '?', which no path does (it is encoded there).
  if (url == nullptr || o.url == nullptr) return url == o.url;
  if (in_query != o.in_query || url->host != o.url->host || url->path != o.url->path) return false;
  return !in_query || (url->has_query == o.url->has_query && url->query == o.url->query);
}

namespace {

/// The folder of a file: its path up to and with the last '/'.
std::string_view folder_of(std::string_view path) {
  return path.substr(0, path.rfind('/') + 1);
}

}  // namespace

MailImages::MailImages(const std::vector<Element>& elements, const std::vector<const Url*>& urls) {
  for (size_t i = 0; i < elements.size() && i < urls.size(); ++i) {
    const Url* url = urls[i];
    if (!url) continue;
    const Element& e = elements[i];
    const bool shown = e.visible && !(e.rendered.known() && (e.rendered.width == 0 || e.rendered.height == 0));
    if (is_fetched_on_open(e.kind) && shown && !is_tiny(e.declared) && !is_thin(e.declared) && !is_tiny(e.rendered) &&
        !is_thin(e.rendered) && !is_dynamic_endpoint(*url)) {
      visible_dirs_.insert({url->host, folder_of(url->path)});
      visible_files_.insert({url->host, url->path});
    }
    // A query id recurs when it is in another URL; a path id when it is in another file.
    for_each_url_token(*url, true, [&](std::string_view token, bool in_query) {
      const Place here{url, in_query};
      const auto it = tokens_.find(token);
      if (it == tokens_.end()) {
        tokens_.emplace(token, here);
      } else if (it->second.url != nullptr && !(it->second == here)) {
        it->second = Place{};
      }
    });
  }
}

bool MailImages::shown_visibly_nearby(const Url& url) const {
  if (visible_files_.count({url.host, url.path})) return true;
  return visible_dirs_.count({url.host, folder_of(url.path)}) > 0;
}

bool MailImages::has_repeated_token(const Url& url) const {
  if (tokens_.empty()) return false;
  bool repeated = false;
  for_each_url_token(url, false, [&](std::string_view token, bool) {
    auto it = tokens_.find(token);
    repeated |= it != tokens_.end() && it->second.url == nullptr;
  });
  return repeated;
}

bool judge_fetched_element(const Url& url, const Element& e, const MailImages& mail, bool signature, bool leaked,
                           std::vector<Signal>* reasons) {
  auto add = [&](Signal s) { add_reason(reasons, s); };
  const bool tiny = is_tiny(e.declared) || is_tiny(e.rendered);
  const bool thin = !tiny && (is_thin(e.declared) || is_thin(e.rendered));
  const bool concealed = !e.visible || (e.rendered.known() && (e.rendered.width == 0 || e.rendered.height == 0));
  // A hidden copy of an image shown elsewhere in the mail is a responsive duplicate (mobile, dark mode…).
  const bool hidden = concealed && (tiny || !mail.shown_visibly_nearby(url));
  const bool word = has_tracking_path_word(url.path);
  const bool strong = word && open_endpoint_end(url.path) != std::string_view::npos;
  const TokenFacts t = token_facts(url);
  const bool repeated = mail.has_repeated_token(url);
  const bool query = url.has_query && !url.query.empty();
  const bool dynamic = is_dynamic_endpoint(url);
  const bool sized = e.declared.width >= 0 || e.declared.height >= 0 || e.rendered.known();
  // A CSS url() with no box of its own (a `@media print` or `:hover` background, a forward-detection rule):
  // content backgrounds carry no id in their query, so one makes it a beacon. (An id-like slug alone is not
  // enough: Google-hosted images are `lh3.googleusercontent.com/<token>=w600`.)
  const bool css_rule = e.kind == ElementKind::kCssBackground && !sized;

  // Evidence of a per-recipient request. A hash that names a file in a media library is not.
  const bool stem_personal = t.stem_token && !t.asset_path;
  const bool personal =
      t.query_token || t.endpoint_token || stem_personal || t.folder_token_after_word || repeated || t.recipient_key;
  // An open endpoint: a strong path word on a request that can tell readers apart or is generated per request.
  const bool open_endpoint = strong && (dynamic || query || personal);

  bool block = false;
  if (tiny) {
    // A pixel: any id, query, script or open word makes it a beacon; a static spacer with none of them is the
    // same URL for every reader.
    block = personal || strong || query || dynamic || (word && t.any()) || (t.folder_token && !t.asset_path);
  } else if (thin) {
    // 3x1, 20x1, 1x5: a sliver beacon has an open endpoint or an id; a static divider has neither.
    block = open_endpoint || t.query_token || t.endpoint_token || stem_personal || repeated || t.recipient_key;
  } else if (hidden) {
    // Hidden alone is not evidence: the request must also tell readers apart or name an open endpoint.
    // A hidden request to a script or slug outside any media library (a shortener as an image) counts too.
    block = open_endpoint || t.recipient_key || repeated || (!t.asset_path && (personal || dynamic));
  } else {
    // Shown at a normal or unknown size: content unless the URL itself names the reader or an open endpoint.
    // At a declared normal size a query alone (`/open/logo.png?v=2`) or a file hash after a weak word (a
    // music `track/<md5>.jpg`) is not enough; with no size, the shape of the URL has to decide.
    const bool endpoint_shape = sized ? strong && (dynamic || personal) : open_endpoint;
    block = endpoint_shape || t.recipient_key || repeated || (word && (t.query_token || t.endpoint_token)) ||
            (!sized && word && stem_personal) || (!sized && dynamic && t.query_token) || (css_rule && t.query_token);
  }

  if (signature) add(Signal::kSignature);
  if (leaked) add(Signal::kAddressLeak);
  if (tiny) add(Signal::kTinyImage);
  if (thin) add(Signal::kThinImage);
  if (hidden) add(Signal::kHiddenImage);
  if (word) add(Signal::kTrackingPath);
  if (personal) add(Signal::kRecipientToken);
  if ((tiny || thin || hidden || !sized) && dynamic) add(Signal::kDynamicEndpoint);
  return signature || leaked || block;
}

}  // namespace mailveil
