#include "callers.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

namespace mailveil {
namespace {

void append_strings(const nlohmann::json& doc, const char* key, std::vector<std::string>* out) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) return;
  for (const auto& v : *it) {
    if (v.is_string()) out->push_back(v.get<std::string>());
  }
}

}  // namespace

AllowedCallers load_allowed_callers(const std::string& callers_file) {
  AllowedCallers allowed{{kChromeExtensionOrigin}, {kFirefoxExtensionId}};
  std::ifstream in(callers_file);
  if (!in) return allowed;
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return allowed;
  append_strings(doc, "allowed_origins", &allowed.origins);
  append_strings(doc, "allowed_extensions", &allowed.extensions);
  return allowed;
}

std::string caller_from_args(const std::vector<std::string>& args) {
  if (!args.empty() && args[0].starts_with("chrome-extension://")) return args[0];
  if (args.size() >= 2 && args[0].ends_with(".json")) return args[1];
  return "";
}

bool is_allowed_caller(const AllowedCallers& allowed, const std::string& caller) {
  if (caller.starts_with("chrome-extension://")) {
    // Chrome always passes the trailing slash; accept its absence for robustness.
    std::string norm = caller.ends_with("/") ? caller : caller + "/";
    return std::find(allowed.origins.begin(), allowed.origins.end(), norm) != allowed.origins.end();
  }
  return std::find(allowed.extensions.begin(), allowed.extensions.end(), caller) != allowed.extensions.end();
}

}  // namespace mailveil
