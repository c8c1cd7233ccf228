/// Where the host keeps its files. Every location can be overridden by environment for tests.
#pragma once

#include <string>

namespace mailveil {

/// Per-user state directory: $MAILVEIL_HOME, else $XDG_DATA_HOME/mailveil, else ~/.local/share/mailveil.
std::string data_dir();
/// Directory holding the installed (downloaded) signature lists: data_dir()/signatures.
std::string signature_store_dir();
/// Log file: $MAILVEIL_LOG, else data_dir()/host.log.
std::string log_file_path();
/// The list shipped with the binary: $MAILVEIL_SIGNATURES, else <exe dir>/../share/mailveil/trackers.json,
/// else <exe dir>/trackers.json, else the source tree's signatures/trackers.json (development builds).
std::string bundled_signatures_path();
/// Directory of the running executable (from /proc/self/exe).
std::string executable_dir();

}  // namespace mailveil
