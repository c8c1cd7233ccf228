#include "leak_detector.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "digest.h"
#include "text_util.h"

using namespace mailveil;

namespace {

// Digests of "jane.doe@example.org", computed independently (Python hashlib).
constexpr const char* kMd5 = "b49be4c6d5b60918bf27d1189d8f326d";
constexpr const char* kSha1 = "395059822cad73bf29f93d7f70738e7b72b79cfb";
constexpr const char* kSha224 = "642e30ebe0e0b0a099653ebdd373ddf84fb1a09c28c00c5db2a02e18";
constexpr const char* kSha256 = "7f73355bf032dcbb8e5a3f51f1e4a8ba92ef1344de2d95382634cf91da6d6181";
constexpr const char* kSha384 =
    "e4d29765fc0ea0560e5114dcb9ac75aa27cc0c33fa756a922c105c7f7cb2d28dc9b42fe931b1076e97c1198158d15f14";
constexpr const char* kSha512 =
    "e60e6bcd51c48461008dd4d3ca9944ca3997a899652a01f2640f9625c785a8acf49775a987bba6b01cfcb9d92d5853d78ace301bfc47935"
    "7ca4cbfa3a18b36ec";

std::vector<Leak> leaks_in(const std::string& url) {
  LeakDetector d({"Jane.Doe@Example.org"});
  auto u = parse_url(url);
  REQUIRE(u);
  return d.find(*u);
}

/// `encoding` is the wire string the protocol carries ("sha256-in-base64"): the leak's enum must read as it.
bool has(const std::vector<Leak>& leaks, const std::string& encoding, const std::string& where) {
  const auto want = address_encoding_from_string(encoding);
  REQUIRE(want);
  return std::any_of(leaks.begin(), leaks.end(),
                     [&](const Leak& l) { return l.encoding == *want && l.where == where; });
}

}  // namespace

TEST_CASE("plain and url-encoded addresses are found with their location", "[leak]") {
  CHECK(has(leaks_in("https://t.example/o?e=jane.doe@example.org"), "plain", "query:e"));
  CHECK(has(leaks_in("https://t.example/o?e=JANE.DOE%40EXAMPLE.ORG"), "url-encoded", "query:e"));
  CHECK(has(leaks_in("https://t.example/o?e=jane.doe%2540example.org"), "url-encoded", "query:e"));
  CHECK(has(leaks_in("https://t.example/open/jane.doe@example.org/1.gif"), "plain", "path"));
  CHECK(has(leaks_in("https://t.example/x#jane.doe@example.org"), "plain", "fragment"));
}

TEST_CASE("every hash is found in lower and upper hex", "[leak]") {
  const std::pair<const char*, const char*> cases[] = {{"md5", kMd5},       {"sha1", kSha1},     {"sha224", kSha224},
                                                       {"sha256", kSha256}, {"sha384", kSha384}, {"sha512", kSha512}};
  for (const auto& [name, hex] : cases) {
    INFO(name);
    CHECK(has(leaks_in(std::string("https://t.example/p.gif?uid=") + hex), name, "query:uid"));
    std::string upper = hex;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    CHECK(has(leaks_in("https://t.example/p/" + upper + ".gif"), name, "path"));
  }
}

TEST_CASE("base64 forms, padded or not, standard or url-safe, and embedded in JSON", "[leak]") {
  CHECK(has(leaks_in("https://t.example/o?m=amFuZS5kb2VAZXhhbXBsZS5vcmc="), "base64", "query:m"));
  CHECK(has(leaks_in("https://t.example/o?m=amFuZS5kb2VAZXhhbXBsZS5vcmc%3D"), "base64", "query:m"));
  CHECK(has(leaks_in("https://t.example/o/amFuZS5kb2VAZXhhbXBsZS5vcmc"), "base64", "path"));
  CHECK(
      has(leaks_in("https://t.example/o?h=f3M1W/Ay3LuOWj9R8eSoupLvE0TeLZU4JjTPkdptYYE="), "sha256-base64", "query:h"));
  CHECK(has(leaks_in("https://t.example/o?h=f3M1W_Ay3LuOWj9R8eSoupLvE0TeLZU4JjTPkdptYYE"), "sha256-base64", "query:h"));
  CHECK(has(leaks_in("https://t.example/o?d=eyJlbWFpbCI6ICJqYW5lLmRvZUBleGFtcGxlLm9yZyIsICJjIjogN30="),
            "base64-embedded", "query:d"));
  CHECK(has(leaks_in("https://t.example/o?x=6a616e652e646f65406578616d706c652e6f7267"), "hex", "query:x"));
}

TEST_CASE("no leak reported for other addresses, other hashes, or no address", "[leak]") {
  CHECK(leaks_in("https://t.example/o?e=john@example.org&h=0123456789abcdef0123456789abcdef").empty());
  CHECK(leaks_in("https://cdn.example/img/7f73355bf032dcbb.png").empty());  // a prefix of the hash is not the hash
  LeakDetector none({});
  CHECK(none.find(*parse_url("https://t.example/o?e=jane.doe@example.org")).empty());
  LeakDetector invalid({"not-an-address", "@x", ""});
  CHECK(invalid.addresses().empty());
}

TEST_CASE("one leak per encoding and place even when repeated", "[leak]") {
  auto leaks = leaks_in(std::string("https://t.example/o?a=") + kMd5 + kMd5);
  CHECK(std::count_if(leaks.begin(), leaks.end(),
                      [](const Leak& l) { return l.encoding == AddressEncoding{LeakEncoding::kMd5}; }) == 1);
}

TEST_CASE("mask hides every address encoding and per-recipient tokens", "[leak]") {
  LeakDetector d({"jane.doe@example.org"});
  auto url = parse_url(
      std::string("https://t.example/open/550e8400-e29b-41d4-a716-446655440000.gif?e=jane.doe%40example.org&h=") +
      kSha256 + "&b=amFuZS5kb2VAZXhhbXBsZS5vcmc%3D&tid=UA-12345-1&utm_campaign=spring&sid=a8Fk29dLq0Zx7PmW");
  REQUIRE(url);
  std::string masked = d.mask(*url);
  CHECK(masked.find("jane") == std::string::npos);
  CHECK(masked.find(kSha256) == std::string::npos);
  CHECK(masked.find("amFuZS5k") == std::string::npos);
  CHECK(masked.find("550e8400") == std::string::npos);
  CHECK(masked.find("a8Fk29dLq0Zx7PmW") == std::string::npos);
  CHECK(masked.find("e=[email]") != std::string::npos);
  CHECK(masked.find("h=[email:sha256]") != std::string::npos);
  CHECK(masked.find("b=[email:base64]") != std::string::npos);
  CHECK(masked.find("/open/[token].gif") != std::string::npos);
  CHECK(masked.find("tid=UA-12345-1") != std::string::npos);  // evidence stays readable
  CHECK(masked.find("utm_campaign=spring") != std::string::npos);
  CHECK(masked.find("sid=[token]") != std::string::npos);
}

TEST_CASE("looks_like_personal_token separates ids from words", "[leak]") {
  CHECK(looks_like_personal_token("550e8400-e29b-41d4-a716-446655440000"));
  CHECK(looks_like_personal_token("1234567890"));
  // Image names with a size in them are slugs, not ids (a responsys logo was read as a token).
  CHECK_FALSE(looks_like_personal_token("logos-norton-surfeasy-350x42-darkmode"));
  CHECK_FALSE(looks_like_personal_token("hero_banner_2024_1200x600_winter"));
  CHECK(looks_like_personal_token("a8Fk29dLq0Zx-7PmWq1_Zt"));
  // SparkPost pads its base64 segments with '~'; they carry the recipient.
  CHECK(looks_like_personal_token("QmFzZTY0VG9rZW5Gb3JUZXN0czEyMw~~"));
  CHECK(looks_like_personal_token("1234567890.1700000000"));
  CHECK(looks_like_personal_token("0123456789abcdef"));
  CHECK(looks_like_personal_token("a8Fk29dLq0Zx7PmW"));
  CHECK_FALSE(looks_like_personal_token("newsletter"));
  CHECK_FALSE(looks_like_personal_token("summer-sale-2024-fr"));
  CHECK_FALSE(looks_like_personal_token("12345"));
  CHECK_FALSE(looks_like_personal_token("hello world 12345678"));
  CHECK(mask_address("jane.doe@example.org") == "j\u2026@example.org");
  CHECK(mask_address("nonsense") == "[address]");
}

TEST_CASE("a leak location never repeats the address in clear", "[leak]") {
  auto leaks = leaks_in("https://t.example/o?jane.doe%40example.org=1");
  REQUIRE_FALSE(leaks.empty());
  for (const auto& l : leaks) {
    CHECK(l.where.find("jane") == std::string::npos);
    CHECK(l.where == "query:[email]");
  }
}

namespace {

/// What evidence promises: no address in clear, and nothing the detector would report, in the whole string or
/// in the URL it parses back into.
void check_no_leak_left(const LeakDetector& d, const std::string& masked) {
  INFO("masked: " << masked);
  const std::string lower = ascii_lower(masked);
  for (const auto& a : d.addresses()) CHECK(lower.find(a) == std::string::npos);
  CHECK_FALSE(d.has_leak(masked));
  if (auto again = parse_url(masked)) CHECK(d.find(*again).empty());
}

std::string md5_hex(const std::string& s) {
  return to_hex(raw_digest(HashAlgorithm::kMd5, s));
}

}  // namespace

TEST_CASE("an address in the host is masked: plain, percent-encoded, or a hashed subdomain (finding 1)", "[leak]") {
  LeakDetector d({"john.doe@example.org", "Me+tag@Mail.Example.COM"});
  SECTION("the address as a host: refused as browsers refuse it, or masked in hex") {
    // WHATWG: a host that percent-decodes to an '@' (or keeps a '%') is a failure; no browser fetches it.
    CHECK_FALSE(parse_url("https://john.doe%40example.org/o/open.gif?u=123"));
    CHECK_FALSE(parse_url("https://john.doe%2540example.org/o/open.gif"));
    auto url = parse_url("https://" + to_hex("john.doe@example.org") + ".t.example/o/open.gif?u=123");
    REQUIRE(url);
    REQUIRE_FALSE(d.find(*url).empty());
    const std::string masked = d.mask(*url);
    CHECK(masked.starts_with("https://[email:hex].t.example/o/open.gif"));
    check_no_leak_left(d, masked);
  }
  SECTION("MD5 and SHA-1 labels keep the rest of the host readable") {
    auto md5 = parse_url("https://" + md5_hex("john.doe@example.org") + ".t.example/o.gif");
    REQUIRE(md5);
    CHECK(d.mask(*md5) == "https://[email:md5].t.example/o.gif");
    auto sha1 = parse_url("https://x." + to_hex(raw_digest(HashAlgorithm::kSha1, "me+tag@mail.example.com")) +
                          ".t.example/o.gif");
    REQUIRE(sha1);
    CHECK(d.mask(*sha1) == "https://x.[email:sha1].t.example/o.gif");
  }
  SECTION("the fuzzer's reproducers (shared/security/repro/url-mask-address-in-host*.txt)") {
    for (const char* text : {"http:/me+tag%40mail.example.com/)zwjirchjpbl.hannu.site/track/RXZ=",
                             "htthttps://BbAzhobime+tag%40mail.example.com555555555555555555555+5YPTo555555",
                             "httP:/john.doe%40example.orgb$--- . r"}) {
      auto url = parse_url(text);
      if (!url) continue;
      check_no_leak_left(d, d.mask(*url));
    }
  }
  SECTION("escaped letters, userinfo, fragment: every part") {
    for (const char* text :
         {"https://t.example/%6a%6f%68%6e.doe%40example.org/x.gif",
          "https://t.example/x?%6a%6f%68%6e.doe%40example.org=1#k", "https://john.doe%40example.org:pw@t.example/x",
          "https://t.example/x#%6a%6f%68%6e.doe%2540example.org"}) {
      auto url = parse_url(text);
      REQUIRE(url);
      CHECK_FALSE(d.find(*url).empty());
      check_no_leak_left(d, d.mask(*url));
    }
    // In the host, escaped letters decode to an '@': not a URL (WHATWG).
    CHECK_FALSE(parse_url("https://%6a%6f%68%6e.doe%40example.org.t.example/x"));
  }
  SECTION("a base64 digest holding a '/' is masked across path segments") {
    // sha256-base64 of "jane.doe@example.org" is f3M1W/Ay3LuOWj9R8eSoupLvE0TeLZU4JjTPkdptYYE
    LeakDetector jane({"jane.doe@example.org"});
    auto url = parse_url("https://t.example/f3M1W/Ay3LuOWj9R8eSoupLvE0TeLZU4JjTPkdptYYE=/x.gif");
    REQUIRE(url);
    REQUIRE_FALSE(jane.find(*url).empty());
    const std::string masked = jane.mask(*url);
    CHECK(masked.find("f3M1W") == std::string::npos);
    check_no_leak_left(jane, masked);
  }
}

TEST_CASE("the detector is bounded: at most kMaxUserAddresses addresses of kMaxAddressLength bytes", "[leak]") {
  std::vector<std::string> many;
  for (size_t i = 0; i < kMaxUserAddresses + 50; ++i) many.push_back("u" + std::to_string(i) + "@example.org");
  LeakDetector d(many);
  CHECK(d.addresses().size() == kMaxUserAddresses);
  CHECK(d.addresses().front() == "u0@example.org");
  const std::string long_local(kMaxAddressLength, 'a');
  LeakDetector too_long({long_local + "@example.org", "ok@example.org"});
  REQUIRE(too_long.addresses().size() == 1);
  CHECK(too_long.addresses()[0] == "ok@example.org");
  // Duplicates count once, whatever their case or blanks.
  LeakDetector dup({"A@example.org", " a@example.org ", "<a@EXAMPLE.org>"});
  CHECK(dup.addresses().size() == 1);
}

TEST_CASE("every watched address is found among many, each in its own encoding", "[leak]") {
  std::vector<std::string> many;
  for (size_t i = 0; i < kMaxUserAddresses; ++i) many.push_back("reader" + std::to_string(i) + "@example.org");
  LeakDetector d(many);
  for (size_t i : {size_t{0}, size_t{41}, kMaxUserAddresses - 1}) {
    const std::string a = "reader" + std::to_string(i) + "@example.org";
    auto leaks = d.find(*parse_url("https://t.example/o?h=" + md5_hex(a) + "&e=" + a));
    REQUIRE(leaks.size() == 2);
    for (const auto& l : leaks) CHECK(l.address_index == i);
  }
  // An address that is a suffix of another is reported for both where both occur.
  LeakDetector nested({"ab@example.org", "b@example.org"});
  CHECK(nested.find(*parse_url("https://t.example/o?e=ab@example.org")).size() == 2);
  CHECK(nested.find(*parse_url("https://t.example/o?e=b@example.org")).size() == 1);
}

// Issue 9, class 8: shapes of real ESP payloads, rebuilt around the example address.
TEST_CASE("base64 in a path segment is found although '/' glues it to the segments before", "[leak]") {
  // Advocacy-platform style: /page/m/<base64 of JSON>, with the '@' JSON-escaped so that only decoding finds it.
  auto leaks = leaks_in(
      "https://act.example/page/m/eyJlbWFpbCI6ImphbmUuZG9lXHUwMDQwZXhhbXBsZS5vcmciLCJzcmMiOiJlbSIsImxpc3QiOjd9");
  CHECK(has(leaks, "base64-embedded", "path"));
}

TEST_CASE("the address inside a binary blob is found at each of the three byte offsets", "[leak]") {
  // SparkPost-style click and open paths: '~'-padded base64url segments of type-length-value records, the
  // recipient in an 'R' record after other fields.
  for (const char* segment : {"VwNzcGNCCgABAgMEBQYHCAlSFGphbmUuZG9lQGV4YW1wbGUub3JnWAQAAAAB~",
                              "AVcDc3BjQgoAAQIDBAUGBwgJUhRqYW5lLmRvZUBleGFtcGxlLm9yZ1gEAAAAAQ~",
                              "AQJXA3NwY0IKAAECAwQFBgcICVIUamFuZS5kb2VAZXhhbXBsZS5vcmdYBAAAAAE~"}) {
    INFO(segment);
    auto leaks = leaks_in(std::string("https://t.news.example/f/a/Yl9hbGxfdG9nZXRoZXI~~/AAQ4Zx4~/") + segment + "~");
    CHECK(has(leaks, "base64-embedded", "path"));
  }
}

TEST_CASE("layers: base64 in base64, JSON in base64, percent-encoding in base64, upper case, as written", "[leak]") {
  CHECK(has(leaks_in("https://t.example/o?d=YW1GdVpTNWtiMlZBWlhoaGJYQnNaUzV2Y21jPQ=="), "base64-in-base64", "query:d"));
  CHECK(has(leaks_in("https://t.example/o?d=eyJkIjogImFtRnVaUzVrYjJWQVpYaGhiWEJzWlM1dmNtYz0iLCAibiI6IDN9"),
            "base64-in-base64", "query:d"));
  CHECK(has(leaks_in("https://t.example/o?p=ZW1haWw9amFuZS5kb2UlNDBleGFtcGxlLm9yZyZ4PTE%3D"), "base64-embedded",
            "query:p"));
  // Home Depot style: the whole query is base64 of a path with the address in capitals.
  CHECK(
      !leaks_in("http://open.shop.example/background.jpeg?"
                "am9iX2lkLzM1MTY0MjcvZW1haWxfaWQvMjM5MTc3NjUyL2VtYWlsL0pBTkUuRE9FQEVYQU1QTEUuT1JHL2JpZC8xMDE0Mjg0MC8=")
           .empty());
  // The case the reader wrote it in ("Jane.Doe@Example.org"), inside a record.
  CHECK(has(leaks_in("https://t.example/o?r=aWQ9NDI7dG89SmFuZS5Eb2VARXhhbXBsZS5vcmc7bj0x"), "base64-embedded",
            "query:r"));
  // Substack-style open token: a JWT whose payload names the recipient.
  CHECK(has(leaks_in("https://eotrx.cdn.example/open?token=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                     "eyJtIjogIjwyMDI0MDEwMS4xMjNAbWcubmV3cy5leGFtcGxlPiIsICJ1IjogMTIzLCAiciI6ICJqYW5lLmRvZUBleGFtcGxl"
                     "Lm9yZyIsICJmIjogdHJ1ZX0.c2lnbmF0dXJl"),
            "base64-embedded", "query:token"));
  // NGP VAN / EveryAction `nvep=`: pretty-printed JSON with CRLF line ends.
  CHECK(has(leaks_in("https://click.action.example/k/123/456/-789?nvep=ew0KICAiVGVuYW50VXJpIjogIm5ncHZhbjovL3Zhbi9F"
                     "QS9FQTAwMS8xLzY1NTE0IiwNCiAgIkRpc3RyaWJ1dGlvblVuaXF1ZUlkIjogIjhjN2I2YTVkIiwNCiAgIkVtYWlsQWRkcmVz"
                     "cyI6ICJqYW5lLmRvZUBleGFtcGxlLm9yZyINCn0%3D&hmac=abc"),
            "base64-embedded", "query:nvep"));
  // Plain in the path, with a '+' tag kept, and in a fragment.
  LeakDetector tagged({"jane.doe+news@example.org"});
  CHECK_FALSE(tagged.find(*parse_url("https://u.example/unsub/jane.doe%2Bnews%40example.org")).empty());
}

namespace {

/// `n` pseudo-random bytes (a fixed LCG: the same on every run).
std::string noise(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  for (auto& c : out) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return out;
}

}  // namespace

TEST_CASE("decoding base64 blobs costs a fixed multiple of the URL's length, whatever its shape", "[leak][bounded]") {
  const LeakDetector d({"jane.doe@example.org"});
  // Each piece is a mixed-case base64 run with no address in it, so that every blob start is decoded and looked
  // into: 24 pieces joined by '/' used to be decoded 24 times over (each start decodes the rest of the run),
  // and a piece that is base64 of base64 once more per layer inside.
  struct Shape {
    const char* name;
    std::string piece;
  };
  const Shape shapes[] = {
      {"random bytes", base64url_encode(noise(450, 1))},
      {"three layers", base64url_encode(base64_encode(base64_encode(noise(250, 2))))},
  };
  for (const Shape& shape : shapes) {
    for (size_t pieces : {1, 8, 24, 40}) {
      INFO(shape.name << ", " << pieces << " pieces");
      std::string url = "https://t.example";
      for (size_t i = 0; i < pieces; ++i) url += "/" + shape.piece;
      const auto parsed = parse_url(url);
      REQUIRE(parsed);
      LeakDetector::SearchCost cost;
      CHECK(d.find(*parsed, &cost).empty());
      const size_t run = url.size() - std::string("https://t.example/").size();
      CHECK(cost.decoded_bytes >= run - run % 4);  // the whole run is decoded once at least
      CHECK(cost.decoded_bytes <= kDecodeWorkPerByte * run + kDecodeWorkFloor);
    }
  }
}

TEST_CASE("the decoding budget still reaches a blob behind short path segments", "[leak][bounded]") {
  // Advocacy-platform and ESP shapes: a few short segments, then the blob, with a long field before the address
  // and its '@' JSON-escaped, so that only decoding finds it.
  const std::string json = "{\"pad\":\"" + std::string(1500, 'x') + "\",\"email\":\"jane.doe\\u0040example.org\"}";
  for (const char* prefix : {"", "c/", "page/m/", "a/b/c/d/", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/"}) {
    INFO(prefix);
    CHECK(
        has(leaks_in(std::string("https://t.example/") + prefix + base64url_encode(json)), "base64-embedded", "path"));
  }
  // And before short segments: the whole run, tried first, holds it.
  CHECK(has(leaks_in("https://t.example/" + base64url_encode(json) + "/Ab/Cd/Ef/Gh"), "base64-embedded", "path"));
}

TEST_CASE("no embedded leak is invented from unrelated blobs", "[leak]") {
  CHECK(leaks_in("https://t.example/f/a/Yl9hbGxfdG9nZXRoZXI~~/AAQ4Zx4~/VwNzcGNCCgABAgMEBQYHCAlSFGpvaG4uZG9lQGV4YW1w~")
            .empty());
  CHECK(leaks_in("https://cdn.example/lib/fe6b1570746006757114/m/1/0a370547-7718-446f-8e20-aac14e42014f.png").empty());
}

TEST_CASE("Mailgun-style compressed tokens are inflated: they name the recipient", "[leak]") {
  // /c/<base64url of a zlib-compressed query string with r=<recipient>> (Substack, Kajabi, Circle links).
  CHECK(has(leaks_in("https://email.mg.news.example/c/"
                     "eJwtjEsOwyAQQ08TlggGCmLBopteoxpg0qTipwT1c_uyqGTJ8rPlzaONIlq5BgSLMahIzpFRq0RnEpjIdm-"
                     "csBNBsHBRdwmB5i4JDUJLkxYtEvXcvoXq4AX3zLLfxujnoq4L3KYqvU9OHyw904y9nWOaZId_YiWeGs2Tf8_b8WDDR_by8ge-"
                     "CDEk"),
            "base64-embedded", "path"));
  CHECK(has(leaks_in("https://email.mg.news.example/o/"
                     "eJyrVspQslJKNE82SDY3TEtKNDJX0lEqAgplJeal6qXkpzqkViTmFuSk6uUXpQOlSpWsTIxqAbCSEDY="),
            "base64-embedded", "path"));
  // A truncated stream still yields what it holds; garbage after "eJ" is not a leak.
  CHECK(leaks_in("https://email.mg.news.example/c/eJxLTEpOSU1JBQAGrQJ_AAAAAAAAAAAAAAAAAAAAAA").empty());
}

TEST_CASE("evidence masks the address found inside blobs, layers and compressed tokens too", "[leak]") {
  // The shapes above (issue 9) meet the evidence promise (issue 12, finding 1): what find() reports, mask()
  // hides, and the masked URL parsed back has nothing left to report.
  LeakDetector d({"Jane.Doe@Example.org"});
  for (const char* text :
       {"https://act.example/page/m/eyJlbWFpbCI6ImphbmUuZG9lXHUwMDQwZXhhbXBsZS5vcmciLCJzcmMiOiJlbSIsImxpc3QiOjd9",
        "https://t.news.example/f/a/Yl9hbGxfdG9nZXRoZXI~~/AAQ4Zx4~/"
        "AVcDc3BjQgoAAQIDBAUGBwgJUhRqYW5lLmRvZUBleGFtcGxlLm9yZ1gEAAAAAQ~~",
        "https://t.example/o?d=YW1GdVpTNWtiMlZBWlhoaGJYQnNaUzV2Y21jPQ==",
        "https://t.example/o?p=ZW1haWw9amFuZS5kb2UlNDBleGFtcGxlLm9yZyZ4PTE%3D",
        "http://open.shop.example/background.jpeg?"
        "am9iX2lkLzM1MTY0MjcvZW1haWxfaWQvMjM5MTc3NjUyL2VtYWlsL0pBTkUuRE9FQEVYQU1QTEUuT1JHL2JpZC8xMDE0Mjg0MC8=",
        "https://t.example/o?r=aWQ9NDI7dG89SmFuZS5Eb2VARXhhbXBsZS5vcmc7bj0x",
        "https://email.mg.news.example/o/"
        "eJyrVspQslJKNE82SDY3TEtKNDJX0lEqAgplJeal6qXkpzqkViTmFuSk6uUXpQOlSpWsTIxqAbCSEDY="}) {
    auto url = parse_url(text);
    REQUIRE(url);
    REQUIRE_FALSE(d.find(*url).empty());
    check_no_leak_left(d, d.mask(*url));
  }
  // Inside a binary record, only the characters that carry the address are replaced: the host, the path before
  // it and the record's other fields stay readable.
  auto spark = parse_url(
      "https://t.news.example/f/a/Yl9hbGxfdG9nZXRoZXI~~/AAQ4Zx4~/"
      "VwNzcGNCCgABAgMEBQYHCAlSFGphbmUuZG9lQGV4YW1wbGUub3JnWAQAAAAB~");
  REQUIRE(spark);
  const std::string masked = d.mask(*spark);
  CHECK(masked.find("[email:base64]") != std::string::npos);
  CHECK(masked.starts_with("https://t.news.example/f/a/"));
  check_no_leak_left(d, masked);
}

TEST_CASE("a message scope keeps each part's leaks: the same findings, a part searched once", "[leak][memo]") {
  const LeakDetector d({"Jane.Doe@Example.org"});
  const LeakDetector other({"someone@else.example"});
  // Real-mail shape: a newsletter's links all carry the same base64 token (utm fields with the address), under
  // different keys, beside per-link ids; one link carries it twice, one in the path too.
  const std::string token = "dXRtX3NvdXJjZT1hY3MmdXRtX2VtYWlsPWphbmUuZG9lJTQwZXhhbXBsZS5vcmcmdXRtX2NhbXBhaWduPXg";
  const std::vector<std::string> urls = {
      "https://t1.mail.example/r/?id=h3bb06546,7f01711,8354f12&e=" + token,
      "https://t1.mail.example/r/?id=h3bb06546,7f01711,8354f13&e=" + token,
      "https://t1.mail.example/r/?id=h3bb06546,7f01711,8354f14&p=" + token + "&e=" + token,
      "https://t1.mail.example/r/" + token + "?u=" + std::string(kMd5),
      "https://t1.mail.example/r/?id=1&" + std::string(kSha256) + "=1",
      "https://t1.mail.example/o.gif?u=jane.doe%40example.org&v=jane.doe%2540example.org",
      "https://t1.mail.example/o.gif?nothing=here",
  };
  std::vector<std::vector<Leak>> alone;
  std::vector<std::string> masked_alone;
  std::vector<std::string> other_masked_alone;
  LeakDetector::SearchCost cost_alone;
  for (const auto& s : urls) {
    alone.push_back(d.find(*parse_url(s), &cost_alone));
    masked_alone.push_back(d.mask(*parse_url(s)));
    other_masked_alone.push_back(other.mask(*parse_url(s), alone.back()));  // leaky: its parts are masked
  }
  LeakDetector::SearchCost cost_scoped;
  {
    const LeakDetector::MessageScope scope(&d);
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t i = 0; i < urls.size(); ++i) {
        INFO(urls[i]);
        const auto found = d.find(*parse_url(urls[i]), &cost_scoped);
        REQUIRE(found.size() == alone[i].size());
        for (size_t k = 0; k < found.size(); ++k) {
          CHECK(found[k].encoding == alone[i][k].encoding);
          CHECK(found[k].where == alone[i][k].where);
          CHECK(found[k].address_index == alone[i][k].address_index);
        }
        CHECK(d.mask(*parse_url(urls[i])) == masked_alone[i]);
        // Another detector on the same thread does not read this detector's memo.
        CHECK(other.find(*parse_url(urls[i])).empty());
        CHECK(other.mask(*parse_url(urls[i]), alone[i]) == other_masked_alone[i]);
      }
    }
    CHECK(scope.memo().masked.size() > 0);  // the long parts of the leaky URLs, masked once each
    CHECK(LeakDetector::MessageScope::current() == &scope.memo());
  }
  CHECK(LeakDetector::MessageScope::current() == nullptr);
  CHECK(has(alone[2], "base64-embedded", "query:p"));
  CHECK(has(alone[2], "base64-embedded", "query:e"));
  // Twice over every URL in scope, against once without: the token is decoded only the first time.
  CHECK(cost_alone.decoded_bytes > 0);
  CHECK(cost_scoped.decoded_bytes < cost_alone.decoded_bytes);
}

TEST_CASE("a text memo is bounded in entries and bytes; scopes nest", "[leak][memo]") {
  TextMemo<int> memo;
  for (size_t i = 0; i < TextMemo<int>::kMaxEntries + 10; ++i) memo.put("k" + std::to_string(i), static_cast<int>(i));
  CHECK(memo.size() == TextMemo<int>::kMaxEntries);
  CHECK(*memo.find("k7") == 7);
  CHECK(memo.find("k" + std::to_string(TextMemo<int>::kMaxEntries)) == nullptr);
  TextMemo<int> big;
  const std::string half(TextMemo<int>::kMaxKeyBytes / 2, 'a');
  big.put(half, 1);
  big.put(half + "b", 2);  // past the byte bound: not kept
  big.put("c", 3);
  CHECK(big.size() == 2);
  CHECK(big.find(half + "b") == nullptr);
  CHECK(*big.find("c") == 3);

  const LeakDetector a({"a@x.example"});
  const LeakDetector b({"b@x.example"});
  {
    const LeakDetector::MessageScope outer(&a);
    {
      const LeakDetector::MessageScope inner(&b);
      CHECK(LeakDetector::MessageScope::current()->detector == &b);
      CHECK_FALSE(a.find(*parse_url("https://t.example/?e=a%40x.example")).empty());
    }
    CHECK(LeakDetector::MessageScope::current()->detector == &a);
  }
}

namespace {

/// looks_like_personal_token's rule written out character class by character class: the oracle of the table
/// the detector counts with.
bool token_oracle(std::string_view v) {
  if (v.size() < 10) return false;
  size_t digits = 0, letters = 0, hex = 0, dashes = 0;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      ++letters;
    } else if (c == '-' || c == '_') {
      ++dashes;
    } else if (c != '=' && c != '+' && c != '/' && c != '.' && c != '~') {
      return false;
    }
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) ++hex;
  }
  if (letters == 0) return digits >= 10;
  if (v.size() == 36 && dashes == 4 && hex == 32) return true;
  if (hex == v.size() && v.size() >= 16) return true;
  if (v.size() >= 16 && digits >= 2 && letters >= 2) {
    if (dashes * 8 >= v.size()) return false;
    // The slug test, as the detector has it: two separators and two lower-case words of three letters or more.
    size_t separators = 0, words = 0, start = 0;
    for (size_t i = 0; i <= v.size(); ++i) {
      if (i < v.size() && v[i] != '-' && v[i] != '_') continue;
      if (i < v.size()) ++separators;
      const std::string_view part = v.substr(start, i - start);
      if (part.size() >= 3 && std::all_of(part.begin(), part.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
        ++words;
      }
      start = i + 1;
    }
    return !(separators >= 2 && words >= 2);
  }
  return false;
}

/// Every kind of byte a URL value holds, and some it should not.
constexpr std::string_view kTokenAlphabet = "0123456789abcdefxyzABCDEFXYZ-_=+/.~ %@\x80";

/// A small deterministic generator: next(n) is in [0, n).
struct Lcg {
  uint32_t seed;
  uint32_t operator()(uint32_t n) {
    seed = seed * 1664525u + 1013904223u;
    return (seed >> 8) % n;
  }
};

}  // namespace

TEST_CASE("looks_like_personal_token agrees with its rule on generated values, long ones included", "[leak]") {
  const std::string alphabet(kTokenAlphabet);
  Lcg next{99};
  size_t tokens = 0;
  for (int round = 0; round < 20000; ++round) {
    // Mostly one class of characters, as real values are: hex ids, digit runs, base64, slugs.
    const std::string_view classes[] = {"0123456789", "0123456789abcdef", "abcdefghijklmnopqrstuvwxyz-", "ABCxyz0189-_",
                                        alphabet};
    const std::string_view from = classes[next(5)];
    std::string v(8 + next(40), ' ');
    for (char& c : v) c = from[next(static_cast<uint32_t>(from.size()))];
    if (next(4) == 0) v[next(static_cast<uint32_t>(v.size()))] = alphabet[next(static_cast<uint32_t>(alphabet.size()))];
    INFO(v);
    CHECK(looks_like_personal_token(v) == token_oracle(v));
    tokens += token_oracle(v);
  }
  CHECK(tokens > 1000);  // the generator makes both kinds
  // Past one 16-bit lane of counts: 70,000 hex digits, and the same with a space at the very end.
  const std::string long_hex(70000, 'a');
  CHECK(looks_like_personal_token(long_hex));
  CHECK_FALSE(looks_like_personal_token(long_hex + " "));
  CHECK(looks_like_personal_token(std::string(70000, '7')));
}

TEST_CASE("looks_like_personal_token in a token scope: the same answers, long values counted once", "[leak][memo]") {
  const std::string alphabet(kTokenAlphabet);
  Lcg next{7};
  std::vector<std::string> values;
  for (int i = 0; i < 2000; ++i) {
    const std::string_view classes[] = {"0123456789abcdef", "ABCxyz0189-_", "abcdefghijklmnopqrstuvwxyz-", alphabet};
    const std::string_view from = classes[next(4)];
    std::string v(8 + next(200), ' ');
    for (char& c : v) c = from[next(static_cast<uint32_t>(from.size()))];
    values.push_back(std::move(v));
  }
  std::set<std::string> long_ones;
  for (const auto& v : values) {
    if (v.size() >= kPersonalTokenMemoFrom) long_ones.insert(v);
  }
  REQUIRE(long_ones.size() > 500);
  PersonalTokenScope scope;
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& v : values) {
      INFO(v);
      REQUIRE(looks_like_personal_token(v) == token_oracle(v));
    }
  }
  CHECK(scope.memo().size() == long_ones.size());  // only values of 64 bytes or more are kept
  {
    PersonalTokenScope inner;  // a nested scope starts empty and gives the outer one back at its end
    CHECK(looks_like_personal_token(*long_ones.begin()) == token_oracle(*long_ones.begin()));
    CHECK(inner.memo().size() == 1);
  }
  CHECK(PersonalTokenScope::current() == &scope.memo());
}
