#include "protocol.h"

#include <catch2/catch.hpp>
#include <set>

#include "test_support.h"

using namespace mailveil;
using nlohmann::json;

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
  const json j = report_to_json(test::fixture_engine().classify(email), true, 10);
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
