#include "framing.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <sstream>

using namespace mailveil;

namespace {

std::string frame(const std::string& payload) {
  uint32_t n = static_cast<uint32_t>(payload.size());
  std::string out(reinterpret_cast<const char*>(&n), 4);
  return out + payload;
}

std::string length_only(uint32_t n) {
  return std::string(reinterpret_cast<const char*>(&n), 4);
}

}  // namespace

TEST_CASE("frames are read in sequence until a clean EOF", "[framing]") {
  std::istringstream in(frame("{\"a\":1}") + frame("") + frame("xyz"));
  FrameReader r(in, 100);
  std::string p;
  uint64_t declared = 0;
  REQUIRE(r.read(&p, &declared) == ReadStatus::kOk);
  CHECK(p == "{\"a\":1}");
  REQUIRE(r.read(&p, &declared) == ReadStatus::kOk);
  CHECK(p.empty());
  REQUIRE(r.read(&p, &declared) == ReadStatus::kOk);
  CHECK(p == "xyz");
  CHECK(r.read(&p, &declared) == ReadStatus::kEof);
}

TEST_CASE("a truncated prefix or payload is reported as truncated", "[framing]") {
  std::string p;
  uint64_t d = 0;
  std::istringstream short_prefix(std::string("\x05\x00", 2));
  CHECK(FrameReader(short_prefix, 100).read(&p, &d) == ReadStatus::kTruncated);
  std::istringstream short_body(length_only(10) + "abc");
  CHECK(FrameReader(short_body, 100).read(&p, &d) == ReadStatus::kTruncated);
}

TEST_CASE("an oversized length is skipped without allocation and the stream stays in sync", "[framing]") {
  std::string big(500, 'x');
  std::istringstream in(frame(big) + frame("next"));
  FrameReader r(in, 100);
  std::string p = "untouched";
  uint64_t declared = 0;
  CHECK(r.read(&p, &declared) == ReadStatus::kTooLarge);
  CHECK(declared == 500);
  CHECK(p == "untouched");  // nothing was read into the payload
  REQUIRE(r.read(&p, &declared) == ReadStatus::kOk);
  CHECK(p == "next");

  // A 4 GiB claim with nothing behind it: truncated, not an allocation of 4 GiB.
  std::istringstream huge(length_only(0xFFFFFFFFu));
  CHECK(FrameReader(huge, 100).read(&p, &declared) == ReadStatus::kTruncated);
}

TEST_CASE("writer writes native-endian length prefix and refuses oversized payloads", "[framing]") {
  std::ostringstream out;
  FrameWriter w(out, 8);
  CHECK(w.write("hello"));
  CHECK_FALSE(w.write("123456789"));
  std::string s = out.str();
  REQUIRE(s.size() == 9);
  uint32_t n = 0;
  std::memcpy(&n, s.data(), 4);
  CHECK(n == 5);
  CHECK(s.substr(4) == "hello");
}
