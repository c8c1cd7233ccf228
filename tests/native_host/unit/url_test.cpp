#include "url.h"

#include <catch2/catch.hpp>

#include "idna.h"
#include "public_suffix.h"
#include "text_util.h"

using namespace mailveil;

TEST_CASE("parse_url splits an absolute URL and lower-cases scheme and host", "[url]") {
  auto u = parse_url("  HTTPS://User@Track.Example.COM:8443/a/B?x=1&y=%41#frag ");
  REQUIRE(u);
  CHECK(u->written == "HTTPS://User@Track.Example.COM:8443/a/B?x=1&y=%41#frag");
  CHECK(u->scheme == "https");
  CHECK(u->userinfo == "User");
  CHECK(u->host == "track.example.com");
  CHECK(u->port == "8443");
  CHECK(u->path == "/a/B");
  CHECK(u->query == "x=1&y=%41");
  CHECK(u->fragment == "frag");
  CHECK(u->str() == "https://User@track.example.com:8443/a/B?x=1&y=%41#frag");
  CHECK(u->without_fragment() == "https://User@track.example.com:8443/a/B?x=1&y=%41");
}

TEST_CASE("parse_url handles protocol-relative, default ports, backslashes and rejects non-URLs", "[url]") {
  auto u = parse_url("//cdn.example.org/img.png");
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->host == "cdn.example.org");
  CHECK(parse_url("http://a.example:80/")->port.empty());
  CHECK(parse_url("https:\\\\evil.example\\x")->host == "evil.example");
  CHECK(parse_url("http://a.example")->path == "/");
  CHECK_FALSE(parse_url("cid:part1@mail"));
  CHECK_FALSE(parse_url("data:image/gif;base64,R0lGOD"));
  CHECK_FALSE(parse_url("/relative/path.png"));
  CHECK_FALSE(parse_url("mailto:someone@example.org"));
  CHECK_FALSE(parse_url("http://a.example:80x/"));
  CHECK_FALSE(parse_url(""));
  // Bracketed hosts are IPv6 literals, nothing else.
  auto v6 = parse_url("http://[2001:DB8::1]:8080/p");
  REQUIRE(v6);
  CHECK(v6->host == "[2001:db8::1]");
  CHECK(v6->port == "8080");
  CHECK(parse_url("https://[::1]/")->host == "[::1]");
  CHECK_FALSE(parse_url("https://[n-3].example.com/o/x"));  // a spam template placeholder
  CHECK_FALSE(parse_url("https://[::1]evil.example/"));
}

TEST_CASE("percent_decode and percent_encode", "[url]") {
  CHECK(percent_decode("a%40b.c%2Fd") == "a@b.c/d");
  CHECK(percent_decode("bad%zzescape%4") == "bad%zzescape%4");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("a+b") == "a+b");
  CHECK(percent_encode("a b/c@d") == "a%20b%2Fc%40d");
}

TEST_CASE("split_query keeps raw pairs in order", "[url]") {
  auto q = split_query("a=1&b=&c&d=x%3Dy;e=2");
  REQUIRE(q.size() == 5);
  CHECK(q[0] == std::pair<std::string, std::string>{"a", "1"});
  CHECK(q[2].first == "c");
  CHECK(q[3].second == "x%3Dy");
  CHECK(q[4].first == "e");
  CHECK(join_query({{"a", "1"}, {"b", "2"}}) == "a=1&b=2");
}

TEST_CASE("for_each_query_pair splits as a byte-by-byte walk does, wherever the separators fall", "[url]") {
  // The reference: every '&' or ';' ends a part; empty parts are skipped; the first '=' splits a pair.
  auto reference = [](std::string_view q) {
    std::vector<std::pair<std::string, std::string>> out;
    std::string part;
    auto flush = [&] {
      if (part.empty()) return;
      const size_t eq = part.find('=');
      out.emplace_back(part.substr(0, eq), eq == std::string::npos ? "" : part.substr(eq + 1));
      part.clear();
    };
    for (char c : q) {
      if (c == '&' || c == ';') {
        flush();
      } else {
        part.push_back(c);
      }
    }
    flush();
    return out;
  };
  auto walked = [](std::string_view q) {
    std::vector<std::pair<std::string, std::string>> out;
    for_each_query_pair(q, [&](std::string_view k, std::string_view v) {
      out.emplace_back(k, v);
      return true;
    });
    return out;
  };
  // Every query of up to 7 bytes over these letters: separators first, last, doubled, mixed.
  const std::string alphabet = "a=&;";
  for (size_t length = 0; length <= 7; ++length) {
    std::string q(length, 'a');
    size_t combinations = 1;
    for (size_t i = 0; i < length; ++i) combinations *= alphabet.size();
    for (size_t n = 0; n < combinations; ++n) {
      for (size_t i = 0, m = n; i < length; ++i, m /= alphabet.size()) q[i] = alphabet[m % alphabet.size()];
      INFO(q);
      CHECK(walked(q) == reference(q));
    }
  }
  // Long parts (the separators found many bytes apart) and a ';' far after many '&'.
  const std::string long_query = "utm_source=" + std::string(300, 'x') + "&e=" + std::string(70, 'Y') + ";k=v&&z";
  CHECK(walked(long_query) == reference(long_query));
  // fn's false stops the walk.
  size_t calls = 0;
  for_each_query_pair("a=1;b=2&c=3", [&](std::string_view, std::string_view) { return ++calls < 2; });
  CHECK(calls == 2);
}

TEST_CASE("percent_decoded gives the text itself without an escape, else its decoding in the buffer", "[url]") {
  std::string buffer = "untouched";
  const std::string plain = "a+b=c&d";
  const std::string_view same = percent_decoded(plain, &buffer);
  CHECK(same == plain);
  CHECK(same.data() == plain.data());  // a view of the text: no copy
  CHECK(buffer == "untouched");
  const std::string_view decoded = percent_decoded("jane%40example.org%2", &buffer);
  CHECK(decoded == "jane@example.org%2");  // a cut escape stays as written, as in percent_decode
  CHECK(decoded.data() == buffer.data());
  CHECK(decoded == percent_decode("jane%40example.org%2"));
}

TEST_CASE("has_byte_below finds a low byte at any offset, next to bytes above 0x80", "[url]") {
  for (size_t length = 1; length <= 20; ++length) {
    for (size_t at = 0; at < length; ++at) {
      std::string s(length, '\xC3');  // high bytes: no false hit from them
      s[at] = '\r';
      INFO(length << " " << at);
      CHECK(has_byte_below(s, '\r' + 1));
      CHECK_FALSE(has_byte_below(s, '\r'));
      s[at] = ' ';
      CHECK_FALSE(has_byte_below(s, '\r' + 1));
      CHECK(has_byte_below(s, 0x21));
    }
  }
  CHECK_FALSE(has_byte_below("", 0x80));
  CHECK(has_byte_below(std::string(9, '\0'), 1));
}

TEST_CASE("ascii_lower_into lower-cases eight bytes at a step as ascii_lower_char does, byte by byte", "[url]") {
  // Every byte value at every place of a word, beside neighbours that could carry into it or borrow from it
  // ('@' and '[' border the capitals, 0x7f and 0xff are the largest low and high bytes).
  for (const char neighbour : {'@', '[', 'Z', 'A', '\x7f', '\xff', '\0', '`', '{'}) {
    for (int b = 0; b < 256; ++b) {
      for (size_t at = 0; at < 8; ++at) {
        std::string s(11, neighbour);  // one word and a tail of three bytes
        s[at] = static_cast<char>(b);
        s[8 + at % 3] = static_cast<char>(b);
        std::string want = s;
        for (char& c : want) c = ascii_lower_char(c);
        std::string got(s.size(), '?');
        ascii_lower_into(s, got.data());
        INFO(b << " at " << at << " beside " << static_cast<int>(static_cast<unsigned char>(neighbour)));
        REQUIRE(got == want);
      }
    }
  }
  CHECK(ascii_lower("HTTPS://Example.COM/Path?Q=ÄÖ") == "https://example.com/path?q=ÄÖ");
  CHECK(ascii_lower("").empty());
}

TEST_CASE("hex_value reads the sixteen digits of either case, and only them", "[url]") {
  const std::string digits = "0123456789abcdef";
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const size_t lower = digits.find(ascii_lower_char(c));
    INFO(b);
    CHECK(hex_value(c) == (lower != std::string::npos ? static_cast<int>(lower) : -1));
  }
}

TEST_CASE("registrable_domain follows the Public Suffix List", "[url][psl]") {
  CHECK(registrable_domain("a.b.example.com") == "example.com");
  CHECK(registrable_domain("news.shop.co.uk") == "shop.co.uk");
  CHECK(registrable_domain("example.com") == "example.com");
  CHECK(registrable_domain("mailfoogae.appspot.com") == "mailfoogae.appspot.com");
  CHECK(registrable_domain("192.168.1.10") == "192.168.1.10");
  CHECK(registrable_domain("[2001:db8::1]") == "[2001:db8::1]");
  CHECK(registrable_domain("localhost") == "localhost");
  // Multi-label suffixes a hand table missed: tenants of one platform are different owners.
  CHECK(registrable_domain("tenant-1.a.run.app") == "tenant-1.a.run.app");
  CHECK(registrable_domain("fn-1.us-central1.run.app") == "us-central1.run.app");
  CHECK(registrable_domain("fonts.googleapis.com") == "fonts.googleapis.com");
  CHECK(registrable_domain("bucket.s3.us-east-2.amazonaws.com") == "bucket.s3.us-east-2.amazonaws.com");
  CHECK(registrable_domain("x.sub.workers.dev") == "sub.workers.dev");
  CHECK(registrable_domain("www.shop.com.bd") == "shop.com.bd");
  CHECK(registrable_domain("www.shop.co.hu") == "shop.co.hu");
  // A host that is itself a public suffix names one owner: it is returned whole.
  CHECK(registrable_domain("s3.amazonaws.com") == "s3.amazonaws.com");
  CHECK(registrable_domain("co.uk") == "co.uk");
  // Hosts not yet normalised: case, Unicode, a trailing dot.
  CHECK(registrable_domain("News.Shop.CO.UK") == "shop.co.uk");
  CHECK(registrable_domain("a.shop.example.") == "shop.example");
  CHECK(registrable_domain("www.b\xC3\xBC"
                           "cher.example") == "xn--bcher-kva.example");
}

TEST_CASE("the Public Suffix List in use is named", "[url][psl]") {
  const PublicSuffixInfo info = public_suffix_info();
  CHECK_FALSE(info.libpsl.empty());
  CHECK(info.date.size() == 10);                               // YYYY-MM-DD
  CHECK(kPublicSuffixBuiltin == std::string_view("builtin"));  // the wire string of docs/protocol.md
  CHECK((info.source == kPublicSuffixBuiltin || info.source.find("public_suffix_list") != std::string::npos));
  const auto j = public_suffix_json();
  CHECK(j["list"] == info.date);
  CHECK(public_suffix_text().find(info.date) != std::string::npos);
}

TEST_CASE("host_matches_domain requires a label boundary", "[url]") {
  CHECK(host_matches_domain("www.google-analytics.com", "google-analytics.com"));
  CHECK(host_matches_domain("google-analytics.com", "google-analytics.com"));
  CHECK_FALSE(host_matches_domain("evilgoogle-analytics.com", "google-analytics.com"));
  CHECK_FALSE(host_matches_domain("com", "google-analytics.com"));
  CHECK(is_valid_hostname("a-b.example.org"));
  CHECK_FALSE(is_valid_hostname("-a.example"));
  CHECK_FALSE(is_valid_hostname("a..b"));
  CHECK_FALSE(is_valid_hostname("bad domain"));
  CHECK(address_domain("Someone@Example.ORG") == "example.org");
}

// ---- the WHATWG URL Standard, on the shapes trackers use (web-platform-tests: url_wpt_test.cpp) -------------------

TEST_CASE("hosts are mapped as browsers map them (UTS 46), so a listed tracker cannot hide behind a spelling",
          "[url][idna]") {
  const char* same_host[] = {
      "https://\xEF\xBD\x8C\xEF\xBD\x89\xEF\xBD\x93\xEF\xBD\x94-manage.com/track/open.php",  // fullwidth
      "https://LIST-MANAGE.COM/track/open.php",
      "https://list-manage\xE3\x80\x82"
      "com/track/open.php",  // U+3002 ideographic full stop
      "https://list-manage\xEF\xBC\x8E"
      "com/track/open.php",  // U+FF0E fullwidth full stop
      "https://list-manage\xEF\xBD\xA1"
      "com/track/open.php",  // U+FF61 halfwidth ideographic stop
      "https://list-man\xC2\xAD"
      "age.com/track/open.php",  // soft hyphen
      "https://list-man\xCD\x8F"
      "age.com/track/open.php",  // combining grapheme joiner
      "https://list-man\xEF\xB8\x8F"
      "age.com/track/open.php",                                                                 // variation selector
      "https://\xF0\x9D\x90\xA5\xF0\x9D\x90\xA2\xF0\x9D\x90\xAC\xF0\x9D\x90\xAD-manage.com/x",  // bold
      "https://\xE2\x93\x9B\xE2\x93\x98\xE2\x93\xA2\xE2\x93\xA3-manage.com/x",                  // circled letters
      "https://%EF%BD%8Cist-manage.com/track/open.php",  // percent-encoded fullwidth
      "https://list-man%C2%ADage.com/track/open.php",    // percent-encoded soft hyphen
      "https://list-manage%E3%80%82com/track/open.php",  // percent-encoded ideographic stop
      "https://list-m%61nage.com/track/open.php",
      "https://list-manage.com./track/open.php",  // one trailing dot: the same name
      "https://list-\tman\nage.com/track/open.php",
      "https:\\\\list-manage.com\\track\\open.php",
      "https://cdn.example.org@list-manage.com/track/open.php",
      "https:/list-manage.com/track/open.php",
      "https:list-manage.com/track/open.php",
      "\x01\x02https://list-manage.com/x",
  };
  for (const char* input : same_host) {
    INFO(input);
    auto u = parse_url(input);
    REQUIRE(u);
    CHECK(u->host == "list-manage.com");
  }
  CHECK(parse_url("https://\xE2\x84\xAAlaviyo.com/open")->host == "klaviyo.com");        // Kelvin sign
  CHECK(parse_url("https://fa\xC3\x9F.ExAmPlE/")->host == "xn--fa-hia.example");         // non-transitional
  CHECK(parse_url("https://\xE2\x98\x83.example/")->host == "xn--n3h.example");          // symbols stay valid
  CHECK(parse_url("https://a\xE2\x80\xA0--.example/")->host == "xn--a---kp0a.example");  // CheckHyphens off
  // What a browser refuses is refused: no host, nothing fetched.
  const char* invalid[] = {
      "https://list-man\xE2\x80\x8D"
      "age.com/x",                                     // ZWJ outside a joining context (CheckJoiners)
      "https://list-manage.com\xC2\xA0/x",             // NBSP
      "https://list-manage.com%00.evil.example/x",     // NUL
      "https://cdn.example.org%40list-manage.com/x",   // '@' after percent-decoding
      "https://list-manage.com%2F.cdn.example.org/x",  // '/' after percent-decoding
      "https://%ef%b7%90.example/",                    // U+FDD0, a noncharacter
      "https://xn--a.\xC3\x9F/",                       // invalid Punycode next to a label that needs mapping
      "https://exa mple.org/",
      "https://exa<mple.org/",
      "https://exa%mple.org/",
  };
  for (const char* input : invalid) {
    INFO(input);
    CHECK_FALSE(parse_url(input));
  }
  CHECK(idna_error().empty());
}

TEST_CASE("IPv4 hosts in every form the browser accepts are normalised", "[url][ip]") {
  const char* forms[] = {"http://93.184.216.34/o.gif",      "http://1572395042/o.gif",  "http://0x5db8d822/o.gif",
                         "http://0135.0270.0330.042/o.gif", "http://93.12113954/o.gif", "http://93.184.216.34./o.gif",
                         "http://0x5D.0xB8.0xD8.0x22/",     "http://93.0xb8.55330/"};
  for (const char* input : forms) {
    INFO(input);
    auto u = parse_url(input);
    REQUIRE(u);
    CHECK(u->host == "93.184.216.34");
  }
  CHECK(parse_url("https://0x.0x.0")->host == "0.0.0.0");
  CHECK(parse_url("https://0000000000000000000000000000000000000000177.0.0.1")->host == "127.0.0.1");
  CHECK_FALSE(parse_url("http://256.0.0.1/"));
  CHECK_FALSE(parse_url("http://1.2.3.4.5/"));
  CHECK_FALSE(parse_url("http://4294967296/"));
  CHECK_FALSE(parse_url("http://foo.09/"));  // ends in a number that is not one
  CHECK(parse_url("http://foo.09../")->host == "foo.09..");
}

TEST_CASE("IPv6 hosts are serialised in their shortest form", "[url][ip]") {
  CHECK(parse_url("http://[0:0:0:0:0:ffff:5db8:d822]/o.gif")->host == "[::ffff:5db8:d822]");
  CHECK(parse_url("http://[::ffff:93.184.216.34]/o.gif")->host == "[::ffff:5db8:d822]");
  CHECK(parse_url("http://[2001:0DB8:0:0:1:0:0:1]/")->host == "[2001:db8::1:0:0:1]");
  CHECK(parse_url("http://[1:0:0:2::3:0]/")->host == "[1::2:0:0:3:0]");
  CHECK_FALSE(parse_url("http://[::1::2]/"));
  CHECK_FALSE(parse_url("http://[1:2:3:4:5:6:7:8:9]/"));
  CHECK_FALSE(parse_url("http://[::ffff:1.2.3.256]/"));
}

TEST_CASE("paths lose their dot segments, also percent-encoded ones, and are percent-encoded", "[url][path]") {
  CHECK(parse_url("https://list-manage.com/x/../track/open.php?u=1")->path == "/track/open.php");
  CHECK(parse_url("https://list-manage.com/track/%2e%2E/track/open.php")->path == "/track/open.php");
  CHECK(parse_url("https://t.example/a/./b/.%2e/c/%2e")->path == "/a/c/");
  CHECK(parse_url("https://t.example/../../x")->path == "/x");
  CHECK(parse_url("https://t.example/a b/\xC3\xA9\"<>`{}^")->path == "/a%20b/%C3%A9%22%3C%3E%60%7B%7D%5E");
  CHECK(parse_url("https://t.example/p?q='a b\"")->query == "q=%27a%20b%22");
  CHECK(parse_url("https://t.example/p#f g`")->fragment == "f%20g%60");
  CHECK(parse_url("http://t.example:0080/")->port.empty());
  CHECK(parse_url("https://t.example:0443/")->port.empty());
  CHECK(parse_url("https://t.example:080/")->port == "80");
  CHECK_FALSE(parse_url("https://t.example:65536/"));
  // Only the last '@' ends the userinfo; the earlier ones are encoded.
  auto u = parse_url("https://a@b:c@d@t.example/");
  REQUIRE(u);
  CHECK(u->host == "t.example");
  CHECK(u->userinfo == "a%40b:c%40d");
}

TEST_CASE("relative URLs resolve against a base as browsers resolve them", "[url][base]") {
  const Url base = *parse_url("https://t.example/a/b/c.html?q=1#f");
  CHECK(parse_url("open.gif?id=8", base)->str() == "https://t.example/a/b/open.gif?id=8");
  CHECK(parse_url("../x", base)->str() == "https://t.example/a/x");
  CHECK(parse_url("/root", base)->str() == "https://t.example/root");
  CHECK(parse_url("?z", base)->str() == "https://t.example/a/b/c.html?z");
  CHECK(parse_url("#g", base)->str() == "https://t.example/a/b/c.html?q=1#g");
  CHECK(parse_url("", base)->str() == "https://t.example/a/b/c.html?q=1");
  CHECK(parse_url("//cdn.example/p", base)->str() == "https://cdn.example/p");
  CHECK(parse_url("http://other.example/", base)->host == "other.example");
  CHECK(parse_url("https:rel", base)->str() == "https://t.example/a/b/rel");  // same scheme: relative
  CHECK_FALSE(parse_url("mailto:x@y.example", base));
}

TEST_CASE("the URL as written is kept beside the normalised one", "[url][written]") {
  auto u = parse_url("https://Shop.EXAMPLE/x/../track?e=Jane%40Example.org&t=a\tb");
  REQUIRE(u);
  CHECK(u->str() == "https://shop.example/track?e=Jane%40Example.org&t=ab");
  CHECK(u->written == "https://Shop.EXAMPLE/x/../track?e=Jane%40Example.org&t=ab");  // tabs dropped, rest as is
  auto w = split_url_as_written(u->written);
  REQUIRE(w);
  CHECK(w->host == "Shop.EXAMPLE");
  CHECK(w->path == "/x/../track");
  CHECK(w->query == "e=Jane%40Example.org&t=ab");
  CHECK(w->str() == u->written);
  CHECK(split_url_as_written("//cdn.example/a?b")->str() == "//cdn.example/a?b");
  CHECK_FALSE(split_url_as_written("mailto:"));
}

TEST_CASE("serialising a parsed URL and parsing it again changes nothing", "[url][idempotent]") {
  const char* inputs[] = {
      "https://\xEF\xBD\x8Cist-manage.com/x/../a b?c=d e#f g",
      "http://0x5db8d822:080/%2e%2E/p",
      "https://u:p@[::ffff:1.2.3.4]:8443/\xC3\xA9?\xC3\xA9#\xC3\xA9",
      "https://shop.example%2Etest/a%2fb",
      "HTTPS://A.B/C/./D/../E?F#G",
  };
  for (const char* input : inputs) {
    INFO(input);
    auto u = parse_url(input);
    REQUIRE(u);
    auto again = parse_url(u->str());
    REQUIRE(again);
    CHECK(again->str() == u->str());
  }
}
