#include "protocol.h"

#include <catch2/catch.hpp>
#include <set>

#include "test_support.h"

using namespace mailveil;
using nlohmann::json;

namespace {

// The classify reply's result built as a DOM, as the host built it before it wrote the reply directly: the
// oracle the direct writer is compared with, byte for byte.

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
  json findings = json::array();
  for (const auto& f : report.findings) {
    if (findings.size() == kMaxReportFindings) break;
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
  if (report.findings.size() > kMaxReportFindings) j["findings_omitted"] = report.findings.size() - kMaxReportFindings;
  if (!full_detail) j["detail"] = "reduced";
  if (n < report.elements.size()) j["omitted"] = report.elements.size() - n;
  return j;
}

}  // namespace

TEST_CASE("parse_request classifies broken payloads with the right code", "[protocol]") {
  ProtocolError e;
  json id;
  CHECK_FALSE(parse_request("\xff\xfe{}", &e, &id));
  CHECK(e.code == ErrorCode::kInvalidUtf8);
  CHECK_FALSE(parse_request("{\"id\":1,", &e, &id));
  CHECK(e.code == ErrorCode::kInvalidJson);
  CHECK_FALSE(parse_request("[1,2,3]", &e, &id));
  CHECK(e.code == ErrorCode::kNotAnObject);
  CHECK_FALSE(parse_request("{\"id\":7}", &e, &id));
  CHECK(e.code == ErrorCode::kMissingField);
  CHECK(id == 7);  // the id is echoed even when the request is unusable
  CHECK_FALSE(parse_request("{\"id\":\"x\",\"action\":5}", &e, &id));
  CHECK(e.code == ErrorCode::kWrongType);
  CHECK_FALSE(parse_request("{\"id\":[1],\"action\":\"hello\"}", &e, &id));
  CHECK(e.code == ErrorCode::kWrongType);
  auto ok = parse_request("{\"id\":\"r1\",\"action\":\"status\"}", &e, &id);
  REQUIRE(ok);
  CHECK(ok->action == "status");
  CHECK(ok->id == "r1");
}

TEST_CASE("is_valid_utf8 rejects overlongs, surrogates and truncation", "[protocol]") {
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST_CASE("parse_classify names the offending field on wrong types", "[protocol]") {
  ProtocolError e;
  auto check = [&](const std::string& text, ErrorCode code, const std::string& needle) {
    INFO(text);
    CHECK_FALSE(parse_classify(json::parse(text), &e));
    CHECK(e.code == code);
    CHECK(e.message.find(needle) != std::string::npos);
  };
  check(R"({})", ErrorCode::kMissingField, "message");
  check(R"({"message": 3})", ErrorCode::kWrongType, "message");
  check(R"({"message": {}})", ErrorCode::kMissingField, "message.elements");
  check(R"({"message": {"elements": {}}})", ErrorCode::kWrongType, "message.elements");
  check(R"({"message": {"elements": [], "user_addresses": "a@b.c"}})", ErrorCode::kWrongType, "user_addresses");
  check(R"({"message": {"elements": [], "user_addresses": [1]}})", ErrorCode::kWrongType, "user_addresses[0]");
  check(R"({"message": {"elements": [{"kind": "img"}]}})", ErrorCode::kMissingField, "elements[0].url");
  check(R"({"message": {"elements": [{"kind": "img", "url": 5}]}})", ErrorCode::kWrongType, "elements[0].url");
  check(R"({"message": {"elements": [{"kind": "nope", "url": "x"}]}})", ErrorCode::kInvalidValue, "unknown kind");
  check(R"({"message": {"elements": [{"kind": "img", "url": "x", "declared": [1, 1]}]}})", ErrorCode::kWrongType,
        "declared");
  check(R"({"message": {"elements": [{"kind": "img", "url": "x", "declared": {"width": "1"}}]}})",
        ErrorCode::kWrongType, "declared.width");
  check(R"({"message": {"elements": [{"kind": "img", "url": "x", "visible": "yes"}]}})", ErrorCode::kWrongType,
        "visible");
  check(R"({"message": {"sender": 1, "elements": []}})", ErrorCode::kWrongType, "message.sender");
}

TEST_CASE("parse_classify reads a full element and defaults refs", "[protocol]") {
  ProtocolError e;
  auto email = parse_classify(json::parse(R"({"message": {"id": "m", "webmail": "gmail", "sender": "a@b.example",
      "user_addresses": ["me@x.example"], "elements": [
        {"ref": "img1", "kind": "img", "url": "https://t.example/o.gif", "declared": {"width": 1, "height": 1.4},
         "rendered": {"width": 0, "height": 0}, "visible": false},
        {"kind": "link", "url": "https://shop.example/", "text": "Buy"}]}})"),
                              &e);
  REQUIRE(email);
  REQUIRE(email->elements.size() == 2);
  CHECK(email->elements[0].ref == "img1");
  CHECK(email->elements[0].declared.height == 1);
  CHECK(email->elements[0].rendered.width == 0);
  CHECK_FALSE(email->elements[0].visible);
  CHECK(email->elements[1].ref == "e1");
  CHECK(email->elements[1].kind == ElementKind::kLink);
  CHECK(email->elements[1].text == "Buy");
}

TEST_CASE("too many elements is refused with too_many_elements", "[protocol]") {
  json elements = json::array();
  for (size_t i = 0; i <= kMaxElements; ++i) elements.push_back({{"kind", "img"}, {"url", "https://a.example/"}});
  ProtocolError e;
  CHECK_FALSE(parse_classify({{"message", {{"elements", elements}}}}, &e));
  CHECK(e.code == ErrorCode::kTooManyElements);
}

TEST_CASE("classify replies never exceed the outbound cap: detail dropped, then elements truncated", "[protocol]") {
  Email email;
  email.user_addresses = {"jane.doe@example.org"};
  for (int i = 0; i < 3000; ++i) {
    email.elements.push_back(test::element(ElementKind::kImg,
                                           "https://t.unknown.example/open/" + std::to_string(1000000000 + i) +
                                               "a8Fk29dLq0Zx7PmW.gif?u=" + std::string(200, 'q'),
                                           1, 1));
    email.elements.back().ref = "e" + std::to_string(i);
  }
  EmailReport report = test::fixture_engine().classify(email);
  std::string full = serialize_classify_reply("r", report, 64u << 20);
  CHECK(json::parse(full)["result"]["truncated"] == false);
  CHECK(full.size() > 200000);

  std::string reduced = serialize_classify_reply("r", report, full.size() - 1);
  CHECK(reduced.size() <= full.size() - 1);
  auto rj = json::parse(reduced);
  CHECK(rj["result"]["detail"] == "reduced");
  CHECK(rj["result"]["elements"].size() == 3000);

  std::string tiny = serialize_classify_reply("r", report, 100000);
  CHECK(tiny.size() <= 100000);
  auto tj = json::parse(tiny);
  CHECK(tj["result"]["truncated"] == true);
  CHECK(tj["result"]["omitted"].get<size_t>() + tj["result"]["elements"].size() == 3000);
  CHECK(tj["id"] == "r");
  CHECK(tj["result"]["score"]["grade"] == report.score.grade);
}

TEST_CASE("every error code has a distinct wire name", "[protocol]") {
  std::set<std::string> names;
  for (int c = 0; c <= static_cast<int>(ErrorCode::kInternal); ++c) names.insert(to_string(static_cast<ErrorCode>(c)));
  CHECK(names.size() == static_cast<size_t>(ErrorCode::kInternal) + 1);
  json r = error_reply(3, "classify", {ErrorCode::kWrongType, "x"});
  CHECK(r["id"] == 3);
  CHECK(r["action"] == "classify");
  CHECK(r["ok"] == false);
  CHECK(r["error"]["code"] == "wrong_type");
  CHECK(error_reply(nullptr, "", {ErrorCode::kInvalidJson, "x"})["action"].is_null());
}

TEST_CASE("echoed fields are bounded: id, action, refs, message id (finding 4)", "[protocol][security]") {
  ProtocolError e;
  json id;
  // A number JSON cannot hold is not JSON for the parser: nothing to echo.
  CHECK_FALSE(parse_request(R"({"id": 1e400, "action": "status"})", &e, &id));
  CHECK(e.code == ErrorCode::kInvalidJson);
  CHECK(id.is_null());
  CHECK(parse_request(R"({"id": 1e300, "action": "status"})", &e, &id));
  const std::string long_id = json({{"id", std::string(kMaxEchoedLength + 1, 'x')}, {"action", "status"}}).dump();
  CHECK_FALSE(parse_request(long_id, &e, &id));
  CHECK(e.code == ErrorCode::kInvalidValue);
  CHECK(e.message == "id: 1025 bytes; an id of at most 1024 bytes is accepted");
  CHECK(id.is_null());
  const std::string long_action = json({{"id", 7}, {"action", std::string(kMaxActionLength + 1, 'a')}}).dump();
  CHECK_FALSE(parse_request(long_action, &e, &id));
  CHECK(e.code == ErrorCode::kUnknownAction);
  CHECK(e.message.size() < 200);
  CHECK(id == 7);
  json body = {{"message", {{"id", std::string(kMaxEchoedLength + 1, 'm')}, {"elements", json::array()}}}};
  CHECK_FALSE(parse_classify(body, &e));
  CHECK(e.message.starts_with("message.id: 1025 bytes"));
  body = {{"message", {{"elements", {{{"kind", std::string(5000, 'k')}, {"url", "https://a.example/"}}}}}}};
  CHECK_FALSE(parse_classify(body, &e));
  CHECK(e.code == ErrorCode::kInvalidValue);
  CHECK(e.message.size() < 200);  // the unknown kind is quoted cut short
  CHECK(e.message.find("(5000 bytes)") != std::string::npos);
}

TEST_CASE("grade bands on the wire: the score.h table, best first", "[protocol][grades]") {
  const json bands = grade_bands_json();
  REQUIRE(bands.size() == kGradeBands.size());
  for (size_t i = 0; i < kGradeBands.size(); ++i) {
    CHECK(bands[i] == json({{"grade", kGradeBands[i].grade}, {"min", kGradeBands[i].min}}));
  }
  CHECK(bands.front()["grade"] == "A");
  CHECK(bands.back()["min"] == 0);
}

TEST_CASE("classify JSON: score.reason, tracker.brand, plain finding messages with their detail", "[protocol]") {
  Email email;
  email.sender = "news@telecom.example";
  email.user_addresses = {"jane.doe@example.org"};
  email.elements = {test::element(ElementKind::kImg, "https://www.google-analytics.com/collect?v=1&tid=UA-1-1", 1, 1),
                    test::element(ElementKind::kImg,
                                  "https://b.us1.list-manage.com/track/open.php?u=1&e=jane.doe@example.org", 1, 1)};
  email.elements[0].ref = "a";
  email.elements[1].ref = "b";
  const json j =
      json::parse(serialize_classify_reply(1, test::fixture_engine().classify(email), kMaxOutboundFrame))["result"];
  CHECK(j["score"]["grade"] == "F");
  CHECK(j["score"]["reason"] == json({{"code", "address-leak-open"},
                                      {"count", 1},
                                      {"companies", {"Mailchimp (Intuit)"}},
                                      {"text", "F: 1 company gets your e-mail address when you open this mail"}}));
  CHECK(j["elements"][1]["tracker"]["brand"] == "Mailchimp (Intuit)");
  CHECK(j["elements"][1]["tracker"]["company"] == "Intuit");
  bool leak = false;
  for (const auto& f : j["findings"]) {
    CHECK(f["message"].is_string());
    if (f["code"] == "address-leak") {
      leak = true;
      CHECK(f["message"] == "Mailchimp (Intuit) gets your e-mail address (in plain text) when you open this mail");
      CHECK(f["detail"] == "j\u2026@example.org: encoding plain, in query:e");
    }
  }
  CHECK(leak);
}

namespace {

/// What parse_request + parse_classify_request (the host's path: elements read from the text, no DOM) make of
/// a classify request, against parse_classify on the DOM of the same text: the same Email, or the same error.
void check_same_as_dom(const std::string& text) {
  INFO(text);
  ProtocolError dom_error, error;
  json id;
  const json dom = json::parse(text, nullptr, false);
  auto request = parse_request(text, &error, &id);
  if (dom.is_discarded()) {
    CHECK_FALSE(request);
    CHECK(error.code == ErrorCode::kInvalidJson);
    return;
  }
  REQUIRE(request);
  const auto expected = parse_classify(dom, &dom_error);
  const auto got = parse_classify_request(*request, &error);
  REQUIRE(bool(expected) == bool(got));
  if (!expected) {
    CHECK(to_string(error.code) == std::string(to_string(dom_error.code)));
    CHECK(error.message == dom_error.message);
    return;
  }
  CHECK(got->message_id == expected->message_id);
  CHECK(got->webmail == expected->webmail);
  CHECK(got->sender == expected->sender);
  CHECK(got->user_addresses == expected->user_addresses);
  REQUIRE(got->elements.size() == expected->elements.size());
  for (size_t i = 0; i < got->elements.size(); ++i) {
    const Element& a = got->elements[i];
    const Element& b = expected->elements[i];
    CHECK(a.ref == b.ref);
    CHECK(a.kind == b.kind);
    CHECK(a.url == b.url);
    CHECK(a.text == b.text);
    CHECK(a.visible == b.visible);
    CHECK(a.declared.width == b.declared.width);
    CHECK(a.declared.height == b.declared.height);
    CHECK(a.rendered.width == b.rendered.width);
    CHECK(a.rendered.height == b.rendered.height);
  }
}

std::string classify_text(const std::string& message) {
  return R"({"id": 9, "action": "classify", "message": )" + message + "}";
}

}  // namespace

TEST_CASE("classify requests read from the text give what the DOM gives, errors included", "[protocol]") {
  for (const std::string& message : std::vector<std::string>{
           // well formed, with every field, unknown fields (nested ones holding element-like keys) and numbers of
           // each JSON kind
           R"({"id": "m1", "webmail": "gmail", "sender": "a@b.example", "user_addresses": ["me@x.example"],
               "subject": "s", "elements": [
               {"ref": "i", "kind": "img", "url": "https://t.example/o.gif", "declared": {"width": 1, "height": 1.4},
                "rendered": {"width": 0, "height": -2, "depth": {"width": 7}}, "visible": false,
                "extra": {"url": 5, "kind": [1, {"ref": 2}]}, "more": [[{"declared": 1}]]},
               {"kind": "link", "url": "https://shop.example/caf\u00e9?a=\"b\"", "text": "Buy \ud83d\ude00"},
               {"kind": "img", "url": "u", "declared": {"width": 18446744073709551615, "height": -9223372036854775807},
                "rendered": {"width": 1e300, "height": null}, "visible": null, "ref": null, "text": null}]})",
           // duplicate keys: the last one counts, as in the DOM
           R"({"elements": [{"kind": "img", "url": "a"}], "elements": [{"kind": "link", "url": "b"}]})",
           R"({"elements": [{"kind": "img", "url": "a", "url": "b", "declared": {"width": 3}, "declared": {"height": 4},
               "rendered": {"width": 1, "width": 2}}]})",
           R"({"elements": [{"kind": "img", "url": "a"}], "elements": "none"})",
           R"({"elements": "none", "elements": [{"kind": "img", "url": "a"}]})",
           R"({"elements": [{"kind": "img", "url": "a", "url": {"x": 1}}]})",
           R"({"elements": [{"kind": "img", "url": {"x": 1}, "url": "a"}]})",
           R"({"elements": [{"kind": "img", "url": "a", "declared": {"width": 1}, "declared": [2]}]})",
           // wrong types everywhere, one at a time and several at once (the first one checked is named)
           R"({"elements": [{"kind": "img", "url": "a"}, {"kind": "img"}, {"kind": "img", "url": {"x": [1]}}]})",
           R"({"elements": [{"kind": "img", "url": "a"}, {"kind": "img", "url": "b"}, {"kind": "img", "url": {}}]})",
           R"({"elements": [{"kind": "img", "url": "a"}, {"kind": "img", "url": "b"}, {"kind": "img", "url": []}]})",
           R"({"elements": [{"kind": "img", "url": "a"}, 5]})",
           R"({"elements": [null]})",
           R"({"elements": [[{"kind": "img", "url": "a"}]]})",
           R"({"elements": ["img"]})",
           R"({"elements": [true]})",
           R"({"elements": [1.5]})",
           R"({"elements": [{"kind": 3, "url": 4, "ref": 5, "text": 6}]})",
           R"({"elements": [{"kind": "nope", "url": 4}]})",
           R"({"elements": [{"kind": "nope", "url": "a"}]})",
           R"({"elements": [{"kind": "img", "url": "a", "text": ["t"]}]})",
           R"({"elements": [{"kind": "img", "url": "a", "ref": {"r": 1}}]})",
           R"({"elements": [{"kind": "img", "url": "a", "visible": "yes"}]})",
           R"({"elements": [{"kind": "img", "url": "a", "visible": {}}]})",
           R"({"elements": [{"kind": "img", "url": "a", "declared": 1}]})",
           R"({"elements": [{"kind": "img", "url": "a", "declared": "1x1"}]})",
           R"({"elements": [{"kind": "img", "url": "a", "declared": {"width": [1]}}]})",
           R"({"elements": [{"kind": "img", "url": "a", "rendered": {"width": 1, "height": {"h": 2}}}]})",
           R"({"elements": [{"kind": "img", "url": "a", "declared": {"width": true}, "rendered": 3}]})",
           R"({"elements": [{"kind": "img", "url": "a", "ref": ")" + std::string(kMaxEchoedLength + 1, 'r') + R"("}]})",
           R"({"elements": [{"kind": ")" + std::string(300, 'k') + R"(", "url": "a"}]})",
           // message fields are checked before the elements, wherever they stand in the text
           R"({"elements": [{"kind": "img"}], "sender": 1})",
           R"({"elements": [{"kind": "img"}], "user_addresses": [1]})",
           R"({"elements": [5], "id": ")" + std::string(kMaxEchoedLength + 1, 'm') + R"("})",
           R"({"elements": {}})",
           R"({"elements": null})",
           R"({"elements": 3})",
           R"({})",
           R"({"elements": []})",
           R"({"elements": [{}]})",
           R"({"elements": [{"kind": "img", "url": ""}]})",
       }) {
    check_same_as_dom(classify_text(message));
  }
  // The message object itself: absent, another type, twice, or nested deeper (where it is not the message).
  for (const std::string& text : std::vector<std::string>{
           std::string(R"({"id": 1, "action": "classify"})"),
           std::string(R"({"id": 1, "action": "classify", "message": [1]})"),
           std::string(R"({"id": 1, "action": "classify", "message": "m"})"),
           std::string(R"({"action": "classify", "message": {"elements": [{"kind": "img", "url": "a"}]},
                          "message": {"elements": [{"kind": "link", "url": "b"}, {"kind": "img", "url": "c"}]}})"),
           std::string(R"({"action": "classify", "message": {"elements": [{"kind": "img", "url": "a"}]},
                          "message": {"id": "no elements"}})"),
           std::string(R"({"action": "classify", "message": {"elements": [{"kind": "img", "url": "a"}]},
                          "message": 4})"),
           std::string(R"({"action": "classify", "x": {"message": {"elements": [{"kind": "img", "url": "a"}]}},
                          "message": {"elements": [], "y": {"elements": [5]}}})"),
           std::string(R"({"message": {"elements": [{"kind": "img", "url": "a"}]}, "action": "classify"})"),
       }) {
    check_same_as_dom(text);
  }
}

TEST_CASE("classify requests read from the text: invalid JSON wins over any field error", "[protocol]") {
  ProtocolError e;
  json id;
  for (const std::string& text : std::vector<std::string>{
           classify_text(R"({"elements": [{"kind": 5}]})") + "x",
           classify_text(R"({"elements": [{"kind": 5}], "sender": 1)"),
           classify_text(R"({"elements": [{"kind": "img", "url": "a"}, {"kind": "img", "url": 1e400}]})"),
           classify_text(R"({"elements": [{"kind": "img", "url": "\ud800"}]})"),
           classify_text(R"({"elements": [{"kind": "img", "url": "a", "declared": {"width": 1,}}]})"),
       }) {
    INFO(text);
    CHECK_FALSE(parse_request(text, &e, &id));
    CHECK(e.code == ErrorCode::kInvalidJson);
    check_same_as_dom(text);
  }
}

TEST_CASE("classify requests read from the text name the field of the element", "[protocol]") {
  ProtocolError e;
  json id;
  auto request = parse_request(classify_text(R"({"elements": [{"kind": "img", "url": "a"}, {"kind": "img", "url": "b"},
      {"kind": "link", "url": "c"}, {"kind": "img", "url": {"u": "d"}}]})"),
                               &e, &id);
  REQUIRE(request);
  CHECK(request->action == "classify");
  CHECK(request->id == 9);
  CHECK(request->elements_sent == 4);
  CHECK(request->body["message"]["elements"] == json::array());  // the items are not held twice
  CHECK_FALSE(parse_classify_request(*request, &e));
  CHECK(e.code == ErrorCode::kWrongType);
  CHECK(e.message == "message.elements[3].url: expected string, got object");

  request = parse_request(classify_text(R"({"elements": [{"kind": "img", "url": "a",
      "declared": {"width": 1, "height": "2"}}]})"),
                          &e, &id);
  REQUIRE(request);
  CHECK_FALSE(parse_classify_request(*request, &e));
  CHECK(e.message == "message.elements[0].declared.height: expected number, got string");
}

TEST_CASE("too many elements read from the text: counted, refused, at most one past the limit kept",
          "[protocol][security]") {
  std::string items;
  for (size_t i = 0; i < kMaxElements + 5; ++i) items += i ? ",{}" : "{}";
  ProtocolError e;
  json id;
  auto request = parse_request(classify_text(R"({"elements": [)" + items + "]}"), &e, &id);
  REQUIRE(request);
  CHECK(request->elements_sent == kMaxElements + 5);
  CHECK(request->elements.size() == kMaxElements + 1);
  CHECK_FALSE(parse_classify_request(*request, &e));
  CHECK(e.code == ErrorCode::kTooManyElements);
  CHECK(e.message == "message has 10005 elements; at most 10000 are accepted");
  check_same_as_dom(classify_text(R"({"elements": [)" + items + "]}"));
}

namespace {

/// The classify reply as it was built before it was written directly: dump_json of the DOM.
std::string dom_reply(const json& id, const EmailReport& report, bool full, size_t n) {
  return dump_json(ok_reply(id, "classify", report_to_json(report, full, n)));
}

}  // namespace

TEST_CASE("the classify reply written directly has the bytes of the DOM's", "[protocol]") {
  Email email;
  email.message_id = "<id-1@news.example>";
  email.sender = "news@telecom.example";
  email.user_addresses = {"jane.doe@example.org"};
  email.elements = {
      test::element(ElementKind::kImg, "https://www.google-analytics.com/collect?v=1&tid=UA-1-1", 1, 1),
      test::element(ElementKind::kImg, "https://b.us1.list-manage.com/track/open.php?u=1&e=jane.doe@example.org", 1, 1),
      test::element(ElementKind::kLink,
                    "https://click.example.net/ls/click?upn=abc&u=https%3A%2F%2Fshop.example%2Fp%3Fid%3D1"),
      test::element(ElementKind::kLink, "https://shop.example/caf\xc3\xa9?q=\"quoted\"\\back"),
      test::element(ElementKind::kImg, "https://cdn.example/logo.png", 300, 80),
      test::element(ElementKind::kImg, "https://t.example/o/" + std::string(kMaxUrlLength, 'a')),
      test::element(ElementKind::kLink, "mailto:jane.doe@example.org"),
      test::element(ElementKind::kImg,
                    "https://sendgrid.example.net/wf/open?upn=amFuZS5kb2VAZXhhbXBsZS5vcmc&e=jane.doe%40example.org", 1,
                    1)};
  email.elements[3].text = "View in browser";
  for (size_t i = 0; i < email.elements.size(); ++i) email.elements[i].ref = "e" + std::to_string(i);
  EmailReport report = test::fixture_engine().classify(email);
  // What JSON must escape or cannot carry, in every kind of string of a reply: control characters, quotes,
  // non-ASCII, and invalid UTF-8 (replaced by U+FFFD as dump_json does): a lone continuation byte, a truncated
  // sequence, a surrogate, an overlong.
  const std::string odd =
      "a\x01\x1f\t\n\"\\/\x7f caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x80 \xe2\x82 \xed\xa0\x80 \xc0\xaf z\xff";
  report.message_id += odd;
  report.elements[0].ref += odd;
  report.elements[0].evidence_url += odd;
  report.elements[1].unwrapped_url = "https://t.example/\xff" + odd;
  report.elements[1].tracker.brand += odd;
  report.elements[1].tracker.name += "\xe2\x82";  // truncated at the end
  if (!report.elements[1].leaks.empty()) report.elements[1].leaks[0].where += odd;
  report.elements[2].rewrite_url += odd;
  report.score.reason.text += odd;
  report.score.reason.companies.push_back(odd);
  report.summary.companies.push_back(odd);
  report.findings.push_back({FindingCode::kAddressLeak, Severity::kHigh, odd, "", odd, odd});
  report.findings.push_back({FindingCode::kAddressLeak, Severity::kInfo, "", odd, "m", ""});

  for (const json& id : {json("r1"), json(7), json(nullptr), json(1e300), json(-3), json(odd)}) {
    INFO(dump_json(id));
    const std::string full = serialize_classify_reply(id, report, 64u << 20);
    CHECK(full == dom_reply(id, report, true, report.elements.size()));
    const std::string reduced = serialize_classify_reply(id, report, full.size() - 1);
    CHECK(reduced == dom_reply(id, report, false, report.elements.size()));
    const std::string cut = serialize_classify_reply(id, report, reduced.size() - 1);
    const size_t kept = json::parse(cut)["result"]["elements"].size();
    CHECK(kept < report.elements.size());
    CHECK(cut == dom_reply(id, report, false, kept));
    CHECK(serialize_classify_reply(id, report, 10) == dom_reply(id, report, false, 0));
  }
  // Today's handling of invalid UTF-8, kept: each ill-formed sequence becomes U+FFFD, the rest is kept.
  const json j = json::parse(serialize_classify_reply("r", report, 64u << 20));
  CHECK(j["result"]["elements"][1]["unwrapped_url"].get<std::string>().starts_with("https://t.example/\xef\xbf\xbd"));
  CHECK(j["result"]["message_id"].get<std::string>().ends_with(" z\xef\xbf\xbd"));
  CHECK(report.elements[5].error_code.has_value());  // the long URL's element error is in the compared reply
  CHECK(j["result"]["elements"][5]["error"]["code"] == "url_too_long");

  // More findings than a reply carries: findings_omitted.
  for (int i = 0; i < 600; ++i) report.findings.push_back(report.findings.front());
  CHECK(serialize_classify_reply("r", report, 64u << 20) == dom_reply("r", report, true, report.elements.size()));
  // An empty message.
  const EmailReport empty = test::fixture_engine().classify(Email{});
  CHECK(serialize_classify_reply("r", empty, 64u << 20) == dom_reply("r", empty, true, 0));
}

TEST_CASE("the request parser accepts and refuses the texts nlohmann's parser does, with the same values",
          "[protocol]") {
  // JSON's corners, as a field nobody reads, as an element's field, and as the echoed id.
  const std::vector<std::string> values = {
      "0",
      "-0",
      "-0.0",
      "0.1",
      "1e5",
      "1E+2",
      "-1e-5",
      "2.5e-3",
      "123456789",
      "-2147483649",
      "4294967296",
      "9223372036854775807",
      "9223372036854775808",
      "-9223372036854775808",
      "-9223372036854775809",
      "18446744073709551615",
      "18446744073709551616",
      "123456789012345678901234567890",
      "1.7976931348623157e308",
      "4.9e-324",
      "1e-400",
      "-1e-400",
      "0e+300",
      "-0e5",
      "0.0e308",
      "1e308",
      "1.7976931348623157e308",
      "1.7976931348623159e308",
      "1E-7",
      "2.2250738585072011e-308",
      "1e400",
      "-1e400",
      "0.30000000000000004",
      "01",
      ".5",
      "1.",
      "-",
      "+1",
      "1e",
      "0x10",
      "NaN",
      "Infinity",
      "-Infinity",
      "true",
      "false",
      "null",
      "tru",
      "nul",
      "\"\"",
      "\"a\\/b\\\\c\\\"d\"",
      "\"\\b\\f\\n\\r\\t\"",
      "\"\\u0000x\"",
      "\"\\u00e9\\u20ac\"",
      "\"\\ud83d\\ude00\"",
      "\"\\uD83D\\uDE00\"",
      "\"\\ud83d\"",
      "\"\\ude00\"",
      "\"\\ud83d\\u0041\"",
      "\"\\ud83dx\"",
      "\"\\x41\"",
      "\"\\u12\"",
      "\"\\u00G0\"",
      "\"tab\there\"",
      "\"nl\nhere\"",
      std::string("\"nul\0here\"", 10),
      "'single'",
      "[]",
      "[1,]",
      "[,1]",
      "{}",
      "{\"a\":1,}",
      "{\"a\" 1}",
      "{1:2}",
      "{\"a\":1 \"b\":2}",
      "[1 2]",
      "\"caf\u00e9\"",
      "[[[[[[[[[[]]]]]]]]]]",
      "/*c*/1",
      "1 // c",
      " \t\r\n 1 \t\r\n ",
      "\f1",
  };
  for (const std::string& v : values) {
    check_same_as_dom(classify_text(R"({"elements": [{"kind": "img", "url": "a"}], "extra": )" + v + "}"));
    check_same_as_dom(classify_text(R"({"elements": [{"kind": "img", "url": "a", "text": )" + v + "}]}"));
    check_same_as_dom(
        classify_text(R"({"elements": [{"kind": "img", "url": "a", "declared": {"width": )" + v + "}}]}"));
    const std::string with_id = R"({"id": )" + v + R"(, "action": "classify", "message": {"elements": []}})";
    INFO(with_id);
    const json dom = json::parse(with_id, nullptr, false);
    ProtocolError e;
    json id;
    const auto request = parse_request(with_id, &e, &id);
    CHECK(bool(request) ==
          (!dom.is_discarded() && (dom["id"].is_number() || dom["id"].is_string() || dom["id"].is_null())));
    if (request) {
      CHECK(id == dom["id"]);
      CHECK(id.type() == dom["id"].type());
      CHECK(id.dump() == dom["id"].dump());
    }
  }
  // Whole texts: empty, blank, trailing text, a NUL byte outside a string, a byte order mark, two documents.
  for (const std::string& text : std::vector<std::string>{
           "", " ", "\n", "{", "}", R"({"action": "classify"} x)", R"({"action": "classify"}})",
           std::string("{\0\"action\": \"classify\"}", 22), "\xef\xbb\xbf{\"action\": \"classify\"}",
           R"({"action": "classify"}{"action": "classify"})", R"({"action": "classify"}   )"}) {
    check_same_as_dom(text);
  }
  // Two deliberate differences. nlohmann stops reading at a NUL byte and takes what came before; a NUL cannot be
  // in JSON text, and the host refuses the frame. RapidJSON refuses an exponent past 308 whatever the digits
  // before it; nlohmann reads 0e400 as 0.
  for (const std::string& text :
       {std::string(R"({"action": "classify"})") + '\0', std::string(R"({"action": "classify"})") + '\0' + "garbage",
        std::string(R"({"action": "classify", "id": 0e400})"), std::string(R"({"action": "classify", "id": 0e309})")}) {
    ProtocolError e;
    json id;
    CHECK_FALSE(json::parse(text, nullptr, false).is_discarded());
    CHECK_FALSE(parse_request(text, &e, &id));
    CHECK(e.code == ErrorCode::kInvalidJson);
  }
  // Nesting far past any stack: read or refused as nlohmann's iterative parser does, never a crash. (Not through
  // check_same_as_dom: its oracle copies the DOM, and nlohmann copies recursively.)
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  for (const std::string& text : {classify_text(R"({"elements": [], "deep": )" + deep + "}"),
                                  classify_text(R"({"elements": [], "deep": )" + deep.substr(0, 300000) + "}")}) {
    ProtocolError e;
    json id;
    const bool dom_ok = !json::parse(text, nullptr, false).is_discarded();
    const auto request = parse_request(text, &e, &id);
    CHECK(bool(request) == dom_ok);
    if (!request) CHECK(e.code == ErrorCode::kInvalidJson);
  }

  // Random edits of a real request's text: whatever they make, both parsers agree.
  const std::string base = classify_text(
      R"({"webmail": "gmail", "sender": "a@b.example", "user_addresses": ["me@x.example"], "elements": [)"
      R"({"kind": "link", "ref": "e0", "url": "https://t1.mail.example/r/?id=h3bb06546,7f01711&e=dXRtX3Nv", )"
      R"("text": "Read \u00e9 \ud83d\ude00", "visible": true}, {"kind": "img", "ref": "e1", "url": "https://x.example/p.gif", )"
      R"("declared": {"width": 1, "height": 1.0}, "rendered": {"width": -0, "height": 2e0}}]})");
  const std::string alphabet = "{}[]:,\"\\ 0123456789.-+eEtrufalsn/uD8a\x01\x7f\xc3\xa9";
  uint32_t seed = 12345;
  auto next = [&seed](uint32_t n) {
    seed = seed * 1664525u + 1013904223u;
    return (seed >> 8) % n;
  };
  for (int round = 0; round < 3000; ++round) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(next(3));
    for (int k = 0; k < edits; ++k) {
      const size_t at = next(static_cast<uint32_t>(text.size()));
      const char c = alphabet[next(static_cast<uint32_t>(alphabet.size()))];
      switch (next(3)) {
        case 0: text[at] = c; break;
        case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: text.erase(at, 1); break;
      }
    }
    if (!is_valid_utf8(text)) continue;  // refused before either parser (kInvalidUtf8)
    INFO(text);
    const json dom = json::parse(text, nullptr, false);
    const bool request_shaped = dom.is_object() && dom.contains("action") && dom["action"].is_string() &&
                                (!dom.contains("id") || dom["id"].is_primitive());
    ProtocolError e;
    json id;
    const auto request = parse_request(text, &e, &id);
    if (dom.is_discarded()) {
      CHECK_FALSE(request);
      CHECK(e.code == ErrorCode::kInvalidJson);
    } else if (request_shaped && !(dom.contains("id") && dom["id"].is_boolean())) {
      check_same_as_dom(text);
    } else {
      CHECK((!request || !request_shaped));
      if (!request) CHECK(e.code != ErrorCode::kInvalidJson);
    }
  }
}

TEST_CASE("append_json_string writes what dump_json writes, whatever byte falls at any offset", "[protocol]") {
  // The plain check reads eight bytes at a step: each byte that needs care, at each offset of strings that
  // cross word boundaries.
  const std::vector<std::string> odd = {"\x01", "\x1f", "\"", "\\", "\x7f", "\xc3\xa9", "\xff", "\xe2\x82", " ", "~"};
  for (const std::string& b : odd) {
    for (size_t length = 0; length <= 19; ++length) {
      for (size_t at = 0; at <= length; ++at) {
        std::string s(length, 'a');
        s.insert(at, b);
        std::string out = "x";
        append_json_string(&out, s);
        INFO(dump_json(json(s)) << " at " << at);
        CHECK(out == "x" + dump_json(json(s)));
      }
    }
  }
}
