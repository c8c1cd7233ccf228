#include "protocol.h"

#if defined(__SSE2__) && !defined(RAPIDJSON_SSE2)
#define RAPIDJSON_SSE2  // every x86-64 has it: whitespace and plain string runs are read 16 bytes at a time
#endif
#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "charset.h"
#include "leak_detector.h"

namespace mailveil {
namespace {

using nlohmann::json;

const char* type_name(json::value_t type) {
  switch (type) {
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

const char* type_name(const json& v) {
  return type_name(v.type());
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

/// The member `key` of `obj`, or null when absent.
const json* member(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

/// Optional string field `path + key` holding `value` (nullptr when absent): absent/null -> default; other types
/// -> wrong_type; longer than max_length -> invalid_value.
bool read_string(const json* value, std::string_view path, const char* key, std::string* out, ProtocolError* err,
                 bool required = false, size_t max_length = SIZE_MAX) {
  if (value == nullptr || value->is_null()) {
    if (required) *err = missing(std::string(path) + key);
    return !required;
  }
  if (!value->is_string()) {
    *err = wrong_type(std::string(path) + key, "string", *value);
    return false;
  }
  const auto& text = value->get_ref<const std::string&>();
  if (text.size() > max_length) {
    *err = {ErrorCode::kInvalidValue, std::string(path) + key + ": " + std::to_string(text.size()) +
                                          " bytes; at most " + std::to_string(max_length) + " are accepted"};
    return false;
  }
  *out = text;
  return true;
}

bool read_string(const json& obj, const char* key, const std::string& path, std::string* out, ProtocolError* err,
                 bool required = false, size_t max_length = SIZE_MAX) {
  return read_string(member(obj, key), path, key, out, err, required, max_length);
}

/// A width or height: integer or float pixels; negative or absent means unknown. `path` + `size_key` names the
/// object holding it (`message.elements[3].` + `declared`), spelled out for an error only.
bool read_dimension(const json& obj, const char* key, std::string_view path, const char* size_key, int* out,
                    ProtocolError* err) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_number()) {
    *err = wrong_type(std::string(path) + size_key + "." + key, "number", *it);
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

bool read_size(const json& value, std::string_view path, const char* key, Size* out, ProtocolError* err) {
  if (value.is_null()) return true;
  if (!value.is_object()) {
    *err = wrong_type(std::string(path) + key, "object {width, height}", value);
    return false;
  }
  return read_dimension(value, "width", path, key, &out->width, err) &&
         read_dimension(value, "height", path, key, &out->height, err);
}

/// The fields of one element object held in a DOM, as the request parser lifts them from the text.
ElementFields element_fields(const json& v) {
  ElementFields f;
  f.type = v.type();
  if (!v.is_object()) return f;
  for (auto [key, field] : {std::pair{"ref", &f.ref}, std::pair{"kind", &f.kind}, std::pair{"url", &f.url},
                            std::pair{"text", &f.text}, std::pair{"visible", &f.visible}}) {
    if (const json* m = member(v, key)) *field = m->is_structured() ? json(m->type()) : *m;
  }
  for (auto [key, field] : {std::pair{"declared", &f.declared}, std::pair{"rendered", &f.rendered}}) {
    const json* m = member(v, key);
    if (m == nullptr) continue;
    if (!m->is_object()) {
      *field = m->is_structured() ? json(m->type()) : *m;
      continue;
    }
    *field = json::object();
    for (const char* dimension : {"width", "height"}) {
      if (const json* d = member(*m, dimension)) (*field)[dimension] = d->is_structured() ? json(d->type()) : *d;
    }
  }
  return f;
}

/// Element objects a field of which is one of these keep it (ElementFields).
json* element_field(ElementFields* f, std::string_view key, bool* is_size) {
  *is_size = false;
  if (key == "url") return &f->url;
  if (key == "kind") return &f->kind;
  if (key == "ref") return &f->ref;
  if (key == "text") return &f->text;
  if (key == "visible") return &f->visible;
  *is_size = true;
  if (key == "declared") return &f->declared;
  if (key == "rendered") return &f->rendered;
  *is_size = false;
  return nullptr;
}

/// The SAX handler of parse_request: builds the DOM of the request as json::parse does (nlohmann's own DOM
/// builder, fed the same events), except for the items of `message.elements`, which it reads straight into
/// ElementFields. Duplicate keys keep the last value, as in the DOM. It is fed by RapidJsonEvents, which refuses
/// what nlohmann's parser refuses; it refuses no event itself, so the whole text is checked first and a field
/// error is never reported for text that is not JSON.
class RequestReader {
 public:
  /// Room made for the items of message.elements before the first one is read (a mail has tens of them).
  static constexpr size_t kElementsReserved = 128;
  RequestReader(json* doc, Request* request) : dom_(*doc, /*allow_exceptions=*/false), request_(request) {}

  bool null() { return lifting() ? lift(json(nullptr)) : (pending_ = Pending::kNone, dom_.null()); }
  bool boolean(bool v) { return lifting() ? lift(json(v)) : (pending_ = Pending::kNone, dom_.boolean(v)); }
  bool number_integer(json::number_integer_t v) {
    return lifting() ? lift(json(v)) : (pending_ = Pending::kNone, dom_.number_integer(v));
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return lifting() ? lift(json(v)) : (pending_ = Pending::kNone, dom_.number_unsigned(v));
  }
  bool number_float(json::number_float_t v, const json::string_t& text) {
    return lifting() ? lift(json(v)) : (pending_ = Pending::kNone, dom_.number_float(v, text));
  }
  bool string(json::string_t& v) { return lifting() ? lift(json(v)) : (pending_ = Pending::kNone, dom_.string(v)); }

  bool key(json::string_t& k) {
    if (lifting()) {
      lift_key(k);
      return true;
    }
    pending_ = Pending::kNone;
    if (depth_ == 1 && k == "message") pending_ = Pending::kMessage;
    if (depth_ == 2 && in_message_ && k == "elements") pending_ = Pending::kElements;
    return dom_.key(k);
  }

  bool start_object(std::size_t n) {
    if (lifting()) return open(json::value_t::object);
    const Pending p = std::exchange(pending_, Pending::kNone);
    ++depth_;
    if (p == Pending::kMessage) {
      in_message_ = true;
      request_->elements.clear();
      request_->elements_sent = 0;
    }
    return dom_.start_object(n);
  }

  bool end_object() {
    if (lifting()) return close();
    if (depth_ == 2) in_message_ = false;
    --depth_;
    return dom_.end_object();
  }

  bool start_array(std::size_t n) {
    if (lifting()) return open(json::value_t::array);
    const Pending p = std::exchange(pending_, Pending::kNone);
    ++depth_;
    if (p == Pending::kElements) {
      lift_depth_ = depth_;  // the array stays empty in the DOM; its items go to request_->elements
      request_->elements.clear();
      request_->elements.reserve(kElementsReserved);
      request_->elements_sent = 0;
    }
    return dom_.start_array(n);
  }

  bool end_array() {
    if (lift_depth_ != 0 && depth_ == lift_depth_) lift_depth_ = 0;  // the end of message.elements
    if (lifting()) return close();
    --depth_;
    return dom_.end_array();
  }

 private:
  enum class Pending { kNone, kMessage, kElements };

  bool lifting() const { return lift_depth_ != 0 && depth_ >= lift_depth_; }
  /// 0: message.elements itself; 1: an item; 2: a field of an item; 3: a member of a field (declared.width).
  int level() const { return depth_ - lift_depth_; }

  ElementFields* add_item(json::value_t type) {
    if (request_->elements_sent++ > kMaxElements) return nullptr;  // too many: counted, not kept
    request_->elements.push_back({});
    request_->elements.back().type = type;
    return type == json::value_t::object ? &request_->elements.back() : nullptr;
  }

  bool lift(json value) {
    switch (level()) {
      case 0: add_item(value.type()); break;
      case 1:
        if (field_) *field_ = std::move(value);
        field_ = nullptr;
        break;
      case 2:
        if (size_ && size_key_) (*size_)[size_key_] = std::move(value);
        size_key_ = nullptr;
        break;
      default: break;
    }
    return true;
  }

  void lift_key(std::string_view k) {
    if (level() == 1 && item_) {
      field_ = element_field(item_, k, &field_is_size_);
    } else if (level() == 2 && size_) {
      size_key_ = k == "width" ? "width" : k == "height" ? "height" : nullptr;
    }
  }

  bool open(json::value_t type) {
    switch (level()) {
      case 0: item_ = add_item(type); break;
      case 1:
        if (field_ && field_is_size_ && type == json::value_t::object) {
          *field_ = json::object();
          size_ = field_;
        } else if (field_) {
          *field_ = json(type);
        }
        field_ = nullptr;
        break;
      case 2:
        if (size_ && size_key_) (*size_)[size_key_] = json(type);
        size_key_ = nullptr;
        break;
      default: break;
    }
    ++depth_;
    return true;
  }

  bool close() {
    --depth_;
    if (level() == 1) size_ = nullptr;
    if (level() == 0) item_ = nullptr;
    return true;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  Request* request_;
  int depth_ = 0;  ///< containers open
  Pending pending_ = Pending::kNone;
  bool in_message_ = false;  ///< the open container at depth 2 is the top-level `message` object
  int lift_depth_ = 0;       ///< depth of the open message.elements array, 0 when none is open
  ElementFields* item_ = nullptr;
  json* field_ = nullptr;  ///< where the value after the last key of an item goes
  bool field_is_size_ = false;
  json* size_ = nullptr;  ///< the declared/rendered object being read
  const char* size_key_ = nullptr;
};

/// Feeds RapidJSON's reader events to a handler written for nlohmann's SAX interface (RequestReader). The request
/// path parses with RapidJSON: nlohmann's lexer appends each character of a string on its own, and was a sixth of
/// a request's instructions. The events and values are those nlohmann's parser gives. RapidJSON checks a number's
/// grammar and hands over its text; it is converted as nlohmann converts it: an integer without sign that fits 64
/// bits is unsigned, a negative one that fits is signed, anything else a double (strtod), refused when not
/// finite. A string whose escapes spell a lone surrogate is refused as nlohmann refuses it.
template <typename Sax>
class RapidJsonEvents : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, RapidJsonEvents<Sax>> {
 public:
  explicit RapidJsonEvents(Sax* sax) : sax_(sax) {}
  bool Null() { return sax_->null(); }
  bool Bool(bool b) { return sax_->boolean(b); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    text_.assign(s, n);
    const char* const end = text_.data() + text_.size();
    if (text_.find_first_of(".eE") == std::string::npos) {
      if (text_.front() == '-') {
        json::number_integer_t v = 0;
        if (std::from_chars(text_.data(), end, v).ec == std::errc()) return sax_->number_integer(v);
      } else {
        json::number_unsigned_t v = 0;
        if (std::from_chars(text_.data(), end, v).ec == std::errc()) return sax_->number_unsigned(v);
      }
    }
    // Out of 64 bits, a fraction or an exponent: nlohmann's strtod (the "C" locale; nothing here changes it).
    const double d = std::strtod(text_.c_str(), nullptr);
    return std::isfinite(d) && sax_->number_float(d, text_);
  }
  bool String(const char* s, rapidjson::SizeType n, bool) { return take(s, n) && sax_->string(text_); }
  bool Key(const char* s, rapidjson::SizeType n, bool) { return take(s, n) && sax_->key(text_); }
  bool StartObject() { return sax_->start_object(static_cast<std::size_t>(-1)); }
  bool EndObject(rapidjson::SizeType) { return sax_->end_object(); }
  bool StartArray() { return sax_->start_array(static_cast<std::size_t>(-1)); }
  bool EndArray(rapidjson::SizeType) { return sax_->end_array(); }

 private:
  bool take(const char* s, rapidjson::SizeType n) {
    text_.assign(s, n);
    return is_valid_utf8(text_);  // the payload is UTF-8: only an escaped lone surrogate can make it not so
  }
  Sax* sax_;
  json::string_t text_;
};

/// Parses `payload` into `sax`; false when it is not one JSON value. The parse is iterative: no depth of nesting
/// can overflow the stack. RapidJSON reads a NUL-terminated copy, padded so that its 16-byte reads stay inside it,
/// and unescapes each string inside that copy; a NUL byte cannot be in JSON text (it would end the copy early), so
/// a payload holding one is refused first.
template <typename Sax>
bool rapidjson_sax_parse(std::string_view payload, Sax* sax) {
  if (payload.find('\0') != std::string_view::npos) return false;
  if (payload.starts_with("\xEF\xBB\xBF")) payload.remove_prefix(3);  // a byte order mark, as nlohmann skips it
  constexpr size_t kPadding = 16;
  constexpr size_t kKeptCapacity = 1u << 20;  // the copy's buffer is reused, unless a large frame grew it past this
  static thread_local std::string text;
  text.reserve(payload.size() + kPadding);
  text.assign(payload);
  text.append(kPadding, '\0');
  // In situ: strings are not copied onto the reader's stack.
  rapidjson::InsituStringStream in(text.data());
  RapidJsonEvents<Sax> events(sax);
  rapidjson::Reader reader;
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseInsituFlag;
  const bool ok = !reader.Parse<kFlags>(in, events).IsError();
  if (text.capacity() > kKeptCapacity) std::string().swap(text);
  return ok;
}

}  // namespace

std::optional<Request> parse_request(std::string_view payload, ProtocolError* error, json* id) {
  *id = nullptr;
  if (!is_valid_utf8(payload)) {
    *error = {ErrorCode::kInvalidUtf8, "message is not valid UTF-8"};
    return std::nullopt;
  }
  Request req;
  json doc;
  RequestReader reader(&doc, &req);
  if (!rapidjson_sax_parse(payload, &reader)) {
    *error = {ErrorCode::kInvalidJson, "message is not valid JSON"};
    return std::nullopt;
  }
  if (!doc.is_object()) {
    *error = {ErrorCode::kNotAnObject, std::string("message must be a JSON object, got ") + type_name(doc)};
    return std::nullopt;
  }
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

namespace {

/// Reads one element; `p` is its path followed by a dot (`message.elements[3].`), which only an error spells out.
std::optional<Element> read_element(const ElementFields& v, std::string_view p, ProtocolError* error) {
  if (v.type != json::value_t::object) {
    *error = {ErrorCode::kWrongType,
              std::string(p.substr(0, p.size() - 1)) + ": expected object, got " + type_name(v.type)};
    return std::nullopt;
  }
  Element e;
  std::string kind;
  if (!read_string(&v.ref, p, "ref", &e.ref, error, false, kMaxEchoedLength) ||
      !read_string(&v.kind, p, "kind", &kind, error, true) || !read_string(&v.url, p, "url", &e.url, error, true) ||
      !read_string(&v.text, p, "text", &e.text, error)) {
    return std::nullopt;
  }
  auto k = element_kind_from_string(kind);
  if (!k) {
    *error = {ErrorCode::kInvalidValue, std::string(p) + "kind: unknown kind " + quote_value(kind)};
    return std::nullopt;
  }
  e.kind = *k;
  if (!read_size(v.declared, p, "declared", &e.declared, error) ||
      !read_size(v.rendered, p, "rendered", &e.rendered, error)) {
    return std::nullopt;
  }
  if (!v.visible.is_null()) {
    if (!v.visible.is_boolean()) {
      *error = wrong_type(std::string(p) + "visible", "boolean", v.visible);
      return std::nullopt;
    }
    e.visible = v.visible.get<bool>();
  }
  return e;
}

}  // namespace

std::optional<Element> parse_element(const json& v, const std::string& path, ProtocolError* error) {
  return read_element(element_fields(v), path + ".", error);
}

std::optional<Email> parse_classify_request(const Request& request, ProtocolError* error) {
  const json& body = request.body;
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
  if (request.elements_sent > kMaxElements) {
    *error = {ErrorCode::kTooManyElements, "message has " + std::to_string(request.elements_sent) +
                                               " elements; at most " + std::to_string(kMaxElements) + " are accepted"};
    return std::nullopt;
  }
  email.elements.reserve(request.elements.size());
  // Each element's path, for an error only: written into this buffer, not built as a string per element.
  constexpr std::string_view kElementsPath = "message.elements[";
  char path[kElementsPath.size() + 24];
  kElementsPath.copy(path, kElementsPath.size());
  for (size_t i = 0; i < request.elements.size(); ++i) {
    char* end = std::to_chars(path + kElementsPath.size(), path + sizeof(path) - 2, i).ptr;
    *end++ = ']';
    *end++ = '.';
    auto e = read_element(request.elements[i], std::string_view(path, static_cast<size_t>(end - path)), error);
    if (!e) return std::nullopt;
    if (e->ref.empty()) e->ref = "e" + std::to_string(i);
    email.elements.push_back(std::move(*e));
  }
  return email;
}

Request request_from_body(json body) {
  Request request;
  if (auto m = body.find("message"); m != body.end() && m->is_object()) {
    if (auto els = m->find("elements"); els != m->end() && els->is_array()) {
      request.elements_sent = els->size();
      const size_t kept = std::min(els->size(), kMaxElements + 1);
      request.elements.reserve(kept);
      for (size_t i = 0; i < kept; ++i) request.elements.push_back(element_fields((*els)[i]));
      *els = json::array();
    }
  }
  request.body = std::move(body);
  return request;
}

std::optional<Email> parse_classify(const json& body, ProtocolError* error) {
  return parse_classify_request(request_from_body(body), error);
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

json grade_bands_json() {
  json bands = json::array();
  for (const GradeBand& b : kGradeBands) bands.push_back({{"grade", b.grade}, {"min", b.min}});
  return bands;
}

void write_leak(std::string* out, const LeakReport& leak) {
  JsonObjectWriter o(out);
  o.string("address", leak.address);
  o.string("company", leak.company);
  o.string("encoding", to_string(leak.encoding));
  o.string("where", leak.where);
}

void write_reasons(JsonObjectWriter* o, const std::vector<Signal>& reasons) {
  o->array("reasons", reasons, [](std::string* out, Signal s) { append_json_string(out, to_string(s)); });
}

namespace {

// The classify reply written straight to text. dump_json writes an object's keys sorted (nlohmann's std::map),
// compact, invalid UTF-8 replaced: the writers below call the keys in that order and write the same bytes, which
// protocol_test checks against dump_json of the same reply built as a DOM.

/// One element of the reply: its ref and verdict, and for an element with something to say, its kind, reasons,
/// tracker, leaks, rewrite, error; `full` adds the unwrapped and evidence URLs.
void write_element(std::string* out, const ElementResult& r, bool full) {
  JsonObjectWriter o(out);
  if (!r.interesting()) {
    o.string("ref", r.ref);
    o.string("verdict", to_string(r.verdict));
    return;
  }
  if (r.error_code) {
    JsonObjectWriter e(o.key("error"));
    e.string("code", to_string(*r.error_code));
    e.string("message", "URL longer than " + std::to_string(kMaxUrlLength) + " bytes: blocked as a precaution");
  }
  if (full && !r.evidence_url.empty()) o.string("evidence_url", r.evidence_url);
  o.string("kind", to_string(r.kind));
  if (!r.leaks.empty()) o.array("leaks", r.leaks, write_leak);
  write_reasons(&o, r.reasons);
  o.string("ref", r.ref);
  if (!r.rewrite_url.empty()) o.string("rewrite_url", r.rewrite_url);
  if (!r.tracker.empty()) o.boolean("third_party", r.third_party);
  if (r.tracked) o.boolean("tracked", true);
  if (!r.tracker.empty()) {
    JsonObjectWriter t(o.key("tracker"));
    t.string("brand", r.tracker.brand);
    t.string("category", r.tracker.category);
    t.string("company", r.tracker.company);
    t.string("id", r.tracker.id);
    t.string("name", r.tracker.name);
  }
  if (full && !r.unwrapped_url.empty() && r.unwrapped_url != r.url) o.string("unwrapped_url", r.unwrapped_url);
  o.string("verdict", to_string(r.verdict));
}

}  // namespace

void write_report_members(JsonObjectWriter* result, const EmailReport& report, size_t omitted) {
  {
    std::string* findings = result->key("findings");
    findings->push_back('[');
    for (size_t i = 0; i < report.findings.size() && i < kMaxReportFindings; ++i) {
      if (i > 0) findings->push_back(',');
      const Finding& f = report.findings[i];
      JsonObjectWriter fo(findings);
      fo.string("code", to_string(f.code));
      if (!f.company.empty()) fo.string("company", f.company);
      if (!f.detail.empty()) fo.string("detail", f.detail);
      fo.string("message", f.message);
      if (!f.ref.empty()) fo.string("ref", f.ref);
      fo.string("severity", to_string(f.severity));
    }
    findings->push_back(']');
  }
  if (report.findings.size() > kMaxReportFindings)
    result->number("findings_omitted", report.findings.size() - kMaxReportFindings);
  result->string("message_id", report.message_id);
  if (omitted > 0) result->number("omitted", omitted);
  {
    const Score& sc = report.score;
    JsonObjectWriter score(result->key("score"));
    {
      JsonObjectWriter d(score.key("deductions"));
      d.number("companies", static_cast<long long>(sc.companies));
      d.number("leaks", static_cast<long long>(sc.leaks));
      d.number("links", static_cast<long long>(sc.links));
      d.number("pixels", static_cast<long long>(sc.pixels));
    }
    score.string("grade", sc.grade);
    {
      JsonObjectWriter reason(score.key("reason"));
      reason.string("code", to_string(sc.reason.code));
      reason.strings("companies", sc.reason.companies);
      reason.number("count", sc.reason.count);
      reason.string("text", sc.reason.text);
    }
    score.number("value", static_cast<long long>(sc.value));
  }
  {
    const Summary& s = report.summary;
    JsonObjectWriter summary(result->key("summary"));
    summary.number("blocked", s.blocked);
    summary.strings("companies", s.companies);
    summary.number("elements", s.elements);
    summary.number("leaks", s.leaks);
    summary.number("rewritten", s.rewritten);
    summary.number("third_parties", s.companies.size());
    summary.number("tracked_links", s.tracked_links);
    summary.number("tracker_pixels", s.tracker_pixels);
  }
}

namespace {

/// The classify reply, {"action", "id", "ok", "result"}, with the first `max_elements` elements; `id` is the id
/// already serialised.
void write_reply_to(std::string* out, std::string_view id, const EmailReport& report, bool full_detail,
                    size_t max_elements) {
  JsonObjectWriter reply(out);
  reply.string("action", "classify");
  reply.key("id")->append(id);
  reply.boolean("ok", true);
  JsonObjectWriter result(reply.key("result"));
  if (!full_detail) result.string("detail", "reduced");
  const size_t n = std::min(max_elements, report.elements.size());
  {
    std::string* elements = result.key("elements");
    elements->push_back('[');
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) elements->push_back(',');
      write_element(elements, report.elements[i], full_detail);
    }
    elements->push_back(']');
  }
  write_report_members(&result, report, report.elements.size() - n);
  result.boolean("truncated", n < report.elements.size());
}

std::string write_classify_reply(std::string_view id, const EmailReport& report, bool full_detail,
                                 size_t max_elements) {
  std::string out;
  out.reserve(512 + report.elements.size() * 160);
  write_reply_to(&out, id, report, full_detail, max_elements);
  return out;
}

}  // namespace

std::string serialize_classify_reply(const json& id, const EmailReport& report, size_t max_bytes) {
  const std::string id_text = dump_json(id);
  const size_t all = report.elements.size();
  std::string out = write_classify_reply(id_text, report, true, all);
  if (out.size() <= max_bytes) return out;
  out = write_classify_reply(id_text, report, false, all);
  if (out.size() <= max_bytes) return out;
  // Binary search for the largest prefix of elements that fits.
  size_t lo = 0, hi = all;
  std::string best = write_classify_reply(id_text, report, false, 0);
  while (lo < hi) {
    size_t mid = lo + (hi - lo + 1) / 2;
    std::string candidate = write_classify_reply(id_text, report, false, mid);
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
