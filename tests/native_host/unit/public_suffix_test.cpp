// public_suffix.h: registrable domains from libpsl, and the libpsl linked into the host.
#include "public_suffix.h"

#include <libpsl.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "url.h"

using namespace mailveil;

TEST_CASE("libpsl keeps its full behaviour when linked statically", "[psl]") {
  // The host links Debian's libpsl.a and loads libidn2/libunistring only if libpsl calls into them
  // (psl_static_deps.cpp): a list in the text format with UTF-8 rules, and psl_str_to_utf8lower, do.
  psl_ctx_t* text_list = psl_load_file("/usr/share/publicsuffix/public_suffix_list.dat");
  REQUIRE(text_list);
  CHECK(psl_is_public_suffix(text_list, "xn--ciqpn.hk"));  // "个人.hk": added in Punycode through libidn2
  CHECK(psl_is_public_suffix(text_list, "co.uk"));
  CHECK_FALSE(psl_is_public_suffix(text_list, "example.co.uk"));
  psl_free(text_list);
  char* lower = nullptr;
  REQUIRE(psl_str_to_utf8lower("STRASSE.K\xC3\x96LN", "utf-8", "de", &lower) == PSL_SUCCESS);
  CHECK(std::string(lower) == "strasse.k\xC3\xB6ln");
  psl_free_string(lower);
}

#ifdef MAILVEIL_PARSERS_DATA
// ../shared/parsers/psl_disagreements.json: the hosts (from the dev corpus and the top-500 sites' requests) on
// which the old 70-entry table disagreed with libpsl and Debian's list. None may disagree any more.
TEST_CASE("no disagreement left with libpsl on the hosts of psl_disagreements.json", "[psl][reference]") {
  std::ifstream in(std::string(MAILVEIL_PARSERS_DATA) + "/psl_disagreements.json");
  REQUIRE(in);
  const nlohmann::json rows = nlohmann::json::parse(in);
  REQUIRE(rows.size() >= 79);
  std::string left;
  for (const auto& row : rows) {
    const std::string host = row[0];
    // A host that is itself a public suffix has no registrable domain in libpsl ("(null)" in the file); MailVeil
    // names it whole.
    const std::string psl = row[2].is_string() ? row[2].get<std::string>() : "(null)";
    const std::string expected = psl == "(null)" ? host : psl;
    const std::string got = registrable_domain(host);
    if (got != expected) left += host + ": " + got + " (libpsl: " + expected + ")\n";
  }
  INFO(left);
  CHECK(left.empty());
}
#endif
