/// Registrable domains (eTLD+1) from the Public Suffix List, through libpsl.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace mailveil {

/// The registrable domain of a host by the Public Suffix List (ICANN and private sections, as browsers use it
/// for cookies and site isolation): "a.b.example.co.uk" -> "example.co.uk", "x-1.a.run.app" -> itself.
/// The host is normalised first (ASCII lower case, UTS #46 for non-ASCII labels, one trailing dot dropped).
/// A host that is itself a public suffix ("s3.amazonaws.com", "localhost") and IP literals are returned whole:
/// nobody else can register under them, so they name one owner.
std::string public_registrable_domain(std::string_view host);

/// PublicSuffixInfo::source (and `psl.source` in hello) when the list compiled into libpsl is served.
inline constexpr std::string_view kPublicSuffixBuiltin = "builtin";

/// Which list is in use.
struct PublicSuffixInfo {
  std::string libpsl;  ///< libpsl's version, "0.21.2"
  std::string date;    ///< the list's date, "2023-02-09" (UTC)
  std::string source;  ///< kPublicSuffixBuiltin (compiled into libpsl) or the path of the distribution's list file
};

/// The list libpsl serves (loaded on first use: libpsl's built-in list, or Debian's publicsuffix file when it is
/// newer).
PublicSuffixInfo public_suffix_info();

/// {"list": "2023-02-09", "source": "builtin" | path, "libpsl": "0.21.2"}: for hello and the scan outputs.
nlohmann::json public_suffix_json();

/// "2023-02-09 (libpsl 0.21.2, built-in list)": ReportVersions::psl, which reports and evidence packs show after
/// "Public Suffix List".
std::string public_suffix_text();

}  // namespace mailveil
