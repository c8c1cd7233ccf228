// Fuzz target: one request payload through the host's dispatcher (Host::handle), as the extension sends it:
// parsing, every action but `update` (no network in a fuzz run), classify and report with the bundled list, and
// the reply writer.
// Properties: exactly one reply frame, valid JSON of at most 1 MiB; `ok` is a boolean; an error has a known code
// and is never `internal` (that is a bug); the request's id is echoed when the request parsed; no evidence URL and
// no report URL shows a watched address, in clear or in any encoding the leak detector knows.
#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "compiled_list.h"
#include "framing.h"
#include "fuzz_common.h"
#include "host.h"
#include "leak_detector.h"
#include "protocol.h"
#include "text_util.h"
#include "url.h"

using namespace mailveil;
using mailveil_fuzz::check;
using nlohmann::json;

namespace {

struct Rig {
  std::ostringstream out;
  FrameWriter writer{out, kMaxOutboundFrame};
  std::unique_ptr<Host> host;
  std::set<std::string> codes;
  Rig() {
    HostConfig config;
    config.caller = "chrome-extension://fuzz/";
    config.update.list_url = "https://127.0.0.1:9/never.json";
    config.update.store_dir = "/nonexistent/mailveil-fuzz/signatures";
    ActiveList active;
    active.list = compile_list(*mailveil_fuzz::bundled_list());
    active.source = ListSource::kBundled;
    host = std::make_unique<Host>(std::move(config), std::move(active), writer);
    for (int c = 0; c <= static_cast<int>(ErrorCode::kInternal); ++c)
      codes.insert(to_string(static_cast<ErrorCode>(c)));
  }
};

/// Evidence must not show an address: not in clear, and nothing the detector reports once the placeholders are
/// taken out and the URL is read again.
void check_evidence(const LeakDetector& detector, const std::string& evidence) {
  const std::string lower = ascii_lower(evidence);
  for (const auto& a : detector.addresses()) {
    // An address made of placeholder characters could straddle one ("l]x@a.b" after "[email]"): not a leak.
    if (a.find_first_of("[]~") != std::string::npos) continue;
    check(lower.find(a) == std::string::npos, "evidence never shows a watched address in clear", evidence);
  }
  std::string plain = evidence;
  for (const char* placeholder : {"[userinfo]", "[token]", "[email]"}) {
    for (size_t at = plain.find(placeholder); at != std::string::npos; at = plain.find(placeholder, at)) {
      plain.replace(at, std::strlen(placeholder), "~");
    }
  }
  for (size_t at = plain.find("[email:"); at != std::string::npos; at = plain.find("[email:", at)) {
    const size_t close = plain.find(']', at);
    plain.replace(at, close == std::string::npos ? std::string::npos : close + 1 - at, "~");
  }
  if (auto url = parse_url(plain)) {
    check(detector.find(*url).empty(), "evidence holds nothing the leak detector reports", evidence);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Rig rig;
  const std::string_view payload = mailveil_fuzz::as_text(data, size);
  ProtocolError error;
  json id;
  const auto request = parse_request(payload, &error, &id);
  if (request && request->action == "update") return 0;  // would start a download
  rig.out.str("");
  rig.host->handle(payload);
  const std::string frames = rig.out.str();
  check(frames.size() >= 4, "every request gets a reply");
  uint32_t length = 0;
  std::memcpy(&length, frames.data(), 4);
  check(frames.size() == 4 + size_t{length}, "exactly one reply frame");
  check(length <= kMaxOutboundFrame, "a reply is at most 1 MiB");
  const json reply = json::parse(frames.substr(4), nullptr, false);
  check(!reply.is_discarded() && reply.is_object(), "a reply is a JSON object", frames.substr(4, 2000));
  check(reply.contains("ok") && reply["ok"].is_boolean(), "a reply has a boolean ok");
  if (request) {
    check(reply["id"] == request->id, "the request's id is echoed");
  } else {
    check(reply["id"] == id, "the readable id is echoed, or null");
  }
  if (!reply["ok"].get<bool>()) {
    const std::string code = reply["error"]["code"];
    check(rig.codes.count(code) == 1, "an error has a documented code", code);
    check(code != "internal", "no request ends in an internal error", reply.dump().substr(0, 2000));
    return 0;
  }
  const json& result = reply["result"];
  if (request->action == "classify") {
    std::vector<std::string> addresses;
    parse_user_addresses(request->body["message"], "message.", &addresses, &error);
    const LeakDetector detector(addresses);
    const size_t sent = request->elements_sent;
    const size_t omitted = result.value("omitted", size_t{0});
    check(result["elements"].size() + omitted == sent, "every element has a verdict or is counted as omitted");
    for (const auto& e : result["elements"]) {
      if (e.contains("evidence_url")) check_evidence(detector, e["evidence_url"]);
    }
  } else if (request->action == "report") {
    std::vector<std::string> addresses;
    parse_user_addresses(request->body, "", &addresses, &error);
    const LeakDetector detector(addresses);
    check_evidence(detector, result["json"]["url"]);
  }
  return 0;
}
