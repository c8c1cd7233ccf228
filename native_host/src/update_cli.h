/// `mailveil-host update [--rollback] [--url U] [--import-abp FILE]`: the command-line face of the updater.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "updater.h"

namespace mailveil {

/// Runs the update command with the arguments after `update` (a leading "update" is tolerated). Results go
/// to stdout, progress and errors to stderr. Returns 0 on success (including "already up to date"), 1 on
/// failure or bad usage.
int run_update_command(const std::vector<std::string>& args);

/// As above with an explicit base configuration and streams (tests).
int run_update_command(const std::vector<std::string>& args, const UpdateConfig& base, std::ostream& out,
                       std::ostream& err);

}  // namespace mailveil
