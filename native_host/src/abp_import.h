/// Import of Adblock Plus / EasyPrivacy network filters into MailVeil tracker entries (docs/updates.md).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signature_list.h"

namespace mailveil {

/// One filter converted to a tracker entry shape (domains or patterns, applies_to).
struct AbpFilter {
  bool exception = false;  ///< an `@@` filter
  Tracker entry;           ///< id, name, company and category are left for the importer to fill
  std::string filter;      ///< the filter as written (trimmed)
  size_t line = 0;         ///< 1-based line number, set by the importer
};

/// Converts one filter line. Returns nullopt with the reason when the filter is unsupported; comments,
/// headers and blank lines return nullopt with an empty reason.
std::optional<AbpFilter> convert_abp_filter(std::string_view line, std::string* reason);

/// Converts an ABP URL pattern (no `@@`, no `$options`) into an RE2 pattern with ABP semantics: `||` anchors
/// at a host label, `|` at the start or end, `^` is a separator character or the end, `*` any run.
/// Case-insensitive unless match_case.
std::string abp_pattern_to_re2(std::string_view pattern, bool match_case);

/// Settings of an import.
struct AbpImportOptions {
  std::string title;                   ///< name of the list; default: its "! Title:" header, else "imported list"
  std::string category = "analytics";  ///< category given to every entry
  std::string id_prefix = "user-";     ///< ids are prefix + line number (exceptions: prefix + "x" + line)
};

/// Counts of an import. filters == imported + exceptions + duplicates + unsupported.
struct AbpImportStats {
  size_t lines = 0;        ///< all lines
  size_t comments = 0;     ///< blank lines, `!` comments, `[Adblock Plus …]` headers
  size_t filters = 0;      ///< every other line
  size_t imported = 0;     ///< blocking filters turned into entries
  size_t exceptions = 0;   ///< `@@` filters kept as exceptions
  size_t duplicates = 0;   ///< supported filters identical to an earlier one
  size_t unsupported = 0;  ///< filters skipped, by reason below
  std::map<std::string, size_t> unsupported_reasons;
};

/// Result of importing a whole list.
struct AbpImport {
  std::string title;
  std::vector<AbpFilter> trackers;    ///< blocking filters, entries filled in
  std::vector<AbpFilter> exceptions;  ///< `@@` filters, entries filled in
  AbpImportStats stats;
};

/// Imports a list in Adblock Plus syntax. Never fails: unsupported filters are counted.
AbpImport import_abp_list(std::string_view text, const AbpImportOptions& options);

/// The entries of `filters` (an import's trackers or exceptions) as a list the Matcher takes, without the JSON
/// round trip of user_list_json: what the host would serve after reading the user list back.
std::shared_ptr<SignatureList> imported_list(const std::vector<AbpFilter>& filters);

/// Serialises an import as a user list file (docs/updates.md): the signature list format plus an
/// `exceptions` array and an informative `import` object. `source_name` names the imported file.
std::string user_list_json(const AbpImport& import, const std::string& source_name);

}  // namespace mailveil
