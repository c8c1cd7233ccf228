#include "unwrap.h"

#include <zlib.h>

#include <catch2/catch.hpp>

#include "digest.h"
#include "text_util.h"

using namespace mailveil;

namespace {

std::string unwrap(const std::string& s, std::vector<Wrapper>* via) {
  auto u = parse_url(s);
  REQUIRE(u);
  return unwrap_webmail(*u, via).str();
}

}  // namespace

TEST_CASE("webmail proxies and wrappers are unwrapped to the original URL", "[unwrap]") {
  struct Case {
    std::string wrapped;
    std::string original;
    std::vector<Wrapper> via;  // empty when the URL is not a wrapper
  };
  const std::vector<Case> cases = {
      {"https://ci3.googleusercontent.com/proxy/AbCdEf123=s0-d-e1-ft#https://www.google-analytics.com/"
       "collect?v=1&tid=UA-1-1",
       "https://www.google-analytics.com/collect?v=1&tid=UA-1-1",
       {Wrapper::kGmailProxy}},
      {"https://ci4.googleusercontent.com/meips/ADKq_Nb#http://pixel.example/o.gif?u=1",
       "http://pixel.example/o.gif?u=1",
       {Wrapper::kGmailProxy}},
      {"https://eur01.safelinks.protection.outlook.com/"
       "?url=https%3A%2F%2Fshop.example%2Fa%3Fb%3D1&data=05%7C01&reserved=0",
       "https://shop.example/a?b=1",
       {Wrapper::kOutlookSafelinks}},
      {"https://www.google.com/url?q=https://shop.example/x&sa=D&source=editors",
       "https://shop.example/x",
       {Wrapper::kGoogleRedirect}},
      {"https://ecp.yusercontent.com/mail?url=https%3A%2F%2Ftrack.example%2Fo.gif&t=1700000000&ymreqid=x&sig=y",
       "https://track.example/o.gif",
       {Wrapper::kYahooProxy}},
      {"https://mail.proton.me/api/core/v4/images?Url=https%3A%2F%2Ftrack.example%2Fp.png&DryRun=0&UID=abc",
       "https://track.example/p.png",
       {Wrapper::kProtonProxy}},
      {"https://cosmicpimg-prod.services.web.outlook.com/proxy/"
       "?u=http%3A%2F%2Furl9300.shop.example%2Fwf%2Fopen%3Fupn%3Dabc",
       "http://url9300.shop.example/wf/open?upn=abc",
       {Wrapper::kOutlookProxy}},
      {"https://www.google.com/amp/s/track.example/o/a8Fk29dLq0?e=1",
       "https://track.example/o/a8Fk29dLq0?e=1",
       {Wrapper::kGoogleAmp}},
      {"https://www.google.co.uk/amp/spam.example/VXArTGYvaDlI",
       "http://spam.example/VXArTGYvaDlI",
       {Wrapper::kGoogleAmp}},
      {"https://www.google.evil.example/amp/s/x.example/", "https://www.google.evil.example/amp/s/x.example/", {}},
  };
  for (const auto& c : cases) {
    INFO(c.wrapped);
    std::vector<Wrapper> via;
    CHECK(unwrap(c.wrapped, &via) == c.original);
    CHECK(via == c.via);
  }
}

TEST_CASE("nested wrappers are all removed; non-wrappers are untouched", "[unwrap]") {
  std::vector<Wrapper> via;
  std::string inner = "https%3A%2F%2Fwww.google.com%2Furl%3Fq%3Dhttps%253A%252F%252Fshop.example%252Fdeal";
  CHECK(unwrap("https://nam02.safelinks.protection.outlook.com/?url=" + inner + "&data=x", &via) ==
        "https://shop.example/deal");
  CHECK(via == std::vector<Wrapper>{Wrapper::kOutlookSafelinks, Wrapper::kGoogleRedirect});
  via.clear();
  CHECK(unwrap("https://cdn.example.com/logo.png", &via) == "https://cdn.example.com/logo.png");
  CHECK(via.empty());
  // A googleusercontent URL that is not the proxy (e.g. a photo) stays as it is.
  CHECK(unwrap("https://lh3.googleusercontent.com/a/photo.jpg", &via) ==
        "https://lh3.googleusercontent.com/a/photo.jpg");
  // is_webmail_wrapper tells, without copying, whether unwrapping changes a URL.
  CHECK(is_webmail_wrapper(*parse_url("https://nam02.safelinks.protection.outlook.com/?url=" + inner + "&data=x")));
  CHECK(is_webmail_wrapper(*parse_url("https://www.google.com/url?q=https%3A%2F%2Fshop.example%2Fdeal")));
  CHECK_FALSE(is_webmail_wrapper(*parse_url("https://cdn.example.com/logo.png")));
  CHECK_FALSE(is_webmail_wrapper(*parse_url("https://lh3.googleusercontent.com/a/photo.jpg")));
}

TEST_CASE("redirect_destination reads params, base64 and path segments", "[unwrap]") {
  std::string how;
  auto d = redirect_destination(*parse_url("https://click.example/c?id=42&url=https%3A%2F%2Fshop.example%2Fp%3Fx%3D1"),
                                {}, &how);
  REQUIRE(d);
  CHECK(d->str() == "https://shop.example/p?x=1");
  CHECK(how == "param:url");

  d = redirect_destination(*parse_url("https://t.example/r?target=aHR0cHM6Ly9zaG9wLmV4YW1wbGUvYg=="), {}, &how);
  REQUIRE(d);
  CHECK(d->str() == "https://shop.example/b");
  CHECK(how == "param:target:base64");

  d = redirect_destination(
      *parse_url(
          "https://abc.r.us-east-1.awstrack.me/L0/https:%2F%2Fshop.example%2Fsale%3Fa=1/1/0100018b-token/xyz=123"),
      {}, &how);
  REQUIRE(d);
  CHECK(d->str() == "https://shop.example/sale?a=1");
  CHECK(how == "path");

  d = redirect_destination(
      *parse_url("https://t.example/c?dst=https%3A%2F%2Fa.example%2F&url=https%3A%2F%2Fb.example%2F"), {"dst"}, &how);
  REQUIRE(d);
  CHECK(d->host == "a.example");  // the tracker's own parameter wins

  CHECK_FALSE(redirect_destination(*parse_url("https://t.example/track/click?u=abc&id=def&e=123"), {}, &how));
}

TEST_CASE("strip_tracking_params removes utm and friends and keeps the rest", "[unwrap]") {
  auto u =
      *parse_url("https://shop.example/p?id=7&utm_source=nl&utm_medium=email&mc_eid=abc&fbclid=x&color=red&_hsenc=p2");
  auto removed = strip_tracking_params(&u);
  CHECK(removed.size() == 5);
  CHECK(u.str() == "https://shop.example/p?id=7&color=red");
  auto only = *parse_url("https://shop.example/p?utm_source=nl");
  strip_tracking_params(&only);
  CHECK(only.str() == "https://shop.example/p");
  auto none = *parse_url("https://shop.example/p?q=1");
  CHECK(strip_tracking_params(&none).empty());
  // has_tracking_params tells, without copying, whether stripping removes anything; an encoded key counts.
  CHECK(has_tracking_params(*parse_url("https://shop.example/p?id=7&utm_source=nl")));
  CHECK(has_tracking_params(*parse_url("https://shop.example/p?id=7&%75tm_source=nl")));
  CHECK_FALSE(has_tracking_params(*parse_url("https://shop.example/p?q=1&utmost=2")));
  CHECK_FALSE(has_tracking_params(*parse_url("https://shop.example/p")));
  CHECK(is_tracking_param("UTM_Campaign"));
  CHECK_FALSE(is_tracking_param("utmost"));
}

TEST_CASE("base64 destinations in path segments and base64 of a percent-encoded URL are recovered", "[unwrap]") {
  std::string how;
  auto d = redirect_destination(
      *parse_url("https://click.mail.example/5qhdrx/dvgfeq/aHR0cHM6Ly93d3cuc2hvcC5leGFtcGxlL2lzc3VlLzQ4"), {}, &how);
  REQUIRE(d);
  CHECK(d->str() == "https://www.shop.example/issue/48");
  CHECK(how == "path:base64");
  d = redirect_destination(
      *parse_url("https://x.acemlnb.example/link?redirectUrl=aHR0cHMlM0ElMkYlMkZ3d3cuc2hvcC5leGFtcGxlJTJGYg==&s=1"),
      {"redirectUrl"}, &how);
  REQUIRE(d);
  CHECK(d->str() == "https://www.shop.example/b");
}

TEST_CASE("redirect_destination names each decoding layer, outermost first", "[unwrap]") {
  const std::string dest = "https://city.example/events?id=7";
  struct Case {
    std::string url;
    const char* how;
  };
  const std::vector<Case> cases = {
      {"https://t.example/r?href=" + to_hex(dest), "param:href:hex"},
      {"https://t.example/track/click?q=" + base64url_encode(R"({"cid":1,"url":")" + dest + "\"}"),
       "param:q:base64:json"},
      {"https://t.example/l/" + base64url_encode(R"({"alg":"HS256"})") + "." +
           base64url_encode(R"({"url":")" + dest + "\"}") + ".sig/s/1",
       "path:jwt:json"},
      {"https://t.example/redirect/2/" + base64url_encode(R"({"e":")" + dest + R"(","p":1,"sub":"link-redirect"})") +
           ".sSZyhodHh7396EPbdH0ouL0mu5UTN9UDyyppMNZmo_c",
       "path:signed:json"},
      {"https://t.example/track?type=click&enid=ZWFzPTE&&&100&&&" + dest, "query-tail"},
      {"https://www.linkedin.com/comm/jobs/view/42?midToken=x", "path-prefix"},
      {"https://prf.hn/click/camref:1100l3/destination:" + percent_encode(dest), "path-param:destination"},
  };
  for (const auto& c : cases) {
    INFO(c.url);
    std::string how;
    auto d = redirect_destination(*parse_url(c.url), {}, &how);
    REQUIRE(d);
    CHECK(how == c.how);
  }
}

TEST_CASE("redirect_destination reads a trailing URL only where a pair starts, and tries four at most", "[unwrap]") {
  std::string how;
  // At the query's start, and after a later '&'.
  auto d = redirect_destination(*parse_url("https://t.example/c?https://a.example/x"), {}, &how);
  REQUIRE(d);
  CHECK(d->host == "a.example");
  CHECK(how == "query-tail");
  d = redirect_destination(*parse_url("https://t.example/c?id=1&x=2&HTTPS%3A%2F%2Fb.example%2Fy"), {}, &how);
  REQUIRE(d);
  CHECK(d->host == "b.example");
  // Inside a value, not at a pair's start: not a trailing destination.
  CHECK_FALSE(redirect_destination(*parse_url("https://t.example/c?id=xhttp:q"), {}, &how));
  // Four candidates that are no URL, then a good one: the walk stops before it.
  d = redirect_destination(*parse_url("https://t.example/c?http:&http:&http:&http:&https://c.example/"), {}, &how);
  CHECK_FALSE(d);
  d = redirect_destination(*parse_url("https://t.example/c?http:&http:&http:&https://c.example/"), {}, &how);
  REQUIRE(d);
  CHECK(d->host == "c.example");
}

TEST_CASE("redirect_destination tries the list's parameters, then the usual names in their order", "[unwrap]") {
  const std::string a = percent_encode("https://a.example/1");
  const std::string b = percent_encode("https://b.example/2");
  const std::string c = percent_encode("https://c.example/3");
  std::string how;
  // "url" ranks before "link" whatever their order in the query; another key comes last.
  auto d = redirect_destination(*parse_url("https://t.example/c?other=" + c + "&link=" + b + "&URL=" + a), {}, &how);
  REQUIRE(d);
  CHECK(d->host == "a.example");
  CHECK(how == "param:url");
  // The list's own parameter (any case) before every usual name.
  d = redirect_destination(*parse_url("https://t.example/c?url=" + a + "&Dst=" + b), {"DST"}, &how);
  REQUIRE(d);
  CHECK(d->host == "b.example");
  CHECK(how == "param:dst");
  // Two pairs of one name: the first that spells a URL.
  d = redirect_destination(*parse_url("https://t.example/c?u=notaurl12&u=" + c), {}, &how);
  REQUIRE(d);
  CHECK(d->host == "c.example");
  // No usual name: any value that spells a URL.
  d = redirect_destination(*parse_url("https://t.example/c?zz=" + b), {}, &how);
  REQUIRE(d);
  CHECK(how == "param:zz");
}

TEST_CASE("inflate_zlib reads a zlib stream up to its bound and refuses other bytes", "[unwrap]") {
  const std::string text = "url=https%3A%2F%2Fexample.org%2Farticle&r=reader%40example.org&" + std::string(200, 'x');
  std::string packed(compressBound(text.size()), '\0');
  uLongf packed_size = packed.size();
  REQUIRE(compress(reinterpret_cast<Bytef*>(packed.data()), &packed_size, reinterpret_cast<const Bytef*>(text.data()),
                   text.size()) == Z_OK);
  packed.resize(packed_size);

  CHECK(inflate_zlib(packed, 4096) == text);
  CHECK(inflate_zlib(packed, 10) == text.substr(0, 10));                       // bounded output
  CHECK(inflate_zlib(packed.substr(0, packed.size() / 2), 4096).has_value());  // truncated: what it holds
  CHECK_FALSE(inflate_zlib(text, 4096));                                       // not a zlib header
  CHECK_FALSE(inflate_zlib(std::string("\x78\x9c"), 4096));                    // a header and nothing else
  CHECK_FALSE(inflate_zlib(packed, 0));
}

TEST_CASE("inflate_zlib yields the same bytes whatever the output's size, and after a broken stream", "[unwrap]") {
  // Output in many of the inflater's chunks, bounds on and off a chunk's edge, and a corrupt stream between two
  // good ones (the inflate state is kept per thread and reset for each stream).
  std::string text;
  for (int i = 0; text.size() < 20000; ++i) text += "r=reader" + std::to_string(i * 7919 % 1000) + "%40example.org&";
  std::string packed(compressBound(text.size()), '\0');
  uLongf packed_size = packed.size();
  REQUIRE(compress(reinterpret_cast<Bytef*>(packed.data()), &packed_size, reinterpret_cast<const Bytef*>(text.data()),
                   text.size()) == Z_OK);
  packed.resize(packed_size);

  CHECK(inflate_zlib(packed, 1 << 20) == text);
  for (size_t bound : {size_t{1}, size_t{4095}, size_t{4096}, size_t{4097}, size_t{8192}, size_t{12289}}) {
    INFO(bound);
    CHECK(inflate_zlib(packed, bound) == text.substr(0, bound));
  }
  std::string corrupt = packed;
  for (size_t i = 2; i < corrupt.size(); i += 3) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  const auto broken = inflate_zlib(corrupt, 1 << 20);
  CHECK((!broken || broken->size() < text.size()));
  CHECK(inflate_zlib(packed, 1 << 20) == text);
  // Truncated: a prefix of the text; without its checksum, the whole text.
  for (size_t cut : {packed.size() / 3, packed.size() / 2}) {
    INFO(cut);
    const auto part = inflate_zlib(packed.substr(0, cut), 1 << 20);
    REQUIRE(part);
    CHECK(text.compare(0, part->size(), *part) == 0);
    CHECK(part->size() < text.size());
  }
  CHECK(inflate_zlib(packed.substr(0, packed.size() - 4), 1 << 20) == text);
}

TEST_CASE("split_views keeps empty parts, as TSV columns and IPv4 labels need", "[text]") {
  using V = std::vector<std::string_view>;
  CHECK(split_views("a..b", '.') == V{"a", "", "b"});
  CHECK(split_views("1.2.3.4.", '.') == V{"1", "2", "3", "4", ""});
  CHECK(split_views("", '\t') == V{""});
  CHECK(split_views("x\t\ty", '\t') == V{"x", "", "y"});
}

TEST_CASE("a destination scope keeps what each value spells out: the same destinations and steps", "[unwrap][memo]") {
  const std::vector<std::string> urls = {
      "https://click.example/c?id=42&url=https%3A%2F%2Fshop.example%2Fp%3Fx%3D1",
      "https://click.example/c?id=43&url=https%3A%2F%2Fshop.example%2Fp%3Fx%3D1",
      "https://t.example/r?target=aHR0cHM6Ly9zaG9wLmV4YW1wbGUvYg==",
      "https://t.example/r?q=aHR0cHM6Ly9zaG9wLmV4YW1wbGUvYg==",  // the same value under another key
      "https://t.example/e/c/eyJocmVmIjoiaHR0cHM6Ly9zaG9wLmV4YW1wbGUvYyJ9/1",
      "https://t.example/x/destination:https%3A%2F%2Fshop.example%2Fd",
      "https://t.example/r?e=dXRtX3NvdXJjZT1hY3MmdXRtX21lZGl1bT1lbWFpbA",  // decodes to no URL
      "https://t.example/r?e=dXRtX3NvdXJjZT1hY3MmdXRtX21lZGl1bT1lbWFpbA&u=https%3A%2F%2Fshop.example%2Fe",
  };
  std::vector<std::pair<std::optional<std::string>, std::string>> alone;
  for (const auto& s : urls) {
    std::string how;
    const auto d = redirect_destination(*parse_url(s), {}, &how);
    alone.emplace_back(d ? std::optional<std::string>(d->str()) : std::nullopt, how);
  }
  CHECK(alone[0].first == "https://shop.example/p?x=1");
  CHECK(alone[3].second == "param:q:base64");
  CHECK_FALSE(alone[6].first);
  const DestinationScope scope;
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < urls.size(); ++i) {
      INFO(urls[i]);
      std::string how;
      const auto d = redirect_destination(*parse_url(urls[i]), {}, &how);
      CHECK((d ? std::optional<std::string>(d->str()) : std::nullopt) == alone[i].first);
      CHECK(how == alone[i].second);
    }
  }
  CHECK(scope.memo().spelled.size() > 0);
}

TEST_CASE("tracking parameters: long keys, any case, percent-encoded names", "[unwrap]") {
  CHECK(is_tracking_param("UTM_Campaign_With_A_Very_Long_Name"));
  CHECK(is_tracking_param("ml_subscriber_hash"));
  CHECK(is_tracking_param("ML_Subscriber_Hash"));
  CHECK_FALSE(is_tracking_param("ml_subscriber_hashx"));
  CHECK_FALSE(is_tracking_param("x_ml_subscriber_hash"));
  CHECK_FALSE(is_tracking_param("ut"));
  CHECK(is_tracking_param("elqTrackId"));
  auto u = parse_url("https://shop.example/p?id=1&%75tm_source=news&a=b&FbClId=xyz");
  REQUIRE(u);
  CHECK(strip_tracking_params(&*u) == std::vector<std::string>{"utm_source", "FbClId"});
  CHECK(u->query == "id=1&a=b");
  auto clean = parse_url("https://shop.example/p?id=1&a=b;c=d");
  REQUIRE(clean);
  CHECK(strip_tracking_params(&*clean).empty());
  CHECK(clean->query == "id=1&a=b;c=d");
}
