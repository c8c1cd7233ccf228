#include "digest.h"

#include <openssl/evp.h>

#include <array>
#include <memory>

namespace mailveil {
namespace {

// OpenSSL 3 looks the implementation up again on every EVP_Digest call with an EVP_sha256()-style handle;
// fetching each algorithm once makes hashing an address ~10x cheaper (it runs 12 times per message).
const EVP_MD* fetched(const char* name) {
  return EVP_MD_fetch(nullptr, name, nullptr);
}

const EVP_MD* evp_md(HashAlgorithm algorithm) {
  static const EVP_MD* const kMd5 = fetched("MD5");
  static const EVP_MD* const kSha1 = fetched("SHA1");
  static const EVP_MD* const kSha224 = fetched("SHA224");
  static const EVP_MD* const kSha256 = fetched("SHA256");
  static const EVP_MD* const kSha384 = fetched("SHA384");
  static const EVP_MD* const kSha512 = fetched("SHA512");
  switch (algorithm) {
    case HashAlgorithm::kMd5: return kMd5;
    case HashAlgorithm::kSha1: return kSha1;
    case HashAlgorithm::kSha224: return kSha224;
    case HashAlgorithm::kSha256: return kSha256;
    case HashAlgorithm::kSha384: return kSha384;
    case HashAlgorithm::kSha512: return kSha512;
  }
  return kSha256;
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

void prepare_digests() {
  for (HashAlgorithm a : kHashAlgorithms) evp_md(a);
}

std::string raw_digest(HashAlgorithm algorithm, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, evp_md(algorithm), nullptr) != 1) return {};
  return std::string(reinterpret_cast<const char*>(md.data()), len);
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
  if (text.size() % 4 == 1) return false;
  out->clear();
  out->reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else
      return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

}  // namespace mailveil
