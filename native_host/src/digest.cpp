#include "digest.h"

#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include <array>

namespace mailveil {
namespace {

/// One digest with nettle's context type and functions (linked statically: nothing to load or look up at start,
/// where OpenSSL cost the host's start some 5 ms of relocations and 2 ms of provider set-up before the first hash).
template <typename Ctx, size_t kSize>
std::string nettle_digest(void (*init)(Ctx*), void (*update)(Ctx*, size_t, const uint8_t*),
                          void (*digest)(Ctx*, size_t, uint8_t*), std::string_view data) {
  Ctx ctx;
  init(&ctx);
  update(&ctx, data.size(), reinterpret_cast<const uint8_t*>(data.data()));
  std::array<uint8_t, kSize> out{};
  digest(&ctx, out.size(), out.data());
  return std::string(reinterpret_cast<const char*>(out.data()), out.size());
}

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view data, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(alphabet[(n >> 6) & 63]);
    out.push_back(alphabet[n & 63]);
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t n = uint8_t(data[i]) << 16;
    if (rest == 2) n |= uint8_t(data[i + 1]) << 8;
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    if (rest == 2) out.push_back(alphabet[(n >> 6) & 63]);
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

}  // namespace

std::string raw_digest(HashAlgorithm algorithm, std::string_view data) {
  switch (algorithm) {
    case HashAlgorithm::kMd5: return nettle_digest<md5_ctx, MD5_DIGEST_SIZE>(md5_init, md5_update, md5_digest, data);
    case HashAlgorithm::kSha1:
      return nettle_digest<sha1_ctx, SHA1_DIGEST_SIZE>(sha1_init, sha1_update, sha1_digest, data);
    case HashAlgorithm::kSha224:
      return nettle_digest<sha256_ctx, SHA224_DIGEST_SIZE>(sha224_init, sha256_update, sha224_digest, data);
    case HashAlgorithm::kSha256:
      return nettle_digest<sha256_ctx, SHA256_DIGEST_SIZE>(sha256_init, sha256_update, sha256_digest, data);
    case HashAlgorithm::kSha384:
      return nettle_digest<sha512_ctx, SHA384_DIGEST_SIZE>(sha384_init, sha512_update, sha384_digest, data);
    case HashAlgorithm::kSha512:
      return nettle_digest<sha512_ctx, SHA512_DIGEST_SIZE>(sha512_init, sha512_update, sha512_digest, data);
  }
  return {};
}

std::string hex_digest(HashAlgorithm algorithm, std::string_view data) {
  return to_hex(raw_digest(algorithm, data));
}

const char* to_string(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kMd5: return "md5";
    case HashAlgorithm::kSha1: return "sha1";
    case HashAlgorithm::kSha224: return "sha224";
    case HashAlgorithm::kSha256: return "sha256";
    case HashAlgorithm::kSha384: return "sha384";
    case HashAlgorithm::kSha512: return "sha512";
  }
  return "?";
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string base64_encode(std::string_view data) {
  return encode(data, kStd, true);
}
std::string base64url_encode(std::string_view data) {
  return encode(data, kUrl, false);
}

bool base64_decode(std::string_view text, std::string* out) {
  // Padding is optional, but when present it must complete the last quantum ("Zm9vYg==", not "Zm9vYg=").
  const size_t padded_size = text.size();
  size_t padding = 0;
  while (!text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++padding;
  }
  if (padding > 2 || (padding > 0 && padded_size % 4 != 0)) return false;
  const size_t n = text.size();
  if (n % 4 == 1) return false;
  // Four characters make three bytes; a last group of two or three makes one or two (its spare bits dropped).
  out->resize(n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1));
  auto* o = reinterpret_cast<unsigned char*>(out->data());
  auto value = [&](size_t i) -> uint32_t { return kBase64Values[static_cast<unsigned char>(text[i])]; };
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t a = value(i), b = value(i + 1), c = value(i + 2), d = value(i + 3);
    if (((a | b | c | d) & 0xc0) != 0) return false;  // a value is below 64; kNotBase64 is not
    const uint32_t w = a << 18 | b << 12 | c << 6 | d;
    *o++ = static_cast<unsigned char>(w >> 16);
    *o++ = static_cast<unsigned char>(w >> 8);
    *o++ = static_cast<unsigned char>(w);
  }
  if (i < n) {
    const uint32_t a = value(i), b = value(i + 1), c = i + 2 < n ? value(i + 2) : 0;
    if (((a | b | c) & 0xc0) != 0) return false;
    const uint32_t w = a << 18 | b << 12 | c << 6;
    *o++ = static_cast<unsigned char>(w >> 16);
    if (i + 2 < n) *o = static_cast<unsigned char>(w >> 8);
  }
  return true;
}

}  // namespace mailveil
