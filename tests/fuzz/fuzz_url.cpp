// Fuzz target: a URL through parse_url, the webmail unwrapper, redirect recovery and tracking-parameter
// stripping, then the leak detector's find and mask, as classify runs them on every element.
// Properties: the masked (evidence) URL never shows a watched address: not in clear, not in any of the literal
// forms the detector knows (hex and base64 of the address and its digests), and nothing find() reports once the
// URL is read again; a leak location never repeats the address; mask_host hides every leak in a host.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "digest.h"
#include "fuzz_common.h"
#include "leak_detector.h"
#include "text_util.h"
#include "unwrap.h"
#include "url.h"

using namespace mailveil;
using mailveil_fuzz::check;

namespace {

const std::vector<std::string> kAddresses = {"john.doe@example.org", "Me+tag@Mail.Example.COM"};

/// Every literal form the detector hides, for the substring check: lower-case hex, exact base64.
struct Forms {
  std::vector<std::string> folded;  // compared with the lower-cased evidence
  std::vector<std::string> exact;
};

Forms literal_forms(const LeakDetector& d) {
  Forms f;
  for (const auto& a : d.addresses()) {
    f.folded.push_back(a);
    f.folded.push_back(to_hex(a));
    for (HashAlgorithm h : kHashAlgorithms) {
      const std::string raw = raw_digest(h, a);
      f.folded.push_back(to_hex(raw));
      if (h == HashAlgorithm::kMd5 || h == HashAlgorithm::kSha1 || h == HashAlgorithm::kSha256) {
        f.exact.push_back(base64url_encode(raw));
        std::string standard = base64_encode(raw);
        while (!standard.empty() && standard.back() == '=') standard.pop_back();
        f.exact.push_back(standard);
      }
    }
    f.exact.push_back(base64url_encode(a));
    std::string standard = base64_encode(a);
    while (!standard.empty() && standard.back() == '=') standard.pop_back();
    f.exact.push_back(standard);
  }
  return f;
}

void check_masked(const LeakDetector& d, const Forms& forms, const std::string& masked) {
  const std::string lower = ascii_lower(masked);
  for (const auto& s : forms.folded) check(lower.find(s) == std::string::npos, "evidence hides every hex form", masked);
  for (const auto& s : forms.exact)
    check(masked.find(s) == std::string::npos, "evidence hides every base64 form", masked);
  std::string plain = masked;
  for (size_t at = plain.find('['); at != std::string::npos; at = plain.find('[', at)) {
    const size_t close = plain.find(']', at);
    if (close == std::string::npos) break;
    plain.replace(at, close + 1 - at, "~");
  }
  if (auto again = parse_url(plain)) {
    check(d.find(*again).empty(), "evidence holds nothing the detector reports", masked);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const LeakDetector detector(kAddresses);
  static const Forms forms = literal_forms(detector);
  const std::string_view text = mailveil_fuzz::as_text(data, size);
  (void)percent_decode(text, true);
  (void)split_query(text);
  auto url = parse_url(text);
  if (!url) return 0;
  (void)url->str();
  (void)registrable_domain(url->host);
  (void)is_valid_hostname(url->host);
  std::vector<Wrapper> via;
  const Url inner = unwrap_webmail(*url, &via);
  (void)link_protection_service(inner);
  std::string how;
  if (auto dest = redirect_destination(inner, {"url", "u"}, &how)) (void)dest->str();
  Url stripped = inner;
  (void)strip_tracking_params(&stripped);

  const auto leaks = detector.find(inner);
  for (const auto& l : leaks) {
    check(l.address_index < detector.addresses().size(), "a leak names a watched address");
    const std::string where = ascii_lower(l.where);
    for (const auto& a : detector.addresses()) {
      check(where.find(a) == std::string::npos, "a leak location never repeats the address", l.where);
    }
  }
  check_masked(detector, forms, detector.mask(inner, leaks));
  check_masked(detector, forms, detector.mask(*url));
  const std::string host = detector.mask_host(inner.host);
  check(!detector.has_leak(host), "mask_host hides every leak in a host", host);
  return 0;
}
