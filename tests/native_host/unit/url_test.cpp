#include "url.h"

#include <catch2/catch.hpp>

using namespace mailveil;

TEST_CASE("parse_url splits an absolute URL and lower-cases scheme and host", "[url]") {
  auto u = parse_url("  HTTPS://User@Track.Example.COM:8443/a/B?x=1&y=%41#frag ");
  REQUIRE(u);
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

TEST_CASE("registrable_domain uses multi-label suffixes", "[url]") {
  CHECK(registrable_domain("a.b.example.com") == "example.com");
  CHECK(registrable_domain("news.shop.co.uk") == "shop.co.uk");
  CHECK(registrable_domain("example.com") == "example.com");
  CHECK(registrable_domain("mailfoogae.appspot.com") == "mailfoogae.appspot.com");
  CHECK(registrable_domain("192.168.1.10") == "192.168.1.10");
  CHECK(registrable_domain("localhost") == "localhost");
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
