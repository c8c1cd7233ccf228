/// Export of a MailVeil signature list to Adblock Plus filter syntax, so that ABP engines (Ghostery's adblocker,
/// uBlock Origin) can be run on exactly our rules (tools/bench-vs-ghostery.sh, docs/evaluation.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signature_list.h"

namespace mailveil {

/// Converts an RE2 pattern to the source of an equivalent JavaScript RegExp, written for a `/.../` filter
/// (slashes escaped). `*case_insensitive` is set when the pattern starts with `(?i)`, which is dropped. Returns
/// nullopt with *reason for RE2-only syntax: inline flags elsewhere, `\C`, `\p{..}`, `\Q..\E`, `[[:alpha:]]`.
std::optional<std::string> re2_to_js_regex(std::string_view pattern, bool* case_insensitive, std::string* reason);

/// The filter-list text and what could not be expressed.
struct AbpExport {
  std::string text;                  ///< `[Adblock Plus 2.0]` header, comments, one filter per line
  size_t filters = 0;                ///< filter lines written
  std::vector<std::string> skipped;  ///< "<tracker id>: <pattern>: <reason>"
};

/// Writes every tracker of the list as network filters, with uBlock Origin / Ghostery type semantics:
///  - `domains` d          -> `||d^`                 (d and its subdomains)
///  - `hosts` h            -> `|http://h^`, `|https://h^`   (that host only)
///  - `patterns` p         -> `/p/$match-case`       (RE2 patterns are case-sensitive; `(?i)` ones are not)
///  - applies_to pixel only -> `$~document` (every request but a top-level navigation); link only ->
///    `$document`; both -> no type option (which these engines read as every type, documents included).
/// Filters are grouped per tracker under a `! id: name (company)` comment.
AbpExport export_abp(const SignatureList& list, const std::string& title);

}  // namespace mailveil
