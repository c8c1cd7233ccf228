#include "link_judge.h"

#include <algorithm>
#include <array>
#include <optional>

#include "digest.h"
#include "judge_common.h"
#include "text_util.h"
#include "unwrap.h"
#include "word_match.h"

namespace mailveil {
namespace {

/// Redirectors unwrapped in a row before giving up (a tracker wrapping a tracker wrapping Google's /url…).
constexpr int kMaxNestedRedirects = 4;

bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return is_upper(c) || is_lower(c);
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

/// Splits `s` at any of `separators`, calling fn(part) for each part (empty ones included).
template <typename Fn>
void for_each_part(std::string_view s, std::string_view separators, Fn&& fn) {
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && separators.find(s[i]) == std::string_view::npos) continue;
    fn(s.substr(start, i - start));
    start = i + 1;
  }
}

/// Most of the text in lower-case words of three or more letters between dashes, underscores or dots: a
/// slug ("louis-vuitton-m44813-multi-pochette"), not an id.
bool is_slug(std::string_view v) {
  size_t word_chars = 0;
  size_t words = 0;
  for_each_part(v, "-_.", [&](std::string_view part) {
    if (part.size() >= 3 && all_of(part, is_lower)) {
      ++words;
      word_chars += part.size();
    }
  });
  return words >= 2 && word_chars * 2 >= v.size();
}

// ---------------------------------------------------------------------------------------------------------------
// The pieces of a URL path.

enum class Piece {
  kShort,   ///< a short code: "c", "v2", "mk", "B1PP4G4", "4100B9"
  kWord,    ///< a word or slug, or a named file: a page of a site ("product", "privacy-policy.html", "a.pdf")
  kNumber,  ///< 4+ digits: an id
  kToken,   ///< is_link_token
  kOpaque,  ///< a long run of letters without separators: generated, not a word
};

/// Extensions of files a link may point to: their names are content names, not per-recipient tokens.
bool is_document_extension(std::string_view ext) {
  static constexpr std::array<std::string_view, 24> kExt = {
      "pdf", "jpg",  "jpeg", "png", "gif", "webp", "svg", "zip", "doc",  "docx", "xls", "xlsx",
      "ppt", "pptx", "mp3",  "mp4", "mov", "ics",  "txt", "csv", "epub", "avi",  "wav", "rar"};
  return std::find(kExt.begin(), kExt.end(), ascii_lower(ext)) != kExt.end();
}

/// Extensions of server-side scripts: a link to one is an endpoint, not a page.
bool is_script_extension(std::string_view ext) {
  static constexpr std::array<std::string_view, 10> kExt = {"php",  "asp", "aspx", "jsp", "cgi",
                                                            "ashx", "pl",  "do",   "cfm", "fcgi"};
  return std::find(kExt.begin(), kExt.end(), ascii_lower(ext)) != kExt.end();
}

/// The segment without its extension; *ext gets the extension ("" when none).
std::string_view split_extension(std::string_view seg, std::string_view* ext) {
  size_t dot = seg.rfind('.');
  *ext = {};
  if (dot == std::string_view::npos || dot == 0 || seg.size() - dot - 1 > 5 || seg.size() - dot - 1 == 0) return seg;
  std::string_view e = seg.substr(dot + 1);
  if (!all_of(e, is_letter)) return seg;
  *ext = e;
  return seg.substr(0, dot);
}

bool has_vowel(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return std::string_view("aeiouyAEIOUY").find(c) != std::string_view::npos; });
}

/// A word of a language or a CamelCase run of them ("product", "Account", "ResetPassword", "BIOS"): letters
/// only, 3 to 40 of them, each case run ("Reset", "Password") of 3+ letters holding a vowel. Generated codes mix
/// case in short runs ("edeeBck", "vGilg") or have no vowel ("yjxff").
bool is_word(std::string_view part) {
  if (part.size() < 3 || part.size() > 40 || !all_of(part, is_letter)) return false;
  size_t start = 0;
  for (size_t i = 1; i <= part.size(); ++i) {
    if (i < part.size() && !(is_lower(part[i - 1]) && is_upper(part[i]))) continue;
    std::string_view run = part.substr(start, i - start);
    if (run.size() < 3 || !has_vowel(run)) return false;
    start = i;
  }
  return true;
}

/// A page's title followed by its id: words (and numbers) between dashes or underscores, then a hex or numeric id
/// ("Onboarding-Guide-1a2b…6d" on Notion, "why-we-rewrote-our-parser-4d20295c1a94", "release-notes_20241130").
/// The id names the page, the same for every reader. A generated token does not split into words and a hex tail.
bool is_titled_id(std::string_view stem) {
  std::vector<std::string_view> parts;
  for_each_part(stem, "-_", [&](std::string_view part) { parts.push_back(part); });
  if (parts.size() < 2) return false;
  const std::string_view id = parts.back();
  const bool hex_id = id.size() >= 8 && std::all_of(id.begin(), id.end(), [](char c) { return hex_value(c) >= 0; });
  if (!hex_id && !(id.size() >= 4 && all_of(id, is_digit))) return false;
  bool word = false;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!all_of(parts[i], is_letter) && !all_of(parts[i], is_digit)) return false;
    word = word || is_word(parts[i]);
  }
  return word;
}

Piece classify_piece(std::string_view raw) {
  const std::string seg = percent_decode(raw);
  std::string_view ext;
  std::string_view stem = split_extension(seg, &ext);
  if (!ext.empty() && is_document_extension(ext)) return Piece::kWord;
  if (stem.empty()) return Piece::kShort;
  if (all_of(stem, is_digit)) return stem.size() >= 4 ? Piece::kNumber : Piece::kShort;
  if (is_titled_id(stem)) return Piece::kWord;
  if (is_link_token(stem)) return Piece::kToken;
  if (stem.size() > 48 && all_of(stem, is_letter)) return Piece::kOpaque;
  bool word = false;
  for_each_part(stem, "-_.+~ ", [&](std::string_view part) { word = word || is_word(part); });
  return word ? Piece::kWord : Piece::kShort;
}

struct Segment {
  std::string lower;  ///< percent-decoded, lower case
  std::string_view stem;
  std::string_view ext;
  Piece piece;
};

std::vector<Segment> path_segments(const Url& url) {
  std::vector<Segment> out;
  for_each_part(url.path, "/", [&](std::string_view raw) {
    if (raw.empty()) return;
    out.push_back({ascii_lower(percent_decode(raw)), {}, {}, classify_piece(raw)});
  });
  for (auto& s : out) s.stem = split_extension(s.lower, &s.ext);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Mailing pages: unsubscribe, preferences, web view, address book.

bool text_names_mailing_page(std::string_view text) {
  return !text.empty() && mailing_page_in_text(text);
}

}  // namespace

bool is_mailing_page(const Url& url, std::string_view text) {
  // The web view of Salesforce Marketing Cloud and others: "view.<brand mail domain>/?qs=…".
  if (url.host.starts_with("view.") && std::count(url.host.begin(), url.host.end(), '.') >= 2) return true;
  // A campaign's web archive (Mailchimp's us5.campaign-archive.com/?u=…&id=…).
  if (registrable_domain(url.host).find("archive") != std::string::npos) return true;
  // The path's words, leaving out a segment that carries a destination URL (Amazon SES's
  // /L0/https:%2F%2Fshop.example%2F%3Fop=unsubscribe/…): a redirect to an unsubscribe page is a redirect. Of the
  // query, the keys and the short values ("act=unsub"), not a destination.
  std::string words;
  words.reserve(url.path.size() + url.query.size() + 1);
  for_each_part(url.path, "/", [&](std::string_view seg) {
    if (istarts_with(seg, "http") || ifind(seg, "%2f") != std::string_view::npos) return;
    words += '/';
    words += seg;
  });
  for_each_query_pair(url.query, [&](std::string_view k, std::string_view v) {
    words += '&';
    words += k;
    if (v.size() <= 24) {
      words += '=';
      words += v;
    }
    return true;
  });
  return mailing_page_in_url_words(words) || text_names_mailing_page(text);
}

bool is_link_token(std::string_view v) {
  const size_t n = v.size();
  if (n < 12) return false;
  size_t upper = 0, lower = 0, digits = 0, hex = 0, seps = 0, marks = 0, at = 0;
  // Changes between upper case, lower case and digits: generated ids change often ("4cffWk24727PRIO591…",
  // "Qu9K9mzKhb"); words with a number ("issuecomment-1187", "order20240512") change once or twice.
  size_t changes = 0;
  int last_class = -1;
  for (char c : v) {
    const int cls = is_upper(c) ? 0 : is_lower(c) ? 1 : is_digit(c) ? 2 : -1;
    if (cls >= 0) {
      changes += last_class >= 0 && cls != last_class;
      last_class = cls;
    }
    if (is_upper(c))
      ++upper;
    else if (is_lower(c))
      ++lower;
    else if (is_digit(c))
      ++digits;
    else if (c == '-' || c == '_')
      ++seps;
    else if (c == '=' || c == '+' || c == '/' || c == '.' || c == '~')
      ++marks;
    else if (c == '@')
      ++at;
    else
      return false;  // spaces, punctuation: prose or a URL, not an identifier
    if (hex_value(c) >= 0) ++hex;
  }
  const size_t letters = upper + lower;
  // An anonymised address pasted inside a long spam token ("4SpdWaphishing@pot68lfVX236…") keeps it a token;
  // an address alone is not one.
  if (at > 1 || (at == 1 && (n < 30 || digits < 8))) return false;
  if (n == 36 && seps == 4 && hex == 32) return true;  // UUID
  if (letters == 0) return false;                      // a number: an id, not a token
  if (hex == n && n >= 16) return true;
  if (changes < 3) return false;
  if (n >= 16 && digits >= 2 && letters >= 2) return seps * 8 < n && !is_slug(v);
  // 12 to 15 characters: many case or digit changes ("zDXjvartiQ8nFPh", "rFJsFqwPUrTNGgb"); product codes and
  // video ids are shorter, and "37692PVVW901762" (two changes) is left alone.
  // Letters alone in CamelCase words ("PyramidConsultingInc") are a name.
  return letters >= 2 && changes >= 4 && seps == 0 && marks == 0 && at == 0 && (digits > 0 || !is_word(v));
}

namespace {

// ---------------------------------------------------------------------------------------------------------------
// Redirector shapes.

/// A path segment that names a click redirect wherever it sits.
bool is_redirect_word(std::string_view stem) {
  static constexpr std::array<std::string_view, 18> kWords = {
      "click",      "clicks",      "clic",        "clickthrough", "click-through", "redirect",
      "redir",      "redirection", "redirector",  "lnk",          "linkclick",     "link_click",
      "clicktrack", "trackclick",  "track_click", "tracklink",    "fwd",           "wrap"};
  return std::find(kWords.begin(), kWords.end(), stem) != kWords.end();
}

/// A script whose name is a redirector's: r.aspx, c.php, l.php, t.php, go.php, out.php, link.php, track.php…
bool is_redirect_script(std::string_view stem) {
  static constexpr std::array<std::string_view, 13> kStems = {"r",   "c",    "l",     "t",     "u",   "e",   "go",
                                                              "out", "link", "links", "track", "trk", "jump"};
  return std::find(kStems.begin(), kStems.end(), stem) != kStems.end() || is_redirect_word(stem);
}

/// A query value that identifies something: a token, a number, a hex id of 8+ characters.
bool is_query_id(std::string_view raw) {
  const std::string v = percent_decode(raw);
  if (v.size() >= 4 && all_of(v, is_digit)) return true;
  if (v.size() >= 8 && std::all_of(v.begin(), v.end(), [](char c) { return hex_value(c) >= 0 || c == '-'; })) {
    return true;
  }
  return is_link_token(v);
}

/// A token that is an encoded address ("cGhpc2hpbmdAcG90…" is base64 of one): a phishing page prefills the
/// victim's address this way, and the leak detector reports it; it says nothing about a redirect.
bool encodes_address(std::string_view v) {
  std::string decoded;
  if (!base64_decode(v, &decoded)) {
    if (v.size() % 2 != 0 || !std::all_of(v.begin(), v.end(), [](char c) { return hex_value(c) >= 0; })) return false;
    for (size_t i = 0; i + 1 < v.size(); i += 2)
      decoded.push_back(static_cast<char>(hex_value(v[i]) * 16 + hex_value(v[i + 1])));
  }
  const size_t at = decoded.find('@');
  return at != std::string::npos && at > 0 && decoded.find('.', at) != std::string::npos &&
         std::all_of(decoded.begin(), decoded.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

/// is_link_token, minus encoded addresses.
bool is_recipient_token(std::string_view v) {
  return is_link_token(v) && !encodes_address(v);
}

struct QueryFacts {
  bool id = false;     ///< some value is an id or a token
  bool token = false;  ///< some value (or a bare key) is a token
};

QueryFacts query_facts(const Url& url) {
  QueryFacts f;
  for_each_query_pair(url.query, [&](std::string_view k, std::string_view v) {
    if (is_tracking_param(percent_decode(k))) return true;  // utm_* and friends: campaign names, not recipients
    if (v.empty() || v.find_first_not_of('=') == std::string_view::npos) {
      // A bare key ("?GvNnM5AG2iSX5S…", "?961102769", a base64 key whose padding reads as "=") is the value.
      f.token = f.token || is_recipient_token(percent_decode(k));
      f.id = f.id || is_query_id(k);
      return true;
    }
    f.token = f.token || is_recipient_token(percent_decode(v));
    f.id = f.id || is_query_id(v);
    return true;
  });
  return f;
}

/// A redirector's path: a redirect word (/click, /redirect/, /lnk/, /fwd/), a redirector script (r.aspx,
/// lnk.php, go.php) or a one-letter click prefix followed by ids (/c/136/1071579/…, /l/<token>), or
/// /track/<token>; and something that identifies the recipient or the link.
bool has_redirect_path(const std::vector<Segment>& segs, const QueryFacts& q) {
  for (size_t i = 0; i < segs.size(); ++i) {
    const Segment& s = segs[i];
    size_t later_tokens = 0;
    size_t later_numbers = 0;
    for (size_t j = i + 1; j < segs.size(); ++j) {
      later_tokens += segs[j].piece == Piece::kToken || segs[j].piece == Piece::kOpaque;
      // Ids: numbers, and hex of 8+ characters ("5bcc576f50.html", CleverReach's "/c/<n>/<hex>").
      later_numbers += segs[j].piece == Piece::kNumber ||
                       (segs[j].stem.size() >= 8 && std::all_of(segs[j].stem.begin(), segs[j].stem.end(),
                                                                [](char c) { return hex_value(c) >= 0; }));
    }
    const bool id_after = later_tokens > 0 || later_numbers > 0 || q.id;
    if (s.ext.empty() && is_redirect_word(s.stem) && id_after) return true;
    if (!s.ext.empty() && is_script_extension(s.ext) && is_redirect_script(s.stem) && (q.id || later_tokens > 0)) {
      return true;
    }
    // One-letter click prefixes: /c/<ids> (CleverReach, custom mailers), /l/<token>, /r/…, /t/…, followed by a
    // long token or two ids (a short form or channel code after /r/ or /c/ is a page's name), and no word: a word
    // after the prefix makes it an application's route (Stripe's /c/pay/<session>, Slack's /t/<team>/shared_invite/…).
    const bool word_after = std::any_of(segs.begin() + static_cast<long>(i) + 1, segs.end(),
                                        [](const Segment& x) { return x.piece == Piece::kWord; });
    if (s.ext.empty() && !word_after && (s.stem == "c" || s.stem == "l" || s.stem == "r" || s.stem == "t")) {
      const bool long_token = std::any_of(segs.begin() + static_cast<long>(i) + 1, segs.end(), [](const Segment& x) {
        return (x.piece == Piece::kToken || x.piece == Piece::kOpaque) && x.stem.size() >= 16;
      });
      if (long_token || later_numbers >= 2) return true;
    }
    // /track/<payload>: a long token (a music track's 22-character id is not one), or /track/click.
    if (s.ext.empty() && (s.stem == "track" || s.stem == "tracking" || s.stem == "trk") && i + 1 < segs.size() &&
        ((segs[i + 1].piece == Piece::kToken && segs[i + 1].lower.size() >= 32) || segs[i + 1].stem == "click" ||
         segs[i + 1].stem == "c")) {
      return true;
    }
  }
  return false;
}

/// A path of per-recipient tokens and ids only: a long token (30+ characters), two tokens, or an id chain of
/// four numbers. A single shorter id is how share and short links name content (a form, a map, a chat
/// invitation: "share.hsforms.com/1Oxvmrkc…", "maps.app.goo.gl/…"), the same for every reader.
bool has_opaque_path(const std::vector<Segment>& segs) {
  size_t tokens = 0;
  size_t numbers = 0;
  size_t longest = 0;
  for (const auto& s : segs) {
    if (s.piece == Piece::kWord) return false;
    if (s.piece == Piece::kToken || s.piece == Piece::kOpaque) {
      ++tokens;
      longest = std::max(longest, s.stem.size());
    }
    numbers += s.piece == Piece::kNumber;
  }
  return longest >= 30 || tokens >= 2 || numbers >= 4;
}

/// A bare endpoint: the root, a script whose directories hold no word (/index.php, /yjxff.php), or a path of
/// tokens and codes with no word in it. A word makes it a page of a site, whatever id it carries
/// (/track/<id>?si=<share id>, /scl/fi/<id>/report.pdf?rlkey=<key>).
bool is_bare_endpoint(const std::vector<Segment>& segs) {
  if (segs.empty()) return true;
  const bool script = is_script_extension(segs.back().ext);
  const auto dirs_end = script ? segs.end() - 1 : segs.end();
  if (std::any_of(segs.begin(), dirs_end, [](const Segment& s) { return s.piece == Piece::kWord; })) return false;
  return script || std::any_of(segs.begin(), segs.end(),
                               [](const Segment& s) { return s.piece == Piece::kToken || s.piece == Piece::kOpaque; });
}

/// A fragment carrying a per-recipient token or an id chain, on a page that forwards it by script: a static page
/// ("…/topmarktingplace.html#4gCZGf27822…" on cloud storage) or a short link ("/OafvOF#cl/816_md/…"). Anchors
/// ("#forwarding", "#image-0") are words; an application's route ("#/invite/…") or a file's key
/// ("/file/<id>#<key>") is not on such a page.
bool has_fragment_token(const Url& url) {
  if (!url.has_fragment || url.fragment.size() < 12 || url.fragment.front() == '/' || url.fragment.front() == '!') {
    return false;
  }
  const std::vector<Segment> segs = path_segments(url);
  const bool page = !segs.empty() && (segs.back().ext == "html" || segs.back().ext == "htm" ||
                                      segs.back().ext == "shtml" || is_script_extension(segs.back().ext));
  const bool short_link = segs.size() == 1 && segs.back().ext.empty() && segs.back().lower.size() <= 12;
  if (!page && !short_link) return false;
  size_t numbers = 0;
  bool token = false;
  for_each_part(percent_decode(url.fragment), "/&=;?", [&](std::string_view part) {
    token = token || is_recipient_token(part);
    numbers += part.size() >= 1 && all_of(part, is_digit);
  });
  return token || numbers >= 3;
}

/// The registrable domain the link's text names ("www.shop.example", "https://shop.example/x", "shop.example"),
/// or "" when it names none.
std::string domain_named_by(std::string_view text) {
  std::string found;
  for_each_part(text, " \t\r\n<>()[]\"',;|", [&](std::string_view word) {
    if (!found.empty() || word.size() < 4) return;
    std::string w = ascii_lower(word);
    for (std::string_view scheme : {"https://", "http://"}) {
      if (w.starts_with(scheme)) w.erase(0, scheme.size());
    }
    w = w.substr(0, w.find_first_of("/?#:"));
    while (!w.empty() && (w.back() == '.' || w.back() == '!')) w.pop_back();
    const size_t dot = w.rfind('.');
    if (dot == std::string::npos || !is_valid_hostname(w)) return;
    std::string_view tld = std::string_view(w).substr(dot + 1);
    if (tld.size() < 2 || tld.size() > 12 || !all_of(tld, is_lower)) return;
    found = registrable_domain(w);
  });
  return found;
}

}  // namespace

const char* generic_click_tracker(const Url& url, std::string_view text, std::string_view sender_domain) {
  if (has_fragment_token(url)) return "fragment-token";
  if (is_mailing_page(url, text)) return nullptr;
  const std::vector<Segment> segs = path_segments(url);
  const QueryFacts q = query_facts(url);
  if (has_redirect_path(segs, q)) return "redirect-path";
  if (has_opaque_path(segs)) return "opaque-path";
  const std::string host_domain = registrable_domain(url.host);
  const std::string named = domain_named_by(text);
  const bool third_party = (sender_domain.empty() || host_domain != sender_domain) && named != host_domain;
  if (third_party && q.token && is_bare_endpoint(segs)) return "query-token";
  return nullptr;
}

namespace {

/// Wraps a clean destination back into Outlook Safe Links so the webmail's phishing check still applies.
std::string rewrap_safelinks(const Url& original, const Url& clean) {
  Url out = original;
  auto pairs = split_query(original.query);
  for (auto& [k, v] : pairs) {
    if (percent_decode(k) == "url") v = percent_encode(clean.str());
  }
  out.query = join_query(pairs);
  return out.str();
}

/// Where a redirect really leads: its destination, and that destination's own, as long as each is a known click
/// tracker or a webmail wrapper. nullopt when some layer's destination is not in its URL (*opaque_inner is set
/// when that layer is an inner tracker, not the link itself).
std::optional<Url> final_destination(const Url& url, const std::vector<std::string>& params, const LinkMatch& match,
                                     bool* opaque_inner) {
  std::string how;
  std::optional<Url> d = redirect_destination(url, params, &how);
  for (int depth = 0; d && depth < kMaxNestedRedirects; ++depth) {
    std::vector<Wrapper> via;
    Url inner = unwrap_webmail(std::move(*d), &via);
    if (link_protection_service(inner)) return inner;
    SignatureMatch m = match(inner);
    if (!m || is_mailing_page(inner, {})) return inner;
    std::optional<Url> next = redirect_destination(inner, m.tracker->redirect_params, &how);
    if (!next) {
      *opaque_inner = true;
      return std::nullopt;
    }
    d = std::move(next);
  }
  return d;
}

}  // namespace

void judge_link(const LinkFacts& f, const SignatureMatch& sig_in, const LinkMatch& match, ElementResult* r) {
  const Url& url = f.url;
  SignatureMatch sig = sig_in;
  if (link_protection_service(url) && !sig) {
    // The reader's organisation scans this link on click; removing the wrapper would remove the check.
    add_reason(&r->reasons, Signal::kLinkProtection);
    if (f.leaked) add_reason(&r->reasons, Signal::kAddressLeak);
    return;
  }
  // An unsubscribe, preference or web-view page on an ESP's host is a page the ESP serves, not a redirect.
  if (sig && is_mailing_page(url, {})) sig = {};

  std::optional<Url> destination;
  bool opaque_inner = false;
  const std::vector<std::string> no_params;
  if (sig) {
    add_reason(&r->reasons, Signal::kSignature);
    add_reason(&r->reasons, Signal::kClickTracker);
    r->tracked = true;
    r->tracker = info_of(*sig.tracker, url);
    r->third_party = is_third_party(f.sender_domain, url, sig);
    destination = final_destination(url, sig.tracker->redirect_params, match, &opaque_inner);
    if (!destination && !opaque_inner) {
      // A direct link that only carries the tracker's parameter (Marketo's mkt_tok, Eloqua's elq, ActionKit's
      // akid…): its destination is itself without the tracking parameters.
      if (has_tracking_params(url)) {
        Url bare = url;
        if (!strip_tracking_params(&bare).empty() && !match(bare)) destination = std::move(bare);
      }
    }
  } else if (generic_click_tracker(url, f.text, f.sender_domain)) {
    add_reason(&r->reasons, Signal::kRedirectTracker);
    r->tracked = true;
    r->tracker = heuristic_info(url);
    r->third_party = is_third_party(f.sender_domain, url);
    destination = final_destination(url, no_params, match, &opaque_inner);
  } else if (auto d = final_destination(url, no_params, match, &opaque_inner); d || opaque_inner) {
    // A readable destination: a redirect when the link carries more than it, an id or the reader's address.
    const QueryFacts q = query_facts(url);
    const std::vector<Segment> segs = path_segments(url);
    const bool id = q.id || std::any_of(segs.begin(), segs.end(), [](const Segment& s) {
                      return s.piece == Piece::kToken || s.piece == Piece::kNumber;
                    });
    if ((id || f.leaked) && !is_mailing_page(url, f.text)) {
      add_reason(&r->reasons, Signal::kRedirectTracker);
      r->tracked = true;
      r->tracker = heuristic_info(url);
      r->third_party = is_third_party(f.sender_domain, url);
      destination = std::move(d);
    } else {
      opaque_inner = false;
    }
  }
  if (!r->tracked) {
    // Click shims the webmail unwrapping went through (Google's /url?q=): the shim itself logs the click.
    for (size_t i = 0; i < f.via.size() && i < f.layers.size(); ++i) {
      if (f.via[i] != Wrapper::kGoogleRedirect) continue;
      if (SignatureMatch shim = match(f.layers[i])) {
        add_reason(&r->reasons, Signal::kSignature);
        add_reason(&r->reasons, Signal::kClickTracker);
        r->tracked = true;
        r->tracker = info_of(*shim.tracker, f.layers[i]);
        r->third_party = is_third_party(f.sender_domain, f.layers[i], shim);
        destination = url;
        break;
      }
    }
  }
  if (f.leaked) add_reason(&r->reasons, Signal::kAddressLeak);
  if (r->tracked && !destination) add_reason(&r->reasons, Signal::kDestinationUnknown);

  // The clean URL: the destination, or else the link, unwrapped and without its tracking parameters. The link
  // is copied only when one of those changes it.
  std::vector<Wrapper> inner_via;
  std::optional<Url> clean;
  if (destination) {
    clean = unwrap_webmail(std::move(*destination), &inner_via);
  } else if (is_webmail_wrapper(url) || has_tracking_params(url)) {
    clean = unwrap_webmail(url, &inner_via);
  }
  const bool stripped = clean && !strip_tracking_params(&*clean).empty();
  if (stripped) add_reason(&r->reasons, Signal::kTrackingParams);
  // A tracked link whose destination is unknown stays as it is (allow + tracked): the extension asks before
  // the click. Rewriting it to the tracker minus utm_* would pass for a cleaned link.
  if (destination || (stripped && !r->tracked)) {
    r->verdict = Verdict::kRewrite;
    r->rewrite_url = std::find(f.via.begin(), f.via.end(), Wrapper::kOutlookSafelinks) != f.via.end()
                         ? rewrap_safelinks(*parse_url(r->url), *clean)
                         : clean->str();
  }
}

void prepare_link_judge() {
  mailing_page_in_url_words({});
  mailing_page_in_text({});
}

}  // namespace mailveil
