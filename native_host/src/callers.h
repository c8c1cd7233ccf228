/// Which browser extensions may drive this host: the ids it was installed for (docs/protocol.md, Caller check).
#pragma once

#include <string>
#include <vector>

namespace mailveil {

/// The published extension's ids, always allowed.
inline constexpr const char* kChromeExtensionOrigin = "chrome-extension://celkdkpfmogfmihpiofdidjkhbcliejm/";
inline constexpr const char* kFirefoxExtensionId = "mailveil@mailveil.org";

/// Allowed Chrome origins and Firefox ids.
struct AllowedCallers {
  std::vector<std::string> origins;     ///< "chrome-extension://<id>/"
  std::vector<std::string> extensions;  ///< Firefox add-on ids
};

/// Built-in ids plus those in `callers_file` (the installer's mailveil-host.callers.json), if readable.
AllowedCallers load_allowed_callers(const std::string& callers_file);

/// How the browser launched us: Chrome passes the origin first; Firefox the manifest path then the add-on id.
/// Returns the caller ("" when the arguments are not a browser launch).
std::string caller_from_args(const std::vector<std::string>& args);

/// True when the caller is allowed.
bool is_allowed_caller(const AllowedCallers& allowed, const std::string& caller);

}  // namespace mailveil
