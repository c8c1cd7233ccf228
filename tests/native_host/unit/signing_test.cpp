#include "signing.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "digest.h"
#include "update_test_support.h"

using namespace mailveil;
using namespace mailveil::test;

TEST_CASE("signature files must be strict base64 of 64 bytes", "[signing]") {
  const std::string raw(64, '\x5a');
  std::string out;
  std::string err;
  CHECK(decode_signature_file(base64_encode(raw), &out, &err));
  CHECK(out == raw);
  CHECK(decode_signature_file("\n " + base64_encode(raw) + "\r\n", &out, &err));
  const std::string good = base64_encode(raw);  // 88 characters, ends with "=="
  for (const std::string& bad :
       std::vector<std::string>{good.substr(0, 87),                          // length not a multiple of 4
                                good.substr(0, 40) + " " + good.substr(41),  // whitespace inside
                                good.substr(0, 86) + "A=",                   // padding then data
                                "=" + good.substr(1),                        // padding first
                                good.substr(0, 10) + "*" + good.substr(11),  // not in the alphabet
                                good.substr(0, 10) + "-" + good.substr(11),  // URL-safe alphabet
                                base64_encode(std::string(63, 'a')),         // 63 bytes
                                base64_encode(std::string(65, 'a'))}) {      // 65 bytes
    INFO(bad);
    CHECK_FALSE(decode_signature_file(bad, &out, &err));
    CHECK(err.find("malformed") != std::string::npos);
  }
}

TEST_CASE("a signature made with the test key verifies over exactly the signed bytes", "[signing]") {
  const std::string data = list_json(2026112301);
  const std::string sig = test_sign(data);
  std::string err;
  CHECK(verify_signature(data, sig, test_keys(), &err));

  SECTION("one changed byte in the list") {
    std::string tampered = data;
    tampered[tampered.find("alpha")] = 'A';
    CHECK_FALSE(verify_signature(tampered, sig, test_keys(), &err));
    CHECK(err == "signature does not match the list");
  }
  SECTION("a trailing newline added to the list") {
    CHECK_FALSE(verify_signature(data + "\n", sig, test_keys(), &err));
  }
  SECTION("one flipped bit in the signature") {
    std::string raw;
    REQUIRE(decode_signature_file(sig, &raw, &err));
    raw[10] = static_cast<char>(raw[10] ^ 0x01);
    CHECK_FALSE(verify_signature(data, base64_encode(raw), test_keys(), &err));
    CHECK(err == "signature does not match the list");
  }
  SECTION("a signature file that is not 64 bytes of base64") {
    CHECK_FALSE(verify_signature(data, "c2hvcnQ=", test_keys(), &err));
    CHECK(err.find("malformed") != std::string::npos);
    CHECK_FALSE(verify_signature(data, "<html>404</html>", test_keys(), &err));
    CHECK(err.find("malformed") != std::string::npos);
  }
  SECTION("whitespace around the signature is accepted") {
    CHECK(verify_signature(data, "  \n" + sig + "\r\n", test_keys(), &err));
  }
  SECTION("no trusted key") {
    CHECK_FALSE(verify_signature(data, sig, {}, &err));
    CHECK(err.find("no trusted signing key") != std::string::npos);
  }
}

TEST_CASE("the compiled-in keys do not trust the test key unless built with MAILVEIL_TEST_KEYS", "[signing]") {
  const auto& keys = compiled_in_keys();
  REQUIRE_FALSE(keys.empty());
  const std::string data = list_json(7);
  std::string err;
#ifdef MAILVEIL_TEST_KEYS
  CHECK(verify_signature(data, test_sign(data), keys, &err));
#else
  CHECK(std::find(keys.begin(), keys.end(), test_only_public_key()) == keys.end());
  CHECK_FALSE(verify_signature(data, test_sign(data), keys, &err));
  CHECK(err == "signature does not match the list");
#endif
}

TEST_CASE("the compiled test-only key is the one in tests/data/keys", "[signing]") {
  CHECK(test_keys().front() == test_only_public_key());
}

TEST_CASE("a key from another pair does not verify", "[signing]") {
  // Flip the key: a valid curve point is not needed for the check to fail, only a different key.
  PublicKey other = test_keys().front();
  other[0] = static_cast<uint8_t>(other[0] ^ 0x40);
  const std::string data = list_json(8);
  std::string err;
  CHECK_FALSE(verify_signature(data, test_sign(data), {other}, &err));
  // ...while a key list that also holds the right key verifies.
  CHECK(verify_signature(data, test_sign(data), {other, test_keys().front()}, &err));
}

TEST_CASE("PEM parsing accepts Ed25519 public keys only", "[signing]") {
  PublicKey key{};
  std::string err;
  CHECK(parse_public_key_pem(slurp(test_data("keys/test-only-ed25519-public.pem")), &key, &err));
  CHECK_FALSE(parse_public_key_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", &key, &err));
  CHECK_FALSE(parse_public_key_pem(slurp(test_data("keys/test-only-ed25519-private.pem")), &key, &err));
}

TEST_CASE("tools/mailveil-sign produces signatures the host verifies", "[signing][tool]") {
  TempDir dir;
  const std::string tool = std::string(MAILVEIL_TEST_DATA) + "/../../tools/mailveil-sign";
  const std::string list = dir / "trackers.json";
  spit(list, list_json(2026112302));
  std::string cmd =
      "'" + tool + "' sign '" + test_data("keys/test-only-ed25519-private.pem") + "' '" + list + "' >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::string err;
  CHECK(verify_signature(slurp(list), slurp(list + ".sig"), test_keys(), &err));

  // The tool refuses to sign a list that would not load.
  const std::string broken = dir / "broken.json";
  spit(broken, "{\"format_version\": 2, \"list_version\": 1, \"trackers\": []}");
  cmd =
      "'" + tool + "' sign '" + test_data("keys/test-only-ed25519-private.pem") + "' '" + broken + "' >/dev/null 2>&1";
  CHECK(std::system(cmd.c_str()) != 0);
  CHECK_FALSE(file_exists(broken + ".sig"));
}

TEST_CASE("release keys: one or two (a rotation), never the test key; a test build adds only the test key",
          "[signing][security]") {
  const std::vector<PublicKey> release = release_keys();
  REQUIRE_FALSE(release.empty());
  CHECK(release.size() <= 2);
  CHECK(std::find(release.begin(), release.end(), test_only_public_key()) == release.end());
  std::vector<PublicKey> expected = release;
  if (kTestKeysBuild) expected.push_back(test_only_public_key());
  CHECK(compiled_in_keys() == expected);
}

TEST_CASE("no private key is in the repository but the public test-only one", "[signing][security]") {
  // The release keys' private halves live offline (docs/updates.md); a private key committed by mistake fails
  // the suite.
  namespace fs = std::filesystem;
  const fs::path root = fs::path(MAILVEIL_TEST_DATA).parent_path().parent_path();
  std::vector<std::string> found;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied);
       it != fs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() &&
        (name == ".git" || name == "node_modules" || name == "dist" || name.starts_with("build"))) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->file_size() > (1u << 20)) continue;
    // PEM private keys of any kind ("BEGIN PRIVATE KEY", "BEGIN OPENSSH PRIVATE KEY"...), spelled in two parts
    // so that this file does not match itself.
    if (slurp(it->path().string()).find(std::string("PRIVATE ") + "KEY-----") != std::string::npos) {
      found.push_back(fs::relative(it->path(), root).string());
    }
  }
  CHECK(found == std::vector<std::string>{"tests/data/keys/test-only-ed25519-private.pem"});
}
