// Fuzz target: the signature-list loader at its three strictness levels (a download: every pattern compiled;
// the bundled list: parsed; a verified stored list: length only), then a Matcher over the accepted entries.
// Properties: each level accepts or rejects the file as a whole alike; what a stricter level accepts, a laxer one
// accepts too; accepted entries plus skipped ones are all the entries; ids are unique; a listed domain is
// matched by the Matcher for what the entry applies to; the freshness of the list can always be computed.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "fuzz_common.h"
#include "matcher.h"
#include "signature_list.h"
#include "url.h"

using namespace mailveil;
using mailveil_fuzz::check;

namespace {

std::set<std::string> ids(const SignatureList& l) {
  std::set<std::string> out;
  for (const auto& t : l.trackers) out.insert(t.id);
  return out;
}

bool includes(const std::set<std::string>& big, const std::set<std::string>& small) {
  return std::includes(big.begin(), big.end(), small.begin(), small.end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (init_null_logging(), true);
  (void)quiet;
  const std::string_view text = mailveil_fuzz::as_text(data, size);
  std::string err;
  auto strict = parse_signature_list(text, &err, PatternCheck::kCompile);
  auto parsed = parse_signature_list(text, &err, PatternCheck::kParse);
  auto deferred = parse_signature_list(text, &err, PatternCheck::kDeferred);
  check(bool(strict) == bool(parsed) && bool(parsed) == bool(deferred), "the levels agree on the file as a whole");
  if (!strict) return 0;
  check(includes(ids(*parsed), ids(*strict)) && includes(ids(*deferred), ids(*parsed)),
        "a laxer level accepts what a stricter one does");
  for (const auto* l : {strict.get(), parsed.get(), deferred.get()}) {
    check(ids(*l).size() == l->trackers.size(), "ids are unique");
    check(l->trackers.size() + l->skipped.size() == strict->trackers.size() + strict->skipped.size(),
          "every entry is accepted or skipped");
  }
  (void)list_freshness(*strict, today_utc_days());

  std::shared_ptr<const SignatureList> list = strict;
  Matcher matcher(list, MatcherCompile::kEager);
  for (const Tracker& t : list->trackers) {
    for (const std::string& d : t.domains) {
      auto url = parse_url("https://" + d + "/fuzz");
      if (!url || url->host != d) continue;
      if (t.applies_to_pixel) {
        check(bool(matcher.match(*url, url->without_fragment(), false)), "a listed domain is matched", d);
      }
      if (t.applies_to_link) {
        check(bool(matcher.match(*url, url->without_fragment(), true)), "a listed domain is matched for links", d);
      }
    }
  }
  for (const char* u : {"https://www.google-analytics.com/collect?v=1", "http://t.example.com/o/abc.gif",
                        "https://a.b.c.example.org/click?url=https%3A%2F%2Fx.org"}) {
    auto url = parse_url(u);
    (void)matcher.match(*url, url->without_fragment(), false);
    (void)matcher.match(*url, url->without_fragment(), true);
  }
  (void)matcher.block_domains();
  return 0;
}
