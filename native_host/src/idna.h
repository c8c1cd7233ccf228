/// UTS #46 host mapping ("domain to ASCII" of the WHATWG URL Standard), through ICU loaded on first use.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailveil {

/// The UTS #46 ToASCII of a domain as browsers compute it (the URL Standard's "domain to ASCII" with beStrict
/// false): non-transitional processing, CheckBidi and CheckJoiners on, UseSTD3ASCIIRules, CheckHyphens and
/// VerifyDnsLength off. `utf8` is the percent-decoded host, UTF-8. nullopt when the domain is invalid (or
/// when ICU cannot be loaded: see idna_error()). ASCII input is only lower-cased and never loads ICU.
std::optional<std::string> domain_to_ascii(std::string_view utf8);

/// Why ICU could not be loaded, or "" when it works. Loads it when no domain has needed it yet.
std::string idna_error();

}  // namespace mailveil
