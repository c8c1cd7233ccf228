// Fuzz target: the Adblock Plus importer (`update --import-abp`). Each input is a filter list.
// Properties (docs/updates.md): the counts add up; every converted pattern compiles with RE2; the user list the
// importer writes loads back with the loader the host uses, with the same entries (ids, domains, patterns) and
// the same exceptions.
#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <string>

#include "abp_import.h"
#include "fuzz_common.h"
#include "signature_store.h"

using namespace mailveil;
using mailveil_fuzz::check;

namespace {

void check_same(const std::vector<AbpFilter>& imported, const SignatureList* loaded, const char* what) {
  const size_t n = loaded ? loaded->trackers.size() : 0;
  check(n == imported.size(), what);
  for (size_t i = 0; i < n; ++i) {
    const Tracker& a = imported[i].entry;
    const Tracker& b = loaded->trackers[i];
    check(a.id == b.id && a.domains == b.domains && a.hosts == b.hosts && a.patterns == b.patterns &&
              a.applies_to_pixel == b.applies_to_pixel && a.applies_to_link == b.applies_to_link,
          what, a.id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (init_null_logging(), true);
  (void)quiet;
  const AbpImport import = import_abp_list(mailveil_fuzz::as_text(data, size), AbpImportOptions{});
  const auto& s = import.stats;
  check(s.filters == s.imported + s.exceptions + s.duplicates + s.unsupported, "the import counts add up");
  check(s.imported == import.trackers.size() && s.exceptions == import.exceptions.size(), "the counts are the entries");
  size_t by_reason = 0;
  for (const auto& [reason, count] : s.unsupported_reasons) by_reason += count;
  check(by_reason == s.unsupported, "every unsupported filter has a reason");
  for (const auto* filters : {&import.trackers, &import.exceptions}) {
    for (const AbpFilter& f : *filters) {
      for (const std::string& p : f.entry.patterns) {
        RE2::Options opt;
        opt.set_log_errors(false);
        opt.set_encoding(RE2::Options::EncodingLatin1);
        RE2 re(p, opt);
        check(re.ok(), "every converted pattern compiles", p);
      }
    }
  }
  std::shared_ptr<SignatureList> trackers;
  std::shared_ptr<SignatureList> exceptions;
  std::string err;
  check(parse_user_list(user_list_json(import, "fuzz.txt"), &trackers, &exceptions, &err),
        "the importer's output loads", err);
  check(trackers->skipped.empty(), "no imported entry is rejected on reload",
        trackers->skipped.empty() ? "" : trackers->skipped.front().reason);
  check_same(import.trackers, trackers.get(), "the user list reloads with the same entries");
  check_same(import.exceptions, exceptions.get(), "the user list reloads with the same exceptions");
  return 0;
}
