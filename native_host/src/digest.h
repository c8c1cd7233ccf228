/// Hashes and encodings used to recognise an e-mail address hidden in a URL (nettle, linked statically).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mailveil {

enum class HashAlgorithm { kMd5, kSha1, kSha224, kSha256, kSha384, kSha512 };

/// Every algorithm above, in that order.
inline constexpr HashAlgorithm kHashAlgorithms[] = {HashAlgorithm::kMd5,    HashAlgorithm::kSha1,
                                                    HashAlgorithm::kSha224, HashAlgorithm::kSha256,
                                                    HashAlgorithm::kSha384, HashAlgorithm::kSha512};

/// Lower-case hex digest of data.
std::string hex_digest(HashAlgorithm algorithm, std::string_view data);
/// Raw (binary) digest of data.
std::string raw_digest(HashAlgorithm algorithm, std::string_view data);
/// Name used in findings: "md5", "sha1", "sha224", "sha256", "sha384", "sha512".
const char* to_string(HashAlgorithm algorithm);

/// Standard base64 (RFC 4648 §4) with '=' padding.
std::string base64_encode(std::string_view data);
/// URL-safe base64 (RFC 4648 §5) without padding.
std::string base64url_encode(std::string_view data);
/// Each byte's value in standard or URL-safe base64 ('+' and '-' are 62, '/' and '_' 63), kNotBase64 for a byte
/// of neither alphabet (padding included). The one table behind the decoder and the scans for base64 text.
inline constexpr uint8_t kNotBase64 = 0xff;
inline constexpr std::array<uint8_t, 256> kBase64Values = [] {
  std::array<uint8_t, 256> t{};
  t.fill(kNotBase64);
  for (int i = 0; i < 26; ++i) {
    t['A' + i] = static_cast<uint8_t>(i);
    t['a' + i] = static_cast<uint8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<uint8_t>(52 + i);
  t['+'] = t['-'] = 62;
  t['/'] = t['_'] = 63;
  return t;
}();
inline bool is_base64_char(char c) {
  return kBase64Values[static_cast<unsigned char>(c)] != kNotBase64;
}

/// Decodes standard or URL-safe base64, padding optional. Returns false on characters outside the alphabets
/// or an impossible length (`out` then holds nothing of use).
bool base64_decode(std::string_view text, std::string* out);
/// Lower-case hex of bytes.
std::string to_hex(std::string_view bytes);

}  // namespace mailveil
