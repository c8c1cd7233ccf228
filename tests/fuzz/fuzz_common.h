// Shared by the fuzz targets: the bundled list, loaded once; logging off; small helpers for the properties.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "classifier.h"
#include "logging.h"
#include "paths.h"
#include "signature_list.h"

namespace mailveil_fuzz {

/// Stops the run with a message: libFuzzer saves the input as a crash artifact.
[[noreturn]] inline void fail(const char* property, std::string_view detail = {}) {
  std::fprintf(stderr, "\nPROPERTY VIOLATED: %s\n%.*s\n", property,
               static_cast<int>(std::min<size_t>(detail.size(), 4000)), detail.data());
  std::abort();
}

inline void check(bool ok, const char* property, std::string_view detail = {}) {
  if (!ok) fail(property, detail);
}

/// The bundled list (signatures/trackers.json, or $MAILVEIL_SIGNATURES), parsed once per process.
inline std::shared_ptr<const mailveil::SignatureList> bundled_list() {
  static const std::shared_ptr<const mailveil::SignatureList> list = [] {
    mailveil::init_null_logging();
    std::string err;
    auto l = mailveil::load_signature_list(mailveil::bundled_signatures_path(), &err, mailveil::PatternCheck::kParse);
    if (!l) fail("the bundled list loads", err);
    return l;
  }();
  return list;
}

/// An Engine over the bundled list, built once.
inline const mailveil::Engine& engine() {
  static const mailveil::Engine e(bundled_list());
  return e;
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace mailveil_fuzz
