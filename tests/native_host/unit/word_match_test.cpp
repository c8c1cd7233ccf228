#include "word_match.h"

#include <re2/re2.h>

#include <catch2/catch.hpp>
#include <random>

using namespace mailveil;

namespace {

// The regexes the matchers replaced (image_judge.cpp and link_judge.cpp before word_match.cpp), kept as the oracle.
const RE2& tracking_path_re() {
  static const RE2 re(
      "(?i)(?:"
      "^/(?:o|oo|op|e/o|wf/open|q|ss/o|mo)(?:/|$)"
      "|(?:^|/)(?:open|opened|opens|opentrack|openrate|emailopen|email-open|pixel|pixels|px|pxl|beacon|beacons|"
      "imp|impression|impressions|track|tracking|tracker|trk|emimp|read|footer\\.gif)"
      "(?:/|\\.(?:gif|png|jpe?g|php|aspx?|cgi|ashx)|$)"
      "|/[a-z]\\.gif$"
      ")");
  return re;
}

const RE2& open_endpoint_re() {
  static const RE2 re(
      "(?i)(?:"
      "^/(?:o|oo|op|e/o|wf/open|q|ss/o|mo)(?:/|$)"
      "|(?:^|/)(?:open|opened|opens|opentrack|openrate|emailopen|email-open|email_open|pixel|pixels|beacon|beacons|"
      "imp|impression|impressions|emimp)"
      "(?:/|\\.(?:gif|png|jpe?g|php|aspx?|cgi|ashx|jsp)|$)"
      ")");
  return re;
}

const RE2& mailing_page_url_re() {
  static const RE2 re(
      "(?i)unsub|opt[-_]?out|preference|profile_center|subscription_center|manage[-_]subscription|web[-_]?version|"
      "web[-_]?view|webmail|view[-_]?online|view[-_]?in[-_]?browser|view[-_]?e-?mail|e-?mail[-_]?view|"
      "browser_preview|vcard|forwardtomyfriend|"
      "forward-to-a-friend|email-stop|abmelden|austragen|abbestellen|d(?:e|\xc3\xa9|%c3%a9)sinscri|"
      "d(?:e|\xc3\xa9|%c3%a9)sabonn|descadastr|afmeld|uitschrijv|disiscri");
  return re;
}

const RE2& mailing_page_text_re() {
  static const RE2 re(
      "(?i)unsub|opt[- ]?out|preference|pr\xc3\xa9"
      "f\xc3\xa9rence|prefer\xc3\xaancia|web[- ]?version|"
      "online version|view (?:it |this |the )?(?:e-?mail |message )?(?:in|online|as a web ?page|as web ?page)|"
      "view (?:this |the )?e-?mail|in (?:your |ihrem )?browser|im browser|dans votre navigateur|address book|"
      "stop receiving|no longer (?:wish|want|receive)|remove me|manage (?:your )?subscription|update your profile|"
      "e-?mail settings|notification settings|abmelden|abbestellen|austragen|d(?:e|\xc3\xa9)sinscri|"
      "d(?:e|\xc3\xa9)sabonn|darse de baja|dar de baja|cancelar (?:inscri|suscrip)|descadastr|afmelden|"
      "uitschrijven|disiscriv");
  return re;
}

size_t oracle_open_end(std::string_view path) {
  re2::StringPiece m;
  if (!open_endpoint_re().Match(path, 0, path.size(), RE2::UNANCHORED, &m, 1)) return std::string_view::npos;
  return static_cast<size_t>(m.data() - path.data()) + m.size();
}

/// Random text made of pieces that come close to the words (a prefix, a suffix, a neighbour), in random case.
std::string random_text(std::mt19937& rng, const std::vector<std::string>& pieces, int max_pieces) {
  std::string out;
  const int n = 1 + static_cast<int>(rng() % static_cast<unsigned>(max_pieces));
  for (int i = 0; i < n; ++i) {
    std::string p = pieces[rng() % pieces.size()];
    // Cut a piece short now and then: "unsu", "preferenc", "e-mai".
    if (p.size() > 1 && rng() % 6 == 0) p.resize(1 + rng() % (p.size() - 1));
    for (char& c : p) {
      if (c >= 'a' && c <= 'z' && rng() % 4 == 0) c = static_cast<char>(c - 'a' + 'A');
    }
    out += p;
  }
  return out;
}

}  // namespace

TEST_CASE("expand_braces expands each group in turn, empty choices included") {
  CHECK(expand_braces("abc") == std::vector<std::string>{"abc"});
  CHECK(expand_braces("opt{-|_|}out") == std::vector<std::string>{"opt-out", "opt_out", "optout"});
  CHECK(expand_braces("{a|b}{c|d}") == std::vector<std::string>{"ac", "ad", "bc", "bd"});
  CHECK(expand_braces("x{}y") == std::vector<std::string>{"xy"});
}

TEST_CASE("path words: real open and tracking endpoints, and content paths that are not") {
  // Shapes from real mail: ESP open endpoints, single-letter gifs, words as file stems.
  for (std::string_view p :
       {"/o/eJyNkE1uwzAIhU9TL6P4J05m4UW1Ub", "/e/o/eyJlbWFpbF9pZCI6", "/wf/open", "/track/open.php", "/imp",
        "/pixel.gif", "/api/v1/Beacon.aspx", "/t.gif", "/mail/read/123", "/footer.gif", "/q/Z2l0aHVi"}) {
    INFO(p);
    CHECK(has_tracking_path_word(p));
  }
  for (std::string_view p : {"/o/abc", "/track/open.php", "/imp", "/Pixel.GIF", "/e/o/x", "/ss/o/abc"}) {
    INFO(p);
    CHECK(open_endpoint_end(p) != std::string_view::npos);
  }
  // Weak words are not strong; content paths are neither.
  CHECK(open_endpoint_end("/track/click") == std::string_view::npos);
  CHECK(open_endpoint_end("/t.gif") == std::string_view::npos);
  for (std::string_view p : {"/images/opening-hours.png", "/openair/banner.jpg", "/blog/pixelart-header.png",
                             "/reader/logo.png", "/oo", "/ab.gif", "/static/tracks/cover.jpg", ""}) {
    INFO(p);
    CHECK(open_endpoint_end(p) == (p == "/oo" ? 3 : std::string_view::npos));
    CHECK(has_tracking_path_word(p) == (p == "/oo"));
  }
  // Where the leftmost shape ends: after its slash, after the extension, at the end.
  CHECK(open_endpoint_end("/o/open.gif") == 3);
  CHECK(open_endpoint_end("/a/opened.jpeg/x") == 14);
  CHECK(open_endpoint_end("/a/open.jpgx") == 11);
  CHECK(open_endpoint_end("/a/pixel") == 8);
}

TEST_CASE("path words give what the regexes they replace gave, on generated paths") {
  const std::vector<std::string> pieces = {
      "/",          "/",          "/",       ".",      "o",      "oo",    "op",        "e/o",      "wf/open",
      "q",          "ss/o",       "mo",      "open",   "opened", "opens", "opentrack", "openrate", "emailopen",
      "email-open", "email_open", "pixel",   "pixels", "px",     "pxl",   "beacon",    "imp",      "impression",
      "track",      "tracking",   "tracker", "trk",    "emimp",  "read",  "footer",    "gif",      "png",
      "jpg",        "jpeg",       "jpe",     "php",    "asp",    "aspx",  "cgi",       "ashx",     "jsp",
      "t",          "x",          "a",       "-",      "_",      "1",     "%2F",       "~"};
  std::mt19937 rng(20261201);
  size_t tracking = 0, strong = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string path = (rng() % 8 ? "/" : "") + random_text(rng, pieces, 7);
    const bool want_tracking = RE2::PartialMatch(path, tracking_path_re());
    const size_t want_end = oracle_open_end(path);
    if (has_tracking_path_word(path) != want_tracking || open_endpoint_end(path) != want_end) {
      INFO(path);
      CHECK(has_tracking_path_word(path) == want_tracking);
      CHECK(open_endpoint_end(path) == want_end);
    }
    tracking += want_tracking;
    strong += want_end != std::string_view::npos;
  }
  // The generator reaches both outcomes often.
  CHECK(tracking > 20000);
  CHECK(tracking < 180000);
  CHECK(strong > 10000);
}

TEST_CASE("mailing-page words give what the regexes they replace gave, on generated text") {
  const std::vector<std::string> url_pieces = {"unsub",
                                               "opt",
                                               "out",
                                               "-",
                                               "_",
                                               "preference",
                                               "profile_center",
                                               "subscription_center",
                                               "manage",
                                               "subscription",
                                               "web",
                                               "version",
                                               "view",
                                               "webmail",
                                               "online",
                                               "in",
                                               "browser",
                                               "e",
                                               "mail",
                                               "email",
                                               "browser_preview",
                                               "vcard",
                                               "forwardtomyfriend",
                                               "forward-to-a-friend",
                                               "email-stop",
                                               "abmelden",
                                               "austragen",
                                               "abbestellen",
                                               "d",
                                               "\xc3\xa9",
                                               "\xc3\x89",
                                               "%c3%a9",
                                               "%C3%A9",
                                               "sinscri",
                                               "sabonn",
                                               "descadastr",
                                               "afmeld",
                                               "uitschrijv",
                                               "disiscri",
                                               "/",
                                               "&",
                                               "=",
                                               "x",
                                               "1"};
  const std::vector<std::string> text_pieces = {"unsub",
                                                "opt",
                                                "out",
                                                " ",
                                                "-",
                                                "preference",
                                                "pr\xc3\xa9"
                                                "f\xc3\xa9rence",
                                                "PR\xc3\x89"
                                                "F\xc3\x89RENCE",
                                                "prefer\xc3\xaancia",
                                                "PREFER\xc3\x8aNCIA",
                                                "web",
                                                "version",
                                                "online version",
                                                "view ",
                                                "it ",
                                                "this ",
                                                "the ",
                                                "e-mail ",
                                                "email ",
                                                "message ",
                                                "in",
                                                "online",
                                                "as a web page",
                                                "as web page",
                                                "as a webpage",
                                                "page",
                                                "e",
                                                "mail",
                                                "in ",
                                                "your ",
                                                "ihrem ",
                                                "browser",
                                                "im browser",
                                                "dans votre navigateur",
                                                "address book",
                                                "stop receiving",
                                                "no longer ",
                                                "wish",
                                                "want",
                                                "receive",
                                                "remove me",
                                                "manage ",
                                                "subscription",
                                                "update your profile",
                                                "settings",
                                                "notification settings",
                                                "abmelden",
                                                "abbestellen",
                                                "austragen",
                                                "d",
                                                "\xc3\xa9",
                                                "\xc3\x89",
                                                "sinscri",
                                                "sabonn",
                                                "darse de baja",
                                                "dar de baja",
                                                "cancelar ",
                                                "inscri",
                                                "suscrip",
                                                "descadastr",
                                                "afmelden",
                                                "uitschrijven",
                                                "disiscriv",
                                                "x",
                                                ".",
                                                "\xe2\x80\x99"};
  std::mt19937 rng(1201);
  size_t url_hits = 0, text_hits = 0;
  for (int i = 0; i < 100000; ++i) {
    const std::string words = random_text(rng, url_pieces, 6);
    const bool want_url = RE2::PartialMatch(words, mailing_page_url_re());
    if (mailing_page_in_url_words(words) != want_url) {
      INFO(words);
      CHECK(mailing_page_in_url_words(words) == want_url);
    }
    const std::string text = random_text(rng, text_pieces, 6);
    const bool want_text = RE2::PartialMatch(text, mailing_page_text_re());
    if (mailing_page_in_text(text) != want_text) {
      INFO(text);
      CHECK(mailing_page_in_text(text) == want_text);
    }
    url_hits += want_url;
    text_hits += want_text;
  }
  CHECK(url_hits > 10000);
  CHECK(url_hits < 90000);
  CHECK(text_hits > 10000);
  CHECK(text_hits < 90000);
  // Both cases of the accented letters, as RE2's (?i) folds them.
  CHECK(mailing_page_in_text("Se D\xc3\x89SINSCRIRE"));
  CHECK(
      mailing_page_in_text("Pr\xc3\x89"
                           "f\xc3\xa9rences"));
  CHECK(mailing_page_in_url_words("/d%C3%A9sabonnement"));
  CHECK_FALSE(mailing_page_in_text("Read the full story"));
  CHECK_FALSE(mailing_page_in_url_words("/images/header&w=600"));
}
