#include "word_match.h"

#include <algorithm>
#include <span>
#include <stdexcept>

#include "text_util.h"

namespace mailveil {

std::vector<std::string> expand_braces(std::string_view pattern) {
  std::vector<std::string> out{std::string()};
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] != '{') {
      const size_t next = std::min(pattern.find('{', i), pattern.size());
      for (auto& s : out) s.append(pattern.substr(i, next - i));
      i = next;
      continue;
    }
    const size_t close = pattern.find('}', i);
    const std::string_view body = pattern.substr(i + 1, close == std::string_view::npos ? close : close - i - 1);
    std::vector<std::string> grown;
    for (const auto& s : out) {
      for (size_t start = 0;;) {
        const size_t bar = std::min(body.find('|', start), body.size());
        grown.push_back(s + std::string(body.substr(start, bar - start)));
        if (bar == body.size()) break;
        start = bar + 1;
      }
    }
    out = std::move(grown);
    i = close == std::string_view::npos ? pattern.size() : close + 1;
  }
  return out;
}

PhraseSet::PhraseSet(std::initializer_list<std::string_view> patterns) {
  for (std::string_view p : patterns) {
    const size_t brace = std::min(p.find('{'), p.size());
    if (brace == 0) throw std::logic_error("PhraseSet: a pattern starts with a literal");
    leads_.add(p.substr(0, brace), static_cast<uint32_t>(rests_.size()));
    rests_.push_back(expand_braces(p.substr(brace)));
  }
  leads_.build();
}

bool PhraseSet::found_in(std::string_view text) const {
  bool found = false;
  leads_.for_each_match(text, [&](uint32_t tag, size_t, size_t end) {
    const std::string_view after = text.substr(end);
    found = found || std::any_of(rests_[tag].begin(), rests_[tag].end(),
                                 [&](const std::string& rest) { return istarts_with(after, rest); });
  });
  return found;
}

namespace {

/// What one of the two path regexes looked for, in the order its alternatives were tried.
struct PathShapes {
  std::span<const std::string_view> words;
  std::span<const std::string_view> extensions;  ///< after the word and a dot; a prefix of what follows
  bool one_letter_gif = false;                   ///< `/x.gif` at the end of the path
};

/// Endpoints at the root of a tracking host, followed by `/` or the end of the path.
constexpr std::string_view kRootEndpoints[] = {"o", "oo", "op", "e/o", "wf/open", "q", "ss/o", "mo"};

constexpr std::string_view kTrackingWords[] = {
    "open",   "opened",   "opens",   "opentrack", "openrate", "emailopen", "email-open", "pixel",
    "pixels", "px",       "pxl",     "beacon",    "beacons",  "imp",       "impression", "impressions",
    "track",  "tracking", "tracker", "trk",       "emimp",    "read",      "footer.gif"};
constexpr std::string_view kTrackingExtensions[] = {"gif", "png", "jpeg", "jpg", "php", "aspx", "asp", "cgi", "ashx"};

constexpr std::string_view kOpenWords[] = {
    "open",  "opened", "opens",  "opentrack", "openrate", "emailopen",  "email-open",  "email_open",
    "pixel", "pixels", "beacon", "beacons",   "imp",      "impression", "impressions", "emimp"};
constexpr std::string_view kOpenExtensions[] = {"gif",  "png", "jpeg", "jpg",  "php",
                                                "aspx", "asp", "cgi",  "ashx", "jsp"};

constexpr bool lower_case_words(std::span<const std::string_view> words) {
  for (std::string_view w : words) {
    if (w.empty()) return false;
    for (char c : w) {
      if (c >= 'A' && c <= 'Z') return false;
    }
  }
  return true;
}
static_assert(lower_case_words(kRootEndpoints) && lower_case_words(kTrackingWords) &&
              lower_case_words(kTrackingExtensions) && lower_case_words(kOpenWords) &&
              lower_case_words(kOpenExtensions));

/// The words and endpoints above are in lower case and not empty: a first byte that differs rules one out before
/// the rest is compared (most slashes of a path start none of them).
bool word_at(std::string_view path, size_t at, std::string_view word) {
  return at < path.size() && ascii_lower_char(path[at]) == word.front() && istarts_with(path.substr(at), word);
}

/// Where a word at `at` ends its shape: after a `/`, after a dot and an extension, or at the end of the path.
size_t after_word(std::string_view path, size_t end, std::span<const std::string_view> extensions) {
  if (end < path.size() && path[end] == '/') return end + 1;
  if (end < path.size() && path[end] == '.') {
    for (std::string_view ext : extensions) {
      if (word_at(path, end + 1, ext)) return end + 1 + ext.size();
    }
  }
  return end == path.size() ? end : std::string_view::npos;
}

/// The end of the shape that starts at `start`, trying the alternatives in the order the regex did (so the end is
/// the one RE2's leftmost-first search reported), or npos.
size_t shape_at(std::string_view path, size_t start, const PathShapes& shapes) {
  if (start == 0 && !path.empty() && path[0] == '/') {
    for (std::string_view root : kRootEndpoints) {
      if (!word_at(path, 1, root)) continue;
      if (const size_t end = after_word(path, 1 + root.size(), {}); end != std::string_view::npos) return end;
    }
  }
  // A word at the start of the path, or after a slash.
  for (int lead = 0; lead < 2; ++lead) {
    if (lead == 0 && start != 0) continue;
    if (lead == 1 && (start >= path.size() || path[start] != '/')) continue;
    const size_t at = start + static_cast<size_t>(lead);
    for (std::string_view word : shapes.words) {
      if (!word_at(path, at, word)) continue;
      if (const size_t end = after_word(path, at + word.size(), shapes.extensions); end != std::string_view::npos) {
        return end;
      }
    }
  }
  if (shapes.one_letter_gif && path.size() - start == 6 && path[start] == '/' &&
      ascii_lower_char(path[start + 1]) >= 'a' && ascii_lower_char(path[start + 1]) <= 'z' &&
      iequals(path.substr(start + 2), ".gif")) {
    return path.size();
  }
  return std::string_view::npos;
}

size_t leftmost_shape(std::string_view path, const PathShapes& shapes) {
  for (size_t start = 0; start < path.size(); ++start) {
    // Every shape starts at the start of the path or at a slash.
    if (start != 0 && path[start] != '/') continue;
    if (const size_t end = shape_at(path, start, shapes); end != std::string_view::npos) return end;
  }
  return std::string_view::npos;
}

/// Words of unsubscribe, preference, web-view and address-book pages in a URL's path or query, in the languages
/// of our mail, in either case ("é" also as %C3%A9).
const PhraseSet& mailing_page_url_words() {
  static const PhraseSet words{"unsub",
                               "opt{-|_|}out",
                               "preference",
                               "profile_center",
                               "subscription_center",
                               "manage{-|_}subscription",
                               "web{-|_|}version",
                               "web{-|_|}view",
                               "webmail",
                               "view{-|_|}online",
                               "view{-|_|}in{-|_|}browser",
                               "view{-|_|}e{-|}mail",
                               "e{-|}mail{-|_|}view",
                               "browser_preview",
                               "vcard",
                               "forwardtomyfriend",
                               "forward-to-a-friend",
                               "email-stop",
                               "abmelden",
                               "austragen",
                               "abbestellen",
                               "d{e|\xc3\xa9|\xc3\x89|%c3%a9}sinscri",
                               "d{e|\xc3\xa9|\xc3\x89|%c3%a9}sabonn",
                               "descadastr",
                               "afmeld",
                               "uitschrijv",
                               "disiscri"};
  return words;
}

/// The same pages by the link's text: "View in browser", "Update your preferences", "Se désabonner"…
const PhraseSet& mailing_page_text_words() {
  static const PhraseSet words{
      "unsub",
      "opt{-| |}out",
      "preference",
      "pr{\xc3\xa9|\xc3\x89}f{\xc3\xa9|\xc3\x89}rence",
      "prefer{\xc3\xaa|\xc3\x8a}ncia",
      "web{-| |}version",
      "online version",
      "view {it |this |the |}{e-mail |email |message |}{in|online|as a web page|as a webpage|as web page|as webpage}",
      "view {this |the |}e{-|}mail",
      "in {your |ihrem |}browser",
      "im browser",
      "dans votre navigateur",
      "address book",
      "stop receiving",
      "no longer {wish|want|receive}",
      "remove me",
      "manage {your |}subscription",
      "update your profile",
      "e{-|}mail settings",
      "notification settings",
      "abmelden",
      "abbestellen",
      "austragen",
      "d{e|\xc3\xa9|\xc3\x89}sinscri",
      "d{e|\xc3\xa9|\xc3\x89}sabonn",
      "darse de baja",
      "dar de baja",
      "cancelar {inscri|suscrip}",
      "descadastr",
      "afmelden",
      "uitschrijven",
      "disiscriv"};
  return words;
}

}  // namespace

bool mailing_page_in_url_words(std::string_view words) {
  return mailing_page_url_words().found_in(words);
}

bool mailing_page_in_text(std::string_view text) {
  return mailing_page_text_words().found_in(text);
}

bool has_tracking_path_word(std::string_view path) {
  static constexpr PathShapes kShapes{kTrackingWords, kTrackingExtensions, true};
  return leftmost_shape(path, kShapes) != std::string_view::npos;
}

size_t open_endpoint_end(std::string_view path) {
  static constexpr PathShapes kShapes{kOpenWords, kOpenExtensions, false};
  return leftmost_shape(path, kShapes);
}

}  // namespace mailveil
