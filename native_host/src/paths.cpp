#include "paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace mailveil {
namespace fs = std::filesystem;
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

std::string data_dir() {
  if (auto v = env_or_empty("MAILVEIL_HOME"); !v.empty()) return v;
  if (auto v = env_or_empty("XDG_DATA_HOME"); !v.empty()) return v + "/mailveil";
  if (auto v = env_or_empty("HOME"); !v.empty()) return v + "/.local/share/mailveil";
  return "/tmp/mailveil";
}

std::string signature_store_dir() {
  return data_dir() + "/signatures";
}

std::string log_file_path() {
  if (auto v = env_or_empty("MAILVEIL_LOG"); !v.empty()) return v;
  return data_dir() + "/host.log";
}

std::string executable_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return ".";
  return exe.parent_path().string();
}

std::string bundled_signatures_path() {
  if (auto v = env_or_empty("MAILVEIL_SIGNATURES"); !v.empty()) return v;
  const fs::path exe_dir = executable_dir();
  const fs::path candidates[] = {
      exe_dir / "../share/mailveil/trackers.json",
      exe_dir / "trackers.json",
      fs::path(MAILVEIL_SOURCE_DIR) / "signatures/trackers.json",
  };
  std::error_code ec;
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return fs::weakly_canonical(c, ec).string();
  }
  return (fs::path(MAILVEIL_SOURCE_DIR) / "signatures/trackers.json").string();
}

}  // namespace mailveil
