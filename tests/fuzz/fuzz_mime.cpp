// Fuzz target: a mail file as `scan` reads it: parse_mail (headers, MIME, transfer encodings, charsets),
// extract_html on the HTML parts (or on the input itself when it has none, as for an .html file), the mbox
// reader, and scan_message's judgement.
// Properties: headers and bodies come out as valid UTF-8; the MIME limits hold; extract_html with a cap keeps
// exactly the first elements, counts the rest and parses the same HTML; scan_message keeps at most kMaxElements and
// accounts for every element it leaves out; an mbox read with a small per-message cap finds the same messages, each
// within the cap, and a message under the cap is unchanged; no evidence URL shows a recipient's address.
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "charset.h"
#include "fuzz_common.h"
#include "html_extract.h"
#include "mime.h"
#include "scan.h"
#include "text_util.h"

using namespace mailveil;
using mailveil_fuzz::check;

namespace {

/// The uncapped extraction; checks that every smaller cap keeps a prefix of its elements, counts the rest, and
/// leaves the same HTML unparsed.
ExtractResult check_extraction(std::string_view html, size_t cap) {
  ExtractOptions uncapped;
  uncapped.max_elements = SIZE_MAX;
  ExtractResult all = extract_html(html, uncapped);
  check(all.skipped_elements == 0, "extract_html without a cap skips no element");
  ExtractOptions capped;
  capped.max_elements = cap;
  const ExtractResult kept = extract_html(html, capped);
  check(kept.elements.size() == std::min(cap, all.elements.size()), "extract_html keeps min(cap, all) elements");
  check(kept.elements.size() + kept.skipped_elements == all.elements.size(),
        "extract_html counts every element it leaves out");
  check(kept.skipped_bytes == all.skipped_bytes, "the element cap does not change how much HTML is parsed");
  for (size_t i = 0; i < kept.elements.size(); ++i) {
    check(kept.elements[i].url == all.elements[i].url && kept.elements[i].kind == all.elements[i].kind &&
              kept.elements[i].ref == all.elements[i].ref,
          "the elements kept are the first ones");
  }
  return all;
}

std::vector<std::string> read_mbox(const std::string& text, size_t cap, std::vector<uint64_t>* skipped) {
  std::istringstream in(text);
  MboxReader reader(in, cap);
  std::vector<std::string> out;
  std::string message;
  while (reader.next(&message)) {
    out.push_back(message);
    if (skipped) skipped->push_back(reader.skipped_bytes());
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string raw(mailveil_fuzz::as_text(data, size));
  const ParsedMail mail = parse_mail(raw);
  for (const auto& [name, value] : mail.headers()) {
    check(is_valid_utf8(name) && is_valid_utf8(value), "headers are valid UTF-8");
  }
  for (const char* h : {"From", "To", "Cc"}) {
    for (const auto& value : mail.headers_named(h)) (void)extract_addresses(value);
  }
  check(mail.html_parts.size() + mail.text_parts.size() <= kMaxMimeParts, "at most kMaxMimeParts parts are read");
  const size_t cap = size % 7;
  size_t total = 0;
  uint64_t unparsed = 0;
  for (const auto& html : mail.html_parts) {
    check(is_valid_utf8(html), "HTML parts are valid UTF-8");
    const ExtractResult all = check_extraction(html, cap);
    total += all.elements.size();
    unparsed += all.skipped_bytes;
  }
  for (const auto& text : mail.text_parts) check(is_valid_utf8(text), "text parts are valid UTF-8");
  if (mail.html_parts.empty()) check_extraction(raw, cap);

  const ScannedMessage m = scan_message(mailveil_fuzz::engine(), raw, {"john.doe@example.org"}, "fuzz.eml", 0);
  check(m.email.elements.size() <= kMaxElements, "scan keeps at most kMaxElements elements");
  check(m.email.elements.size() + m.skipped.elements == total, "scan accounts for every element it leaves out");
  check(m.skipped.html_bytes == unparsed, "scan reports the HTML it did not parse");
  check(m.report.elements.size() == m.email.elements.size(), "every element kept is judged");
  check(m.skipped.mime_parts == mail.parts_skipped && m.skipped.nested_parts == mail.deep_parts_skipped,
        "scan reports the MIME parts it skipped");
  for (size_t i = 0; i < m.email.elements.size(); ++i) {
    check(m.email.elements[i].ref == "e" + std::to_string(i), "element refs are e0, e1, ... in order");
  }
  for (const auto& e : m.report.elements) {
    const std::string lower = ascii_lower(e.evidence_url);
    for (const auto& a : m.recipients) {
      if (a.find_first_of("[]") != std::string::npos) continue;
      check(lower.find(a) == std::string::npos, "evidence never shows a recipient's address", e.evidence_url);
    }
  }

  const size_t mbox_cap = 64 + size % 512;
  std::vector<uint64_t> skipped;
  const auto whole = read_mbox(raw, SIZE_MAX, nullptr);
  const auto capped = read_mbox(raw, mbox_cap, &skipped);
  check(whole.size() == capped.size(), "a per-message cap does not change where messages start");
  for (size_t i = 0; i < capped.size(); ++i) {
    check(capped[i].size() <= mbox_cap, "an mbox message is at most the cap");
    if (skipped[i] == 0) check(capped[i] == whole[i], "a message under the cap is read whole");
  }
  return 0;
}
