/// Ed25519 detached signatures over signature lists (OpenSSL's libcrypto, loaded on first use); the trusted public
/// keys are compiled in.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "digest.h"  // base64_encode / base64_decode

namespace mailveil {

/// A raw Ed25519 public key.
using PublicKey = std::array<uint8_t, 32>;

/// Size of a raw Ed25519 signature.
inline constexpr size_t kSignatureSize = 64;

/// True in a test build (CMake option MAILVEIL_TEST_KEYS, never set for releases): it also trusts the test-only
/// key, and `mailveil-host version` says so.
#ifdef MAILVEIL_TEST_KEYS
inline constexpr bool kTestKeysBuild = true;
#else
inline constexpr bool kTestKeysBuild = false;
#endif

/// The keys this build trusts to sign lists: every release key (one, or two during a key rotation), plus the
/// test-only key in a test build. Nothing at run time (environment, files) can add one.
const std::vector<PublicKey>& compiled_in_keys();

/// The release keys alone (what a release build trusts).
std::vector<PublicKey> release_keys();

/// The test-only public key (tests/data/keys/), exposed so tests can check it is not trusted by default.
const PublicKey& test_only_public_key();

/// Decodes a detached signature file: strict standard base64 (padding required, nothing outside the
/// alphabet) of the 64-byte signature, surrounding whitespace allowed. False with *err on anything else.
bool decode_signature_file(std::string_view text, std::string* raw, std::string* err);

/// Verifies `signature_file` (as read from FILE.sig) over `data` against each key in turn. True when one
/// key verifies; otherwise false with a sentence in *err ("signature does not match the list").
bool verify_signature(std::string_view data, std::string_view signature_file, const std::vector<PublicKey>& keys,
                      std::string* err);

/// Reads a public key from PEM ("-----BEGIN PUBLIC KEY-----") text.
bool parse_public_key_pem(std::string_view pem, PublicKey* key, std::string* err);

/// Signs `data` with a PEM private key and returns the signature file text (base64 + newline). Used by the
/// tests and by maintainers' tooling; the host never signs.
bool sign_data(std::string_view data, std::string_view private_key_pem, std::string* signature_file, std::string* err);

}  // namespace mailveil
