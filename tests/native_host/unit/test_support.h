// Shared helpers for the unit tests: fixture paths and a fixture engine.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "classifier.h"
#include "signature_list.h"

namespace mailveil::test {

/// RE2 options as the Matcher compiles patterns (byte mode), for reference matchers in the tests.
inline RE2::Options matcher_re2_options(int64_t max_mem = 64 << 20) {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_max_mem(max_mem);
  return o;
}

inline std::string data_path(const std::string& rel) {
  return std::string(MAILVEIL_TEST_DATA) + "/" + rel;
}

/// The small fixture list tests/data/signatures/test-list.json, loaded once.
inline std::shared_ptr<const SignatureList> fixture_list() {
  static std::shared_ptr<const SignatureList> list = [] {
    std::string err;
    auto l = load_signature_list(data_path("signatures/test-list.json"), &err);
    if (!l) throw std::runtime_error(err);
    return l;
  }();
  return list;
}

/// The shipped list signatures/trackers.json, loaded once.
inline std::shared_ptr<const SignatureList> shipped_list() {
  static std::shared_ptr<const SignatureList> list = [] {
    std::string err;
    auto l = load_signature_list(std::string(MAILVEIL_SOURCE_DIR) + "/signatures/trackers.json", &err);
    if (!l) throw std::runtime_error(err);
    return l;
  }();
  return list;
}

inline const Engine& fixture_engine() {
  static Engine engine(fixture_list());
  return engine;
}

/// An element with the given kind/url and optional declared size.
inline Element element(ElementKind kind, std::string url, int w = -1, int h = -1, bool visible = true) {
  Element e;
  e.kind = kind;
  e.url = std::move(url);
  e.declared = {w, h};
  e.visible = visible;
  return e;
}

/// One opened mail from `sender` to jane.doe@example.org (the reader) with these elements, numbered e0, e1, ...
inline Email mail_with(std::vector<Element> elements, std::string sender = "news@telecom.example") {
  Email e;
  e.message_id = "m1";
  e.webmail = "gmail";
  e.sender = std::move(sender);
  e.user_addresses = {"jane.doe@example.org"};
  for (size_t i = 0; i < elements.size(); ++i) elements[i].ref = "e" + std::to_string(i);
  e.elements = std::move(elements);
  return e;
}

/// A list of twenty entries whose patterns (prefix + a 160-byte group repeated 1000 times) each parse and
/// compile alone but overflow one set together, followed by entry "fine" with `fine_pattern`.
inline std::string overflowing_list(const std::string& prefix, const std::string& fine_pattern) {
  std::string body;
  for (int i = 0; i < 80; ++i) body += "ab";
  nlohmann::json trackers = nlohmann::json::array();
  for (int i = 0; i < 20; ++i) {
    trackers.push_back({{"id", "huge-" + std::to_string(i)},
                        {"name", "Huge"},
                        {"company", "X"},
                        {"category", "esp"},
                        {"patterns", {prefix + "(?:" + body + "){1000}" + std::to_string(i)}}});
  }
  trackers.push_back(
      {{"id", "fine"}, {"name", "Fine"}, {"company", "Y"}, {"category", "esp"}, {"patterns", {fine_pattern}}});
  return nlohmann::json({{"format_version", 1}, {"list_version", 1}, {"trackers", trackers}}).dump();
}

}  // namespace mailveil::test
