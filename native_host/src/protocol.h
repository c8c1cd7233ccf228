/// The native-messaging protocol (docs/protocol.md): error codes, request parsing, reply building.
/// Nothing here throws: bad input becomes a ProtocolError.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "charset.h"  // is_valid_utf8
#include "classifier.h"
#include "codes.h"
#include "email.h"
#include "json_writer.h"

namespace mailveil {

inline constexpr int kProtocolVersion = 1;
inline constexpr int kMinProtocolVersion = 1;
inline constexpr size_t kMaxInboundFrame = 16u << 20;
inline constexpr size_t kMaxOutboundFrame = 1u << 20;
/// The longest string echoed back: a request `id`, `message.id`, an element's `ref`, `webmail`. A request whose
/// `id` is longer is refused (with a null id), so that an error reply always fits the outbound frame.
inline constexpr size_t kMaxEchoedLength = 1024;
/// No action name is longer; a longer one is refused as unknown without being echoed.
inline constexpr size_t kMaxActionLength = 64;

// ErrorCode and its wire strings: codes.h.

/// A failed request: code plus a message naming the offending field.
struct ProtocolError {
  ErrorCode code;
  std::string message;
};

/// One element object of a request, as read: each field the protocol reads, as its JSON value (null when
/// absent). A field holding an array or an object where a scalar is expected keeps an empty value of that type:
/// its type is all an error names. `declared` and `rendered` objects keep only `width` and `height`.
struct ElementFields {
  nlohmann::json::value_t type = nlohmann::json::value_t::object;  ///< the element's own JSON type
  nlohmann::json ref, kind, url, text, visible, declared, rendered;
};

/// A parsed envelope: the raw object plus the echo fields.
struct Request {
  nlohmann::json id;  ///< null when absent
  std::string action;
  /// The whole request, except the items of `message.elements` when it is an array: they are read straight
  /// from the text into `elements` (no DOM for the bulk of a classify request) and the array here is empty.
  nlohmann::json body;
  /// The items of `message.elements`, the first kMaxElements + 1 of them (enough to refuse too many).
  std::vector<ElementFields> elements;
  size_t elements_sent = 0;  ///< how many items `message.elements` had
};

/// Parses a frame payload into a Request. On failure, *id receives whatever id could be read (or null).
std::optional<Request> parse_request(std::string_view payload, ProtocolError* error, nlohmann::json* id);

/// Reads `message` of a parsed classify request into an Email.
std::optional<Email> parse_classify_request(const Request& request, ProtocolError* error);

/// The same from a whole request body held as a DOM (tools, tests); the same checks and errors.
std::optional<Email> parse_classify(const nlohmann::json& body, ProtocolError* error);

/// A Request as parse_request would make it from this body (its `message.elements` items lifted out).
Request request_from_body(nlohmann::json body);

/// Parses one element object (used by classify and report); `path` prefixes error messages.
std::optional<Element> parse_element(const nlohmann::json& value, const std::string& path, ProtocolError* error);

/// Reads the optional `user_addresses` array of `obj` (classify's message, report's body): strings, at most
/// kMaxUserAddresses of at most kMaxAddressLength bytes each. `path` prefixes error messages.
bool parse_user_addresses(const nlohmann::json& obj, const std::string& path, std::vector<std::string>* out,
                          ProtocolError* error);

/// The fields of a `report` request.
struct ReportRequest {
  std::string kind = "missed";  ///< "missed" or "false-block"
  std::string webmail;
  std::vector<std::string> user_addresses;
  Element element;
};
std::optional<ReportRequest> parse_report(const nlohmann::json& body, ProtocolError* error);

/// Serialises for the wire: compact, invalid UTF-8 replaced rather than thrown on.
std::string dump_json(const nlohmann::json& j);

/// {"id", "action", "ok": true, "result"}.
nlohmann::json ok_reply(const nlohmann::json& id, std::string_view action, nlohmann::json result);
/// {"id", "action", "ok": false, "error": {"code", "message"}}; action null when empty.
nlohmann::json error_reply(const nlohmann::json& id, std::string_view action, const ProtocolError& error);

/// Serialises a classify reply: {"action", "id", "ok": true, "result"}, the result holding the elements, findings,
/// message_id, score, summary and truncated (docs/protocol.md), written straight to text (no DOM) with the bytes
/// dump_json gives the same document. Detail is dropped, then trailing elements, until the whole reply fits
/// max_bytes.
std::string serialize_classify_reply(const nlohmann::json& id, const EmailReport& report, size_t max_bytes);

/// The grade scale for `hello` (`result.grades`): [{"grade": "A", "min": 90}, ...], best first (score.h).
nlohmann::json grade_bands_json();

/// Findings repeat per element (one leak each); a reply or a scan record carries the first ones, a few hundred
/// say all there is to say, and counts the others in `findings_omitted`.
inline constexpr size_t kMaxReportFindings = 500;

/// The members of a report's JSON that follow "elements", straight to text in dump_json's key order:
/// findings (at most 500), findings_omitted, message_id, omitted (when not 0), score, summary. The classify
/// reply and the `scan --json` records write their own elements around them.
void write_report_members(JsonObjectWriter* result, const EmailReport& report, size_t omitted);
/// One element's leak, {"address", "company", "encoding", "where"}, and its reasons, `"reasons":[…]`, as the
/// classify reply and the scan records write them.
void write_leak(std::string* out, const LeakReport& leak);
void write_reasons(JsonObjectWriter* o, const std::vector<Signal>& reasons);

}  // namespace mailveil
