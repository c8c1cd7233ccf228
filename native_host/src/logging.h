/// Logging to a file (never stdout: stdout carries frames only). Addresses must be masked by callers.
#pragma once

#include <string>

namespace mailveil {

/// Sends spdlog's default logger to `path` (directories created). On failure logs go nowhere, silently:
/// a host that cannot log must still serve. Returns false in that case.
bool init_file_logging(const std::string& path);

/// Logging off (the default for the CLI and tests until init_file_logging is called).
void init_null_logging();

}  // namespace mailveil
