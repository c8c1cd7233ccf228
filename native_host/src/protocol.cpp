#include "protocol.h"

#include <cmath>

#include "charset.h"
#include "leak_detector.h"

namespace mailveil {
namespace {

using nlohmann::json;

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "number";
    default: return "value";
  }
}

ProtocolError wrong_type(const std::string& path, const char* expected, const json& got) {
  return {ErrorCode::kWrongType, path + ": expected " + expected + ", got " + type_name(got)};
}

ProtocolError missing(const std::string& path) {
  return {ErrorCode::kMissingField, "missing field " + path};
}

/// A caller's value quoted in an error message, cut so that the message stays small.
std::string quote_value(std::string_view value) {
  constexpr size_t kMax = 64;
  if (value.size() <= kMax) return "'" + std::string(value) + "'";
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  return "'" + std::string(value.substr(0, cut)) + "…' (" + std::to_string(value.size()) + " bytes)";
}

/// Optional string field: absent/null -> default; other types -> wrong_type; longer than max_length ->
/// invalid_value.
bool read_string(const json& obj, const char* key, const std::string& path, std::string* out, ProtocolError* err,
                 bool required = false, size_t max_length = SIZE_MAX) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) *err = missing(path + key);
    return !required;
  }
  if (!it->is_string()) {
    *err = wrong_type(path + key, "string", *it);
    return false;
  }
  const auto& value = it->get_ref<const std::string&>();
  if (value.size() > max_length) {
    *err = {ErrorCode::kInvalidValue, path + key + ": " + std::to_string(value.size()) + " bytes; at most " +
                                          std::to_string(max_length) + " are accepted"};
    return false;
  }
  *out = value;
  return true;
}

/// A width or height: integer or float pixels; negative or absent means unknown.
bool read_dimension(const json& obj, const char* key, const std::string& path, int* out, ProtocolError* err) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_number()) {
    *err = wrong_type(path + key, "number", *it);
    return false;
  }
  double d = it->get<double>();
  if (!std::isfinite(d) || d < 0) {
    *out = -1;
  } else {
    *out = d > 1e6 ? 1000000 : static_cast<int>(std::lround(d));
  }
  return true;
}

bool read_size(const json& obj, const char* key, const std::string& path, Size* out, ProtocolError* err) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_object()) {
    *err = wrong_type(path + key, "object {width, height}", *it);
    return false;
  }
  const std::string p = path + key + ".";
  return read_dimension(*it, "width", p, &out->width, err) && read_dimension(*it, "height", p, &out->height, err);
}

}  // namespace

std::optional<Request> parse_request(std::string_view payload, ProtocolError* error, json* id) {
  *id = nullptr;
  if (!is_valid_utf8(payload)) {
    *error = {ErrorCode::kInvalidUtf8, "message is not valid UTF-8"};
    return std::nullopt;
  }
  json doc = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    *error = {ErrorCode::kInvalidJson, "message is not valid JSON"};
    return std::nullopt;
  }
  if (!doc.is_object()) {
    *error = {ErrorCode::kNotAnObject, std::string("message must be a JSON object, got ") + type_name(doc)};
    return std::nullopt;
  }
  Request req;
  if (auto it = doc.find("id"); it != doc.end()) {
    if (!it->is_string() && !it->is_number() && !it->is_null()) {
      *error = wrong_type("id", "string or number", *it);
      return std::nullopt;
    }
    if (it->is_string() && it->get_ref<const std::string&>().size() > kMaxEchoedLength) {
      // Echoing it could not fit a reply: refuse the request, answered with a null id.
      *error = {ErrorCode::kInvalidValue, "id: " + std::to_string(it->get_ref<const std::string&>().size()) +
                                              " bytes; an id of at most " + std::to_string(kMaxEchoedLength) +
                                              " bytes is accepted"};
      return std::nullopt;
    }
    req.id = *it;
    *id = *it;
  }
  auto action = doc.find("action");
  if (action == doc.end()) {
    *error = missing("action");
    return std::nullopt;
  }
  if (!action->is_string()) {
    *error = wrong_type("action", "string", *action);
    return std::nullopt;
  }
  if (action->get_ref<const std::string&>().size() > kMaxActionLength) {
    *error = {ErrorCode::kUnknownAction, "unknown action " + quote_value(action->get_ref<const std::string&>())};
    return std::nullopt;
  }
  req.action = action->get<std::string>();
  req.body = std::move(doc);
  return req;
}

std::optional<Element> parse_element(const json& v, const std::string& path, ProtocolError* error) {
  if (!v.is_object()) {
    *error = wrong_type(path, "object", v);
    return std::nullopt;
  }
  Element e;
  const std::string p = path + ".";
  std::string kind;
  if (!read_string(v, "ref", p, &e.ref, error, false, kMaxEchoedLength) ||
      !read_string(v, "kind", p, &kind, error, true) || !read_string(v, "url", p, &e.url, error, true) ||
      !read_string(v, "text", p, &e.text, error)) {
    return std::nullopt;
  }
  auto k = element_kind_from_string(kind);
  if (!k) {
    *error = {ErrorCode::kInvalidValue, p + "kind: unknown kind " + quote_value(kind)};
    return std::nullopt;
  }
  e.kind = *k;
  if (!read_size(v, "declared", p, &e.declared, error) || !read_size(v, "rendered", p, &e.rendered, error)) {
    return std::nullopt;
  }
  if (auto it = v.find("visible"); it != v.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      *error = wrong_type(p + "visible", "boolean", *it);
      return std::nullopt;
    }
    e.visible = it->get<bool>();
  }
  return e;
}

std::optional<Email> parse_classify(const json& body, ProtocolError* error) {
  auto m = body.find("message");
  if (m == body.end()) {
    *error = missing("message");
    return std::nullopt;
  }
  if (!m->is_object()) {
    *error = wrong_type("message", "object", *m);
    return std::nullopt;
  }
  Email email;
  if (!read_string(*m, "id", "message.", &email.message_id, error, false, kMaxEchoedLength) ||
      !read_string(*m, "webmail", "message.", &email.webmail, error, false, kMaxEchoedLength) ||
      !read_string(*m, "sender", "message.", &email.sender, error) ||
      !parse_user_addresses(*m, "message.", &email.user_addresses, error)) {
    return std::nullopt;
  }
  auto els = m->find("elements");
  if (els == m->end()) {
    *error = missing("message.elements");
    return std::nullopt;
  }
  if (!els->is_array()) {
    *error = wrong_type("message.elements", "array", *els);
    return std::nullopt;
  }
  if (els->size() > kMaxElements) {
    *error = {ErrorCode::kTooManyElements, "message has " + std::to_string(els->size()) + " elements; at most " +
                                               std::to_string(kMaxElements) + " are accepted"};
    return std::nullopt;
  }
  email.elements.reserve(els->size());
  for (size_t i = 0; i < els->size(); ++i) {
    auto e = parse_element((*els)[i], "message.elements[" + std::to_string(i) + "]", error);
    if (!e) return std::nullopt;
    if (e->ref.empty()) e->ref = "e" + std::to_string(i);
    email.elements.push_back(std::move(*e));
  }
  return email;
}

bool parse_user_addresses(const json& obj, const std::string& path, std::vector<std::string>* out,
                          ProtocolError* error) {
  auto it = obj.find("user_addresses");
  if (it == obj.end() || it->is_null()) return true;
  const std::string name = path + "user_addresses";
  if (!it->is_array()) {
    *error = wrong_type(name, "array of strings", *it);
    return false;
  }
  if (it->size() > kMaxUserAddresses) {
    *error = {ErrorCode::kTooManyAddresses, name + ": " + std::to_string(it->size()) + " addresses; at most " +
                                                std::to_string(kMaxUserAddresses) + " are accepted"};
    return false;
  }
  out->reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const json& a = (*it)[i];
    const std::string item = name + "[" + std::to_string(i) + "]";
    if (!a.is_string()) {
      *error = wrong_type(item, "string", a);
      return false;
    }
    const auto& text = a.get_ref<const std::string&>();
    if (text.size() > kMaxAddressLength) {
      *error = {ErrorCode::kInvalidValue, item + ": " + std::to_string(text.size()) +
                                              " bytes; an address has at most " + std::to_string(kMaxAddressLength)};
      return false;
    }
    out->push_back(text);
  }
  return true;
}

std::optional<ReportRequest> parse_report(const json& body, ProtocolError* error) {
  ReportRequest r;
  if (!read_string(body, "kind", "", &r.kind, error)) return std::nullopt;
  if (r.kind != "missed" && r.kind != "false-block") {
    *error = {ErrorCode::kInvalidValue, "kind: expected \"missed\" or \"false-block\""};
    return std::nullopt;
  }
  if (!read_string(body, "webmail", "", &r.webmail, error, false, kMaxEchoedLength) ||
      !parse_user_addresses(body, "", &r.user_addresses, error)) {
    return std::nullopt;
  }
  auto el = body.find("element");
  if (el == body.end()) {
    *error = missing("element");
    return std::nullopt;
  }
  auto element = parse_element(*el, "element", error);
  if (!element) return std::nullopt;
  r.element = std::move(*element);
  return r;
}

std::string dump_json(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json ok_reply(const json& id, std::string_view action, json result) {
  return {{"id", id}, {"action", action}, {"ok", true}, {"result", std::move(result)}};
}

json error_reply(const json& id, std::string_view action, const ProtocolError& error) {
  json a = action.empty() ? json(nullptr) : json(action);
  return {{"id", id},
          {"action", a},
          {"ok", false},
          {"error", {{"code", to_string(error.code)}, {"message", error.message}}}};
}

json element_to_json(const ElementResult& r, bool full) {
  json j = {{"ref", r.ref}, {"verdict", to_string(r.verdict)}};
  if (!r.interesting()) return j;
  j["kind"] = to_string(r.kind);
  j["reasons"] = to_strings(r.reasons);
  if (r.tracked) j["tracked"] = true;
  if (!r.tracker.empty()) {
    j["tracker"] = {{"id", r.tracker.id},
                    {"name", r.tracker.name},
                    {"company", r.tracker.company},
                    {"brand", r.tracker.brand},
                    {"category", r.tracker.category}};
    j["third_party"] = r.third_party;
  }
  if (!r.rewrite_url.empty()) j["rewrite_url"] = r.rewrite_url;
  if (!r.leaks.empty()) {
    json leaks = json::array();
    for (const auto& l : r.leaks) {
      leaks.push_back(
          {{"encoding", to_string(l.encoding)}, {"where", l.where}, {"address", l.address}, {"company", l.company}});
    }
    j["leaks"] = std::move(leaks);
  }
  if (r.error_code) {
    j["error"] = {{"code", to_string(*r.error_code)},
                  {"message", "URL longer than " + std::to_string(kMaxUrlLength) + " bytes: blocked as a precaution"}};
  }
  if (full) {
    if (!r.unwrapped_url.empty() && r.unwrapped_url != r.url) j["unwrapped_url"] = r.unwrapped_url;
    if (!r.evidence_url.empty()) j["evidence_url"] = r.evidence_url;
  }
  return j;
}

json report_to_json(const EmailReport& report, bool full_detail, size_t max_elements) {
  // Findings repeat per element (one leak each); a few hundred say all there is to say.
  constexpr size_t kMaxFindings = 500;
  json findings = json::array();
  for (const auto& f : report.findings) {
    if (findings.size() == kMaxFindings) break;
    json jf = {{"code", to_string(f.code)}, {"severity", to_string(f.severity)}, {"message", f.message}};
    if (!f.detail.empty()) jf["detail"] = f.detail;
    if (!f.company.empty()) jf["company"] = f.company;
    if (!f.ref.empty()) jf["ref"] = f.ref;
    findings.push_back(std::move(jf));
  }
  const auto& s = report.summary;
  json elements = json::array();
  const size_t n = std::min(max_elements, report.elements.size());
  for (size_t i = 0; i < n; ++i) elements.push_back(element_to_json(report.elements[i], full_detail));
  json j = {
      {"message_id", report.message_id},
      {"score",
       {{"value", report.score.value},
        {"grade", report.score.grade},
        {"reason",
         {{"code", to_string(report.score.reason.code)},
          {"count", report.score.reason.count},
          {"companies", report.score.reason.companies},
          {"text", report.score.reason.text}}},
        {"deductions",
         {{"leaks", report.score.leaks},
          {"pixels", report.score.pixels},
          {"companies", report.score.companies},
          {"links", report.score.links}}}}},
      {"summary",
       {{"elements", s.elements},
        {"blocked", s.blocked},
        {"rewritten", s.rewritten},
        {"tracker_pixels", s.tracker_pixels},
        {"tracked_links", s.tracked_links},
        {"leaks", s.leaks},
        {"third_parties", s.companies.size()},
        {"companies", s.companies}}},
      {"findings", std::move(findings)},
      {"elements", std::move(elements)},
      {"truncated", n < report.elements.size()},
  };
  if (report.findings.size() > kMaxFindings) j["findings_omitted"] = report.findings.size() - kMaxFindings;
  if (!full_detail) j["detail"] = "reduced";
  if (n < report.elements.size()) j["omitted"] = report.elements.size() - n;
  return j;
}

json grade_bands_json() {
  json bands = json::array();
  for (const GradeBand& b : kGradeBands) bands.push_back({{"grade", b.grade}, {"min", b.min}});
  return bands;
}

std::string serialize_classify_reply(const json& id, const EmailReport& report, size_t max_bytes) {
  const size_t all = report.elements.size();
  std::string out = dump_json(ok_reply(id, "classify", report_to_json(report, true, all)));
  if (out.size() <= max_bytes) return out;
  out = dump_json(ok_reply(id, "classify", report_to_json(report, false, all)));
  if (out.size() <= max_bytes) return out;
  // Binary search for the largest prefix of elements that fits.
  size_t lo = 0, hi = all;
  std::string best = dump_json(ok_reply(id, "classify", report_to_json(report, false, 0)));
  while (lo < hi) {
    size_t mid = lo + (hi - lo + 1) / 2;
    std::string candidate = dump_json(ok_reply(id, "classify", report_to_json(report, false, mid)));
    if (candidate.size() <= max_bytes) {
      lo = mid;
      best = std::move(candidate);
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

}  // namespace mailveil
