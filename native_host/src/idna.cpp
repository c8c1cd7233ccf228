#include "idna.h"

#include <dlfcn.h>
#include <spdlog/spdlog.h>

#define U_SHOW_CPLUSPLUS_API 0
#include <unicode/uidna.h>
#include <unicode/uvernum.h>

#include <algorithm>

#include "charset.h"
#include "dynamic_library.h"
#include "text_util.h"

namespace mailveil {
namespace {

// ICU's UTS #46 implementation is the one Chromium uses; libidn2 implements IDNA2008 with a TR46 pre-mapping
// and rejects what browsers accept (symbols such as U+2603, hyphens in the 3rd and 4th positions, labels over
// 63 bytes), so a tracker could name a host that the browser fetches and libidn2 refuses (docs/evaluation.md).
// ICU is loaded with dlopen on the first host that needs it (one with a non-ASCII character): linking it maps
// libicuuc, its 30 MiB data library and the shared C++ runtime into every host start (about 9 ms on our VM),
// while almost every host in mail is plain ASCII. The Debian package libicu72 provides it (Chromium needs it
// too). Entry points carry ICU's version suffix (uidna_openUTS46_72): the header's renaming macros give the
// names of the version this was built against.
constexpr char kIcuLibrary[] = "libicuuc.so." U_ICU_VERSION_SHORT;

struct IcuApi {
  const UIDNA* idna = nullptr;
  decltype(&::uidna_nameToASCII_UTF8) name_to_ascii = nullptr;
  std::string error;
};

IcuApi load_icu() {
  IcuApi api;
  void* lib = open_library(kIcuLibrary, "libicu" U_ICU_VERSION_SHORT, &api.error);  // the UIDNA object lives on
  if (!lib) return api;
  auto open = reinterpret_cast<decltype(&::uidna_openUTS46)>(dlsym(lib, MV_STRINGIFY(uidna_openUTS46)));
  api.name_to_ascii =
      reinterpret_cast<decltype(&::uidna_nameToASCII_UTF8)>(dlsym(lib, MV_STRINGIFY(uidna_nameToASCII_UTF8)));
  if (!open || !api.name_to_ascii) {
    api.error = std::string(kIcuLibrary) + " lacks the UTS #46 entry points";
    return api;
  }
  UErrorCode status = U_ZERO_ERROR;
  api.idna = open(UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ | UIDNA_NONTRANSITIONAL_TO_ASCII, &status);
  if (U_FAILURE(status) || !api.idna) {
    api.error = "uidna_openUTS46 failed (" + std::to_string(static_cast<int>(status)) + ")";
    api.idna = nullptr;
  }
  return api;
}

const IcuApi& icu() {
  static const IcuApi api = [] {
    IcuApi a = load_icu();
    if (!a.error.empty()) spdlog::error("IDNA: {}; hosts with non-ASCII or xn-- labels are rejected", a.error);
    return a;
  }();
  return api;
}

/// The errors the URL Standard tells UTS #46 to ignore: CheckHyphens and VerifyDnsLength are off.
constexpr uint32_t kIgnoredErrors = UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG |
                                    UIDNA_ERROR_DOMAIN_NAME_TOO_LONG | UIDNA_ERROR_LEADING_HYPHEN |
                                    UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_HYPHEN_3_4;

/// True when every byte is ASCII. The URL Standard then only lower-cases the domain; "xn--" labels included, as
/// the web-platform-tests data expects (an ASCII name is fetched as written, even when its Punycode does not
/// decode to a valid label).
bool is_ascii(std::string_view domain) {
  return std::all_of(domain.begin(), domain.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

std::optional<std::string> domain_to_ascii(std::string_view utf8) {
  if (is_ascii(utf8)) return ascii_lower(utf8);
  if (!is_valid_utf8(utf8)) return std::nullopt;  // UTF-8 decoding gives U+FFFD, which UTS #46 disallows
  const IcuApi& api = icu();
  if (!api.idna) return std::nullopt;
  std::string out(utf8.size() * 4 + 64, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    UErrorCode status = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    const int32_t n = api.name_to_ascii(api.idna, utf8.data(), static_cast<int32_t>(utf8.size()), out.data(),
                                        static_cast<int32_t>(out.size()), &info, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR && attempt == 0) {
      out.assign(static_cast<size_t>(n) + 1, '\0');
      continue;
    }
    if (U_FAILURE(status) || (info.errors & ~kIgnoredErrors) != 0 || n < 0) return std::nullopt;
    out.resize(static_cast<size_t>(n));
    return out;
  }
  return std::nullopt;
}

std::string idna_error() {
  return icu().error;
}

}  // namespace mailveil
