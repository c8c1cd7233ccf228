/// Judging fetched elements (images, srcset, CSS backgrounds, …): is this request an open tracker?
/// (docs/scoring.md §2–3). One message-level pass (MailImages) gathers what the elements of a mail say about
/// each other: which images are shown visibly, and which ids recur across the mail's URLs. Then each fetched
/// element is judged from its own URL and size plus those facts.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "codes.h"
#include "email.h"
#include "url.h"

namespace mailveil {

/// True when the last path segment is not a static file: no extension, or a server-side script's.
bool is_dynamic_endpoint(const Url& url);
/// Both sides at most 2 px, or one side that small and the other not given (`<img width="1">`).
bool is_tiny(const Size& s);
/// A sliver: one side at most 2 px and the other known and larger (3x1, 20x1, 1x5, 600x1).
bool is_thin(const Size& s);
/// A value that is a Unix time in seconds or milliseconds (10 or 13 digits, 2001–2033): an expiry or a cache
/// buster, the same for every reader.
bool looks_like_timestamp(std::string_view v);

/// Where a URL carries per-recipient-looking ids (looks_like_personal_token), by position.
struct TokenFacts {
  bool query_token = false;     ///< a query value, under a key that is not an asset or campaign parameter
  bool recipient_key = false;   ///< a query value under a key that names the reader or the message (`e`, `uid`…)
  bool endpoint_token = false;  ///< the last path segment, when it is not a static file
  bool stem_token = false;      ///< the name of a static file (`/<md5>.png`)
  bool asset_path = false;      ///< the path or host reads as a media library (`/lib/`, `/images/`, `image.`…)
  bool folder_token = false;    ///< a folder segment (`/<id>/x.gif`, `/<id>/<id>/`)
  bool folder_token_after_word = false;  ///< a folder token after an open-endpoint word (`/open/<id>/x.gif`)
  bool any() const { return query_token || endpoint_token || stem_token || folder_token_after_word; }
};

/// What the other elements of the mail say about a fetched element.
class MailImages {
 public:
  MailImages() = default;
  /// `urls[i]` is the unwrapped URL of `elements[i]`, or nullptr when it has none (cid:, data:, too long…). The
  /// URLs are referred to, not copied: they must outlive this object.
  MailImages(const std::vector<Element>& elements, const std::vector<const Url*>& urls);

  /// True when the same image file, or another one in the same folder of the same host, is shown visibly at
  /// a normal size somewhere in the mail: a hidden copy of it is a responsive duplicate, not a beacon.
  bool shown_visibly_nearby(const Url& url) const;
  /// True when a query value or endpoint segment of `url` that looks like an id also appears in another URL of
  /// the mail (a link or another image): a per-recipient id recurs, an asset hash names one file.
  bool has_repeated_token(const Url& url) const;

 private:
  /// A host and a path (or a folder: the path up to its last '/'), views of a URL of the mail.
  using File = std::pair<std::string_view, std::string_view>;
  struct FileHash {
    size_t operator()(const File& f) const;
  };
  /// Where a token was first seen: a URL's query (the whole URL names the place) or its path (host and path do,
  /// as the same image at two sizes, `photo-1?w=600` and `photo-1?w=300`, is one file). nullptr once the token
  /// has been seen in two distinct places.
  struct Place {
    const Url* url = nullptr;
    bool in_query = false;
    bool operator==(const Place& o) const;
  };
  std::unordered_set<File, FileHash> visible_files_;  ///< host + path of visible, normally sized images
  std::unordered_set<File, FileHash> visible_dirs_;   ///< host + folder of the same
  struct TokenHash {
    using is_transparent = void;  // looked up by string_view
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Place, TokenHash, std::equal_to<>> tokens_;
};

/// The facts of TokenFacts for one URL.
TokenFacts token_facts(const Url& url);

/// Judges one fetched element. Appends the signals that apply to `reasons` and returns true when the
/// element is a tracker. `signature` and `leaked` come from the list and the leak detector.
bool judge_fetched_element(const Url& url, const Element& e, const MailImages& mail, bool signature, bool leaked,
                           std::vector<Signal>* reasons);

}  // namespace mailveil
