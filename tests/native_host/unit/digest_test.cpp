#include "digest.h"

#include <catch2/catch.hpp>
#include <functional>
#include <optional>
#include <random>
#include <string>

using namespace mailveil;

namespace {

/// base64_decode as it was written before the table: six bits at a time, one branch per character class.
std::optional<std::string> reference_decode(std::string_view text) {
  const size_t padded_size = text.size();
  size_t padding = 0;
  while (!text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++padding;
  }
  if (padding > 2 || (padding > 0 && padded_size % 4 != 0)) return std::nullopt;
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      v = 62;
    } else if (c == '/' || c == '_') {
      v = 63;
    } else {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

void check_same(const std::string& text) {
  std::string got = "stale";
  const bool ok = base64_decode(text, &got);
  const auto want = reference_decode(text);
  INFO("text \"" << text << "\"");
  REQUIRE(ok == want.has_value());
  if (ok) REQUIRE(got == *want);
}

}  // namespace

TEST_CASE("base64_decode agrees with a six-bits-at-a-time decoder on every short text and on long ones", "[digest]") {
  // Every text of up to 6 characters over letters of each class, both alphabets' extras, padding and a stranger.
  const std::string alphabet = "Az09+-/_=.";
  std::string text;
  std::function<void(size_t)> all = [&](size_t left) {
    check_same(text);
    if (left == 0) return;
    for (char c : alphabet) {
      text.push_back(c);
      all(left - 1);
      text.pop_back();
    }
  };
  all(6);

  // Long texts with one invalid byte (or padding) at each place, and every byte value once.
  std::mt19937 random(7);
  for (int round = 0; round < 200; ++round) {
    std::string data(static_cast<size_t>(random() % 90), '\0');
    for (char& c : data) c = static_cast<char>(random());
    for (std::string encoded : {base64_encode(data), base64url_encode(data)}) {
      std::string decoded;
      REQUIRE(base64_decode(encoded, &decoded));
      REQUIRE(decoded == data);
      if (encoded.empty()) continue;
      encoded[random() % encoded.size()] = static_cast<char>(random());
      check_same(encoded);
    }
  }
  for (int b = 0; b < 256; ++b) check_same("QUJD" + std::string(1, static_cast<char>(b)) + "RA");
}

TEST_CASE("is_base64_char takes both alphabets and nothing else", "[digest]") {
  int count = 0;
  for (int b = 0; b < 256; ++b) count += is_base64_char(static_cast<char>(b));
  CHECK(count == 66);
  CHECK(is_base64_char('-'));
  CHECK(is_base64_char('/'));
  CHECK_FALSE(is_base64_char('='));
  CHECK_FALSE(is_base64_char('.'));
}
