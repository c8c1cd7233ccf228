#include "signing.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <iterator>
#include <memory>
#include <string>

#include "digest.h"
#include "dynamic_library.h"

namespace mailveil {
namespace {

// The release keys: the public halves of the keys that sign published lists (docs/updates.md, "Keys"). The
// private halves never enter the repository; the maintainers keep them offline. Normally one key; during a key
// rotation, one release carries two (the outgoing and the incoming one), and the next release drops the old.
// `tools/mailveil-sign pubkey-array KEY.pem` prints an entry.
constexpr PublicKey kReleaseKeys[] = {
    // mailveil-release-2026: generated 2026-11-23 (issue #4).
    {
        0xf6, 0x04, 0xf3, 0x1e, 0xbf, 0xf1, 0x0b, 0x42, 0x46, 0x0d, 0x1a, 0x0f, 0xd7, 0x51, 0xe7, 0x11,
        0xc1, 0x2b, 0x22, 0x12, 0xb2, 0x82, 0x34, 0xe1, 0x32, 0x55, 0xa3, 0x12, 0x55, 0xcb, 0x6b, 0x1f,
    },
};

// TEST-ONLY key: its private half is in tests/data/keys/test-only-ed25519-private.pem, i.e. public. Trusted
// only by builds that define MAILVEIL_TEST_KEYS.
constexpr PublicKey kTestOnlyKey = {
    0x17, 0x18, 0x72, 0x3d, 0xb8, 0x24, 0xd6, 0x4a, 0x06, 0xd7, 0xc8, 0x5e, 0x94, 0xa2, 0xa6, 0xff,
    0xa9, 0x60, 0x7d, 0x1f, 0xb2, 0x9b, 0xca, 0x9e, 0xae, 0xcc, 0xd2, 0xea, 0x76, 0x29, 0x09, 0x70,
};

// libcrypto is loaded with dlopen when a signature is first checked or made (an update, an import, `sign`), not
// linked: the browser starts the host with every webmail tab, and mapping libcrypto cost each start some 5 ms of
// relocations (21,000 of them, bound at load) on our VM, for an update that comes once a day. The digests the
// leak detector needs come from nettle, linked statically (digest.cpp). The Debian package libssl3 provides
// libcrypto.so.3; the header's OPENSSL_VERSION_MAJOR names the soname this was built against.
constexpr char kCryptoLibrary[] = "libcrypto.so." MV_STRINGIFY(OPENSSL_VERSION_MAJOR);

struct CryptoApi {
  decltype(&::EVP_PKEY_new_raw_public_key) new_raw_public_key = nullptr;
  decltype(&::EVP_PKEY_get_raw_public_key) get_raw_public_key = nullptr;
  decltype(&::EVP_PKEY_get_id) get_id = nullptr;
  decltype(&::EVP_PKEY_free) pkey_free = nullptr;
  decltype(&::EVP_MD_CTX_new) md_ctx_new = nullptr;
  decltype(&::EVP_MD_CTX_free) md_ctx_free = nullptr;
  decltype(&::EVP_DigestVerifyInit) verify_init = nullptr;
  decltype(&::EVP_DigestVerify) verify = nullptr;
  decltype(&::EVP_DigestSignInit) sign_init = nullptr;
  decltype(&::EVP_DigestSign) sign = nullptr;
  decltype(&::BIO_new_mem_buf) bio_new_mem_buf = nullptr;
  decltype(&::BIO_free) bio_free = nullptr;
  decltype(&::PEM_read_bio_PUBKEY) read_pubkey = nullptr;
  decltype(&::PEM_read_bio_PrivateKey) read_private_key = nullptr;
  std::string error;  ///< why it could not be loaded, or empty
};

const CryptoApi& crypto() {
  static const CryptoApi api = [] {
    CryptoApi a;
    void* lib = open_library(kCryptoLibrary, "libssl3", &a.error);  // kept loaded for the life of the process
    if (!lib) return a;
    auto bind = [lib, &a](const char* name, auto* fn) { resolve(lib, kCryptoLibrary, name, fn, &a.error); };
    bind("EVP_PKEY_new_raw_public_key", &a.new_raw_public_key);
    bind("EVP_PKEY_get_raw_public_key", &a.get_raw_public_key);
    bind("EVP_PKEY_get_id", &a.get_id);
    bind("EVP_PKEY_free", &a.pkey_free);
    bind("EVP_MD_CTX_new", &a.md_ctx_new);
    bind("EVP_MD_CTX_free", &a.md_ctx_free);
    bind("EVP_DigestVerifyInit", &a.verify_init);
    bind("EVP_DigestVerify", &a.verify);
    bind("EVP_DigestSignInit", &a.sign_init);
    bind("EVP_DigestSign", &a.sign);
    bind("BIO_new_mem_buf", &a.bio_new_mem_buf);
    bind("BIO_free", &a.bio_free);
    bind("PEM_read_bio_PUBKEY", &a.read_pubkey);
    bind("PEM_read_bio_PrivateKey", &a.read_private_key);
    return a;
  }();
  return api;
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { crypto().pkey_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { crypto().md_ctx_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const { crypto().bio_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/// Strict standard base64: length a multiple of 4, padding only at the very end, nothing outside the
/// alphabet. (digest.h's decoder is lenient on purpose, for leak detection; a signature file is not.)
bool strict_base64_decode(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 4 != 0) return false;
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=') {
        if (i + 4 != text.size() || k < 2) return false;
        ++pad;
        v[k] = 0;
      } else {
        if (pad > 0) return false;
        v[k] = base64_value(c);
        if (v[k] < 0) return false;
      }
    }
    uint32_t n = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out->push_back(char((n >> 16) & 0xff));
    if (pad < 2) out->push_back(char((n >> 8) & 0xff));
    if (pad < 1) out->push_back(char(n & 0xff));
  }
  return true;
}

bool verify_with_key(const CryptoApi& c, std::string_view data, const std::string& sig, const PublicKey& key) {
  PkeyPtr pkey(c.new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  if (!pkey) return false;
  MdCtxPtr ctx(c.md_ctx_new());
  if (!ctx) return false;
  // Ed25519 is a one-shot scheme: no digest is configured, the whole message goes to EVP_DigestVerify.
  if (c.verify_init(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) return false;
  return c.verify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                  reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

}  // namespace

const std::vector<PublicKey>& compiled_in_keys() {
  static const std::vector<PublicKey> kKeys = [] {
    std::vector<PublicKey> keys(std::begin(kReleaseKeys), std::end(kReleaseKeys));
    if (kTestKeysBuild) keys.push_back(kTestOnlyKey);
    return keys;
  }();
  return kKeys;
}

std::vector<PublicKey> release_keys() {
  return {std::begin(kReleaseKeys), std::end(kReleaseKeys)};
}

const PublicKey& test_only_public_key() {
  return kTestOnlyKey;
}

bool decode_signature_file(std::string_view text, std::string* raw, std::string* err) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  if (!strict_base64_decode(text, raw) || raw->size() != kSignatureSize) {
    *err = "the signature file is malformed (expected the base64 of a 64-byte Ed25519 signature)";
    return false;
  }
  return true;
}

bool verify_signature(std::string_view data, std::string_view signature_file, const std::vector<PublicKey>& keys,
                      std::string* err) {
  std::string sig;
  if (!decode_signature_file(signature_file, &sig, err)) return false;
  if (keys.empty()) {
    *err = "no trusted signing key is configured";
    return false;
  }
  const CryptoApi& c = crypto();
  if (!c.error.empty()) {
    *err = c.error;
    return false;
  }
  for (const auto& key : keys) {
    if (verify_with_key(c, data, sig, key)) return true;
  }
  *err = "signature does not match the list";
  return false;
}

bool parse_public_key_pem(std::string_view pem, PublicKey* key, std::string* err) {
  const CryptoApi& c = crypto();
  if (!c.error.empty()) {
    *err = c.error;
    return false;
  }
  BioPtr bio(c.bio_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    *err = "out of memory";
    return false;
  }
  PkeyPtr pkey(c.read_pubkey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey || c.get_id(pkey.get()) != EVP_PKEY_ED25519) {
    *err = "not a PEM Ed25519 public key";
    return false;
  }
  size_t len = key->size();
  if (c.get_raw_public_key(pkey.get(), key->data(), &len) != 1 || len != key->size()) {
    *err = "cannot extract the raw Ed25519 public key";
    return false;
  }
  return true;
}

bool sign_data(std::string_view data, std::string_view private_key_pem, std::string* signature_file, std::string* err) {
  const CryptoApi& c = crypto();
  if (!c.error.empty()) {
    *err = c.error;
    return false;
  }
  BioPtr bio(c.bio_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  if (!bio) {
    *err = "out of memory";
    return false;
  }
  PkeyPtr pkey(c.read_private_key(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey || c.get_id(pkey.get()) != EVP_PKEY_ED25519) {
    *err = "not a PEM Ed25519 private key";
    return false;
  }
  MdCtxPtr ctx(c.md_ctx_new());
  std::string sig(kSignatureSize, '\0');
  size_t sig_len = sig.size();
  if (!ctx || c.sign_init(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1 ||
      c.sign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
             reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      sig_len != kSignatureSize) {
    *err = "signing failed";
    return false;
  }
  *signature_file = base64_encode(sig) + "\n";
  return true;
}

}  // namespace mailveil
