// Plain ABP patterns (native_host/src/plain_pattern.h): the matcher without RE2 must give exactly RE2's answer on
// the pattern's RE2 spelling, and a complete token must be one of the URL's tokens whenever the pattern matches.
#include "plain_pattern.h"

#include <re2/re2.h>

#include <bit>
#include <catch2/catch.hpp>
#include <random>
#include <set>

#include "abp_import.h"
#include "test_support.h"

using namespace mailveil;

namespace {

bool re2_matches(const std::string& re2_pattern, const std::string& url) {
  RE2 re(re2_pattern, test::matcher_re2_options());
  REQUIRE(re.ok());
  return RE2::PartialMatch(url, re);
}

std::string lower(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

bool plain_matches(const PlainPattern& p, const std::string& url) {
  return plain_match(plain_flags(p), p.body, url, lower(url));
}

std::set<std::string> url_tokens(const std::string& url) {
  std::set<std::string> out;
  for (size_t i = 0; i < url.size();) {
    if (!is_token_char(static_cast<unsigned char>(url[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < url.size() && is_token_char(static_cast<unsigned char>(url[j]))) ++j;
    out.insert(lower(url.substr(i, j - i)));
    i = j;
  }
  return out;
}

/// Random draws of the generated tests.
struct Dice {
  std::mt19937 rng;
  char pick(const std::string& from) { return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)]; }
  bool chance(int percent) { return between(0, 99) < percent; }
  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
};

/// How random_abp draws a pattern: percent chances of a host anchor, else of a start anchor; the length range;
/// the chance of a '*' at each place (else of a '^' at 12%, else a character of the alphabet); of an end anchor.
struct AbpShape {
  int host_anchor, start_anchor, min_length, max_length, star, end_anchor;
};

std::string random_abp(Dice& dice, const std::string& alphabet, const AbpShape& shape) {
  std::string abp;
  if (dice.chance(shape.host_anchor))
    abp += "||";
  else if (dice.chance(shape.start_anchor))
    abp += "|";
  const int length = dice.between(shape.min_length, shape.max_length);
  for (int k = 0; k < length; ++k) {
    if (dice.chance(shape.star))
      abp += '*';
    else if (dice.chance(12))
      abp += '^';
    else
      abp += dice.pick(alphabet);
  }
  if (dice.chance(shape.end_anchor)) abp += '|';
  return abp;
}

/// True when the URL holds every byte plain_required_bits says a match needs.
bool has_required_bytes(const PlainPattern& p, const std::string& url) {
  return (plain_required_bits(p.body) & ~byte_bits(url)) == 0;
}

}  // namespace

TEST_CASE("ABP patterns convert to the RE2 spelling abp_import has always written, and read back", "[plain]") {
  struct Case {
    const char* abp;
    bool match_case;
    const char* re2;
  };
  for (const Case& c : {
           Case{"||ads.example.com^", false,
                "(?i)^[a-z][a-z0-9+.-]*://(?:[^/?#]*\\.)?ads\\.example\\.com(?:[^A-Za-z0-9_.%-]|$)"},
           Case{"|https://t.example/p?", true, "^https\\:\\/\\/t\\.example\\/p\\?"},
           Case{"*/pixel.gif*", false, "(?i)\\/pixel\\.gif"},
           Case{"/track/*/open|", false, "(?i)\\/track\\/.*\\/open$"},
           Case{"a**b", false, "(?i)a.*b"},
           Case{"|*x", false, "(?i)^.*x"},
       }) {
    INFO(c.abp);
    PlainPattern p = plain_from_abp(c.abp, c.match_case);
    const std::string re = plain_pattern_to_re2(p);
    CHECK(re == c.re2);
    CHECK(abp_pattern_to_re2(c.abp, c.match_case) == re);
    auto back = parse_plain_pattern(re);
    REQUIRE(back);
    CHECK(*back == p);
  }
}

TEST_CASE("true regexes and non-ASCII literals are not plain", "[plain]") {
  for (const char* re : {
           "^https?://[^/?#]+/ls/click\\?upn=",  // classes, optional s
           "(?i)\\/pixel\\.gif+",                // quantifier
           "(?i)a|b",                            // alternation
           "(?i)caf\xc3\xa9",                    // UTF-8 bytes
           "(?i)\\/a\\*b",                       // a literal '*'
           "(?i)\\x00",                          // NUL
       }) {
    INFO(re);
    CHECK_FALSE(parse_plain_pattern(re));
  }
}

TEST_CASE("plain matching agrees with RE2 on the edges of the grammar", "[plain]") {
  struct Case {
    const char* abp;
    const char* url;
  };
  // Each pair is checked against RE2 (the expectation is RE2's answer, not written by hand).
  for (const Case& c : {
           Case{"||example.com^", "https://example.com"},  // separator at the end of the URL
           Case{"||example.com^", "https://example.com:8443/x"},
           Case{"||example.com^", "https://example.community/"},
           Case{"||example.com^", "https://sub.example.com/"},
           Case{"||example.com^", "https://badexample.com/"},
           Case{"||example.com/x", "https://user@example.com/x"},
           Case{"||example.com/x", "https://a.b@example.com/x"},
           Case{"||example.com/x", "https://a.example.com@evil.org/x"},
           Case{"||com*pixel", "https://a.example.com@evil.org/pixel"},
           Case{"||example.com^*/p^", "https://example.com/a/b/p"},
           Case{"||example.com^*/p^", "https://example.com/a/b/px"},
           Case{"|https://a.example/", "https://a.example/x"},
           Case{"|https://a.example/", "http://a.example/x"},
           Case{"/open^", "https://x.example/open"},
           Case{"/open^", "https://x.example/open.gif"},
           Case{"/open^", "https://x.example/open?x"},
           Case{"/open^^", "https://x.example/open"},
           Case{"/open^|", "https://x.example/open?"},
           Case{"/open^|", "https://x.example/open?a"},
           Case{"/a*b*c|", "https://x.example/abcabc"},
           Case{"/a*b*c|", "https://x.example/acb"},
           Case{"PIXEL", "https://x.example/pixel"},
           Case{"%2Fevent.gif%3F", "https://x.example/r?u=%2fevent.gif%3f"},
           Case{"^", "https://x.example/"},
       }) {
    INFO(c.abp << " on " << c.url);
    for (bool match_case : {false, true}) {
      PlainPattern p = plain_from_abp(c.abp, match_case);
      CHECK(plain_matches(p, c.url) == re2_matches(plain_pattern_to_re2(p), c.url));
    }
  }
}

TEST_CASE("plain matching agrees with RE2 on 200,000 generated pattern and URL pairs", "[plain]") {
  // A small alphabet makes matches frequent: letters of both cases, digits, separators and URL punctuation.
  Dice dice{std::mt19937(20261130)};
  const std::string alphabet = "abAB1%./?=&-_:";
  size_t matches = 0;
  size_t tokens_checked = 0;
  size_t bytes_missing = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string abp = random_abp(dice, alphabet, {30, 15, 1, 6, 12, 15});
    const PlainPattern p = plain_from_abp(abp, dice.chance(20));
    const std::string re = plain_pattern_to_re2(p);
    auto parsed = parse_plain_pattern(re);
    REQUIRE(parsed);
    REQUIRE(*parsed == p);
    RE2 compiled(re, test::matcher_re2_options());
    REQUIRE(compiled.ok());
    const auto tokens = plain_tokens(p);
    for (int u = 0; u < 10; ++u) {
      std::string url = dice.chance(80) ? "https://" : "http://";
      const int host = dice.between(1, 3);
      for (int k = 0; k < host; ++k)
        url += std::string(k ? "." : "") + dice.pick("abAB1") + (dice.chance(50) ? "b" : "");
      const int tail = dice.between(0, 10);
      for (int k = 0; k < tail; ++k) url += dice.pick(alphabet);
      const bool expected = RE2::PartialMatch(url, compiled);
      INFO(abp << " (" << re << ") on " << url);
      REQUIRE(plain_matches(p, url) == expected);
      if (!expected) {
        bytes_missing += !has_required_bytes(p, url);
        continue;
      }
      REQUIRE(has_required_bytes(p, url));  // the matcher may skip a pattern whose bytes the URL lacks
      ++matches;
      const auto present = url_tokens(url);
      for (const auto& t : tokens) {
        INFO("token " << t);
        REQUIRE(present.count(t) == 1);
        ++tokens_checked;
      }
    }
  }
  CHECK(matches > 20000);        // the generator reaches both answers often
  CHECK(tokens_checked > 100);   // complete tokens are rarer: bounded on both sides
  CHECK(bytes_missing > 20000);  // and the byte test answers "no match" for many of the others
}

TEST_CASE("matching at a token's places agrees with plain_match on 400,000 generated pairs", "[plain]") {
  // Longer unanchored patterns with tokens inside, and URLs that repeat the tokens: for every token of the URL,
  // plain_match_at_token (given that token's places) must answer as plain_match, or decline.
  Dice dice{std::mt19937(20261202)};
  const std::string alphabet = "abAB1%./?=&-_";
  size_t answered = 0, matched = 0;
  for (int i = 0; i < 40000; ++i) {
    const std::string abp = random_abp(dice, alphabet, {5, 5, 2, 9, 8, 10});
    const PlainPattern p = plain_from_abp(abp, dice.chance(20));
    for (int u = 0; u < 10; ++u) {
      std::string url = "https://";
      url += dice.pick("abAB1");
      auto noise = [&](int most) {
        const int count = dice.between(0, most);
        for (int k = 0; k < count; ++k) url += dice.pick(alphabet);
      };
      noise(8);
      // Half the URLs spell the pattern's body out somewhere (a '*' as noise, a '^' as a separator), often
      // twice: matches and repeated tokens are then frequent.
      for (int copies = dice.chance(50) ? (dice.chance(30) ? 2 : 1) : 0; copies > 0; --copies) {
        for (char c : p.body) {
          if (c == '*') {
            noise(3);
          } else if (c == '^') {
            url += dice.pick("/?&=:");
          } else {
            url += dice.chance(20) ? dice.pick("aB") : c;
          }
        }
        noise(4);
      }
      const std::string lowered = lower(url);
      const bool expected = plain_match(plain_flags(p), p.body, url, lowered);
      if (expected) REQUIRE(has_required_bytes(p, url));
      // The URL's tokens and where each starts, as the matcher reads them.
      std::vector<std::pair<uint32_t, uint32_t>> tokens;
      for (size_t a = 0; a < url.size();) {
        if (!is_token_char(static_cast<unsigned char>(url[a]))) {
          ++a;
          continue;
        }
        size_t b = a;
        while (b < url.size() && is_token_char(static_cast<unsigned char>(url[b]))) ++b;
        tokens.emplace_back(token_hash(url.substr(a, b - a)), static_cast<uint32_t>(a));
        a = b;
      }
      for (const auto& [hash, start] : tokens) {
        std::vector<uint32_t> starts;
        for (const auto& [h, s] : tokens) {
          if (h == hash) starts.push_back(s);
        }
        const auto got = plain_match_at_token(plain_flags(p), p.body, url, lowered, hash, starts);
        if (!got) continue;
        INFO(abp << " on " << url << " at token " << start);
        REQUIRE(*got == expected);
        ++answered;
        matched += expected;
      }
    }
  }
  CHECK(answered > 20000);  // the token path is taken often
  CHECK(matched > 2000);    // and finds matches
}

TEST_CASE("byte bits: a bit per letter of either case, digit and URL punctuation, one for all other bytes", "[plain]") {
  std::set<uint64_t> own;
  for (char c = 'a'; c <= 'z'; ++c) {
    CHECK(kByteBits[static_cast<unsigned char>(c)] == kByteBits[static_cast<unsigned char>(c - 'a' + 'A')]);
    own.insert(kByteBits[static_cast<unsigned char>(c)]);
  }
  for (char c = '0'; c <= '9'; ++c) own.insert(kByteBits[static_cast<unsigned char>(c)]);
  for (char c : kOwnBitPunctuation) own.insert(kByteBits[static_cast<unsigned char>(c)]);
  const uint64_t other = kByteBits[0x80];
  for (unsigned char c : std::string_view("\0 \"<\\^`{}\x7f\xc3\xff", 12)) CHECK(kByteBits[c] == other);
  own.insert(other);
  CHECK(own.size() == 26 + 10 + kOwnBitPunctuation.size() + 1);  // all distinct
  for (uint64_t bits : own) CHECK(std::popcount(bits) == 1);

  // Every length and place: the tail after the last step of four is read too.
  for (size_t length = 2; length <= 11; ++length) {
    for (size_t at = 0; at < length; ++at) {
      std::string s(length, 'a');
      s[at] = '%';
      INFO(length << " " << at);
      CHECK(byte_bits(s) == (kByteBits['a'] | kByteBits['%']));
    }
  }
  CHECK(byte_bits("") == 0);
  // A pattern needs its literal bytes in either case, and nothing for '*' and '^'.
  CHECK(plain_required_bits("%2fevent.gif%3f") == byte_bits("%2FEVENT.GIF%3F"));
  CHECK(plain_required_bits("a*b^") == (kByteBits['a'] | kByteBits['B']));
  // EasyPrivacy's filters without a complete token ("%2Fevent.gif%3F" is one: both of its ends may run on into
  // longer URL tokens) are skipped on a URL without an escape; a URL that carries the escaped address of a
  // tracker holds their bytes.
  const uint64_t need = plain_required_bits(plain_from_abp("%2Fevent.gif%3F", false).body);
  CHECK((need & ~byte_bits("https://news.example.com/img/event.gif?id=7")) != 0);
  CHECK((need & ~byte_bits("https://r.example.net/c?u=https%3A%2F%2Ft.example%2Fevent.gif%3Fid%3D7")) == 0);
}

TEST_CASE("complete tokens are bounded on both sides", "[plain]") {
  auto tokens = [](const char* abp) {
    auto t = plain_tokens(plain_from_abp(abp, false));
    return std::set<std::string>(t.begin(), t.end());
  };
  CHECK(tokens("||Ads.example.com/pixel") == std::set<std::string>{"ads", "example", "com"});
  CHECK(tokens("||ads.example.com/pixel^") == std::set<std::string>{"ads", "example", "com", "pixel"});
  CHECK(tokens("/track/open") == std::set<std::string>{"track"});
  CHECK(tokens("/track/open|") == std::set<std::string>{"track", "open"});
  CHECK(tokens("pixel.gif") == std::set<std::string>{});
  CHECK(tokens("|pixel.gif") == std::set<std::string>{"pixel"});
  CHECK(tokens("/a*b/") == std::set<std::string>{});
  CHECK(tokens("?utm_source=%2F") == std::set<std::string>{"utm", "source"});
}
