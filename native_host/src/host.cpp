#include "host.h"

#include <spdlog/spdlog.h>

#include <exception>

#include "evidence.h"
#include "heap.h"
#include "leak_detector.h"
#include "public_suffix.h"
#include "url.h"

namespace mailveil {
namespace {

using nlohmann::json;

}  // namespace

const Host::Action Host::kActions[] = {
    {"hello", &Host::on_hello},       {"classify", &Host::on_classify}, {"status", &Host::on_status},
    {"rules", &Host::on_rules},       {"report", &Host::on_report},     {"update", &Host::on_update},
    {"evidence", &Host::on_evidence},
};

namespace {

/// A newsletter as the extension would send it, with the shapes most mails have: content images (one also as a
/// hidden responsive copy), an open pixel carrying the reader's address (base64 in the path, plain in the query), a
/// click-tracking redirect, a link with campaign parameters, an unsubscribe link, a mailto: link. Its hosts are
/// reserved example names; its click link is shaped like SendGrid's (`/ls/click?upn=`), so the few signature
/// regexes it compiles are ones a common ESP's mail needs anyway.
constexpr std::string_view kWarmUpRequest = R"({"id":0,"action":"classify","message":{"webmail":"gmail",
"sender":"News <news@shop.example>","user_addresses":["reader@example.org"],"elements":[
{"ref":"w0","kind":"img","url":"https://img.shop.example/2026/12/banner-winter.jpg",
 "declared":{"width":600,"height":240}},
{"ref":"w1","kind":"img","url":"https://img.shop.example/2026/12/banner-winter.jpg","declared":{"width":320},
 "visible":false},
{"ref":"w2","kind":"img","url":"https://t.mail.shop.example/o/cmVhZGVyQGV4YW1wbGUub3Jn/7f3a9c2e41d8b605",
 "declared":{"width":1,"height":1}},
{"ref":"w3","kind":"img","url":"https://t.mail.shop.example/open.gif?e=reader%40example.org&u=7d9f3c2a1b8e4f60"},
{"ref":"w4","kind":"link","text":"Shop the sale","url":
 "https://click.mail.shop.example/ls/click?upn=U2hvcC10aGUtc2FsZS0yMDI2LTEyLWE3ZjM&url=https%3A%2F%2Fshop.example%2Fsale"},
{"ref":"w5","kind":"link","text":"Warm boots","url":
 "https://shop.example/p/4471?utm_source=newsletter&utm_medium=email&utm_campaign=winter&mc_eid=7d9f3c2a1b"},
{"ref":"w6","kind":"link","url":"https://shop.example/account/unsubscribe?id=7d9f3c2a1b8e4f60","text":"Unsubscribe"},
{"ref":"w7","kind":"link","url":"mailto:help@shop.example","text":"Contact us"}]}})";

}  // namespace

bool Host::warm_up() {
  const auto t0 = std::chrono::steady_clock::now();
  ProtocolError error;
  json id;
  auto req = parse_request(kWarmUpRequest, &error, &id);
  auto email = req ? parse_classify_request(*req, &error) : std::nullopt;
  if (!email) {
    spdlog::error("warm-up request rejected: {}", error.message);  // a bug in kWarmUpRequest
    return false;
  }
  const EmailReport report = engine()->classify(*email);
  const std::string reply = serialize_classify_reply(req->id, report, writer_.max_payload());
  spdlog::debug("request path warmed up in {:.2f} ms ({} elements, reply {} bytes)",
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(),
                report.elements.size(), reply.size());
  return true;
}

Host::Host(HostConfig config, ActiveList list, FrameWriter& writer) : config_(std::move(config)), writer_(writer) {
  install(std::move(list));
}

Host::~Host() {
  if (update_thread_.joinable()) update_thread_.join();
}

std::shared_ptr<const Engine> Host::engine() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return engine_;
}

void Host::install(ActiveList list) {
  auto engine = std::make_shared<const Engine>(list.list ? list.list : compile_list(SignatureList{}), list.user_list,
                                               list.user_exceptions);
  for (const auto& n : list.notes) spdlog::info("signature list: {}", n);
  for (const auto& w : list.warnings) spdlog::warn("signature list: {}", w);
  for (const auto& e : engine->matcher().set_errors()) spdlog::warn("pattern left out of the set: {}", e);
  std::lock_guard<std::mutex> lock(mutex_);
  engine_ = std::move(engine);
  active_ = std::move(list);
}

int Host::serve(FrameReader& reader, const std::function<bool()>& idle) {
  std::string payload;
  for (;;) {
    if (idle) idle_work(idle);
    uint64_t declared = 0;
    switch (reader.read(&payload, &declared)) {
      case ReadStatus::kOk: handle(payload); break;
      case ReadStatus::kEof: spdlog::info("stdin closed after {} requests; exiting", requests_.load()); return 0;
      case ReadStatus::kTruncated:
        send_error(nullptr, "", ErrorCode::kTruncatedFrame, "input ended inside a frame");
        spdlog::warn("truncated frame; exiting");
        return 0;
      case ReadStatus::kTooLarge:
        send_error(nullptr, "", ErrorCode::kFrameTooLarge,
                   "frame of " + std::to_string(declared) + " bytes exceeds the " + std::to_string(kMaxInboundFrame) +
                       "-byte limit; skipped");
        break;
    }
  }
}

void Host::idle_work(const std::function<bool()>& idle) {
  if (!warm_) {
    if (!idle()) return;
    try {
      warm_up();
    } catch (const std::exception& e) {  // a bug must not take the port down: serve without it
      spdlog::error("warm-up failed: {}", e.what());
    }
    warm_ = true;
  }
  const std::shared_ptr<const Engine> current = engine();
  if (compiled_engine_.lock() == current) return;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    if (!current->prepare_rest(idle)) return;  // a request is waiting: resumed after it
  } catch (const std::exception& e) {          // as above: the patterns stay compiled on first use
    spdlog::error("compiling the patterns while idle failed: {}", e.what());
  }
  compiled_engine_ = current;
  // Then the pages a real mail's request writes, beyond what the patterns took: mapped now, not on its time.
  const size_t pages = prefault_heap();
  const Matcher::Compiled done = current->matcher().compiled();
  spdlog::debug("patterns compiled while idle: {} sets and {} regexes in all, the last {:.2f} ms; {} heap pages mapped",
                done.sets, done.regexes,
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(), pages);
}

void Host::handle(std::string_view payload) {
  ++requests_;
  ProtocolError error;
  json id;
  auto req = parse_request(payload, &error, &id);
  if (!req) {
    send_error(id, "", error.code, error.message);
    return;
  }
  if (!config_.caller_allowed) {
    send_error(req->id, req->action, ErrorCode::kForbiddenCaller,
               "caller '" + config_.caller + "' is not an extension this host was installed for");
    return;
  }
  for (const auto& a : kActions) {
    if (a.name != req->action) continue;
    try {
      (this->*a.handler)(*req);
    } catch (const std::exception& e) {
      // A bug must not take the port down: answer and keep serving.
      spdlog::error("internal error in {}: {}", req->action, e.what());
      send_error(req->id, req->action, ErrorCode::kInternal, std::string("internal error: ") + e.what());
    }
    return;
  }
  send_error(req->id, req->action, ErrorCode::kUnknownAction, "unknown action '" + req->action + "'");
}

void Host::send(const json& reply) {
  std::string text = dump_json(reply);
  if (!writer_.write(text)) {
    // Only a bug can build a reply this large; say so within the limit. The echoed id and action are bounded
    // (kMaxEchoedLength, kMaxActionLength), so this reply fits.
    ProtocolError e{ErrorCode::kInternal, "reply exceeded the outbound frame limit"};
    const auto id = reply.find("id");
    const auto action = reply.find("action");
    writer_.write(
        dump_json(error_reply(id != reply.end() ? *id : json(),
                              action != reply.end() && action->is_string() ? action->get<std::string>() : "", e)));
  }
}

void Host::send_error(const json& id, std::string_view action, ErrorCode code, std::string message) {
  ++errors_;
  spdlog::info("error reply {}: {}", to_string(code), message);
  send(error_reply(id, action, {code, std::move(message)}));
}

json Host::signatures_json() const {
  std::lock_guard<std::mutex> lock(mutex_);
  const CompiledList& l = engine_->list();
  const ListFreshness fresh = list_freshness(l.list_version, l.published, l.expires, today_utc_days());
  return {{"list_version", l.list_version},
          {"published", l.published},
          {"expires", fresh.expires.empty() ? json(nullptr) : json(fresh.expires)},
          {"age_days", fresh.age_days >= 0 ? json(fresh.age_days) : json(nullptr)},
          {"expired", fresh.expired},
          {"days_past_due", fresh.days_past_due},
          {"freshness_note", fresh.note},
          {"trackers", l.size()},
          {"skipped", l.skipped.size()},
          {"user_trackers", engine_->user_trackers()},
          {"source", to_string(active_.source)},
          {"path", active_.path},
          {"previous_available", active_.previous_available}};
}

void Host::on_hello(const Request& req) {
  auto p = req.body.find("protocol");
  if (p == req.body.end()) {
    send_error(req.id, req.action, ErrorCode::kMissingField, "missing field protocol");
    return;
  }
  if (!p->is_number_integer()) {
    send_error(req.id, req.action, ErrorCode::kWrongType, "protocol: expected integer");
    return;
  }
  const auto v = p->get<int64_t>();
  if (v < kMinProtocolVersion || v > kProtocolVersion) {
    send_error(req.id, req.action, ErrorCode::kUnsupportedProtocol,
               "protocol " + std::to_string(v) + " is not supported; this host speaks " +
                   std::to_string(kMinProtocolVersion) + " to " + std::to_string(kProtocolVersion));
    return;
  }
  send(ok_reply(req.id, req.action,
                {{"host_version", MAILVEIL_VERSION},
                 {"protocol", kProtocolVersion},
                 {"min_protocol", kMinProtocolVersion},
                 {"max_protocol", kProtocolVersion},
                 {"signatures", signatures_json()},
                 {"psl", public_suffix_json()},
                 {"grades", grade_bands_json()},
                 {"limits",
                  {{"max_frame_in", kMaxInboundFrame},
                   {"max_frame_out", writer_.max_payload()},
                   {"max_elements", kMaxElements},
                   {"max_url_length", kMaxUrlLength},
                   {"max_user_addresses", kMaxUserAddresses},
                   {"max_address_length", kMaxAddressLength},
                   {"max_echoed_length", kMaxEchoedLength}}}}));
}

void Host::on_classify(const Request& req) {
  ProtocolError error;
  auto email = parse_classify_request(req, &error);
  if (!email) {
    send_error(req.id, req.action, error.code, error.message);
    return;
  }
  auto engine = this->engine();
  warm_ = true;
  EmailReport report = engine->classify(*email);
  spdlog::info("classify {}: {} elements, {} blocked, {} rewritten, {} leaks, grade {}", email->webmail,
               report.summary.elements, report.summary.blocked, report.summary.rewritten, report.summary.leaks,
               report.score.grade);
  std::string text = serialize_classify_reply(req.id, report, writer_.max_payload());
  if (!writer_.write(text)) {
    send_error(req.id, req.action, ErrorCode::kInternal, "classify reply could not be sized under the limit");
  }
}

void Host::on_status(const Request& req) {
  const auto uptime =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_).count();
  send(ok_reply(req.id, req.action,
                {{"host_version", MAILVEIL_VERSION},
                 {"protocol", kProtocolVersion},
                 {"uptime_ms", uptime},
                 {"requests", requests_.load()},
                 {"errors", errors_.load()},
                 {"updating", updating_.load()},
                 {"signatures", signatures_json()},
                 {"log_file", config_.log_file}}));
}

void Host::on_rules(const Request& req) {
  auto engine = this->engine();
  send(ok_reply(req.id, req.action,
                {{"list_version", engine->list().list_version}, {"block_domains", engine->matcher().block_domains()}}));
}

void Host::on_report(const Request& req) {
  ProtocolError error;
  auto report = parse_report(req.body, &error);
  if (!report) {
    send_error(req.id, req.action, error.code, error.message);
    return;
  }
  const std::string& kind = report->kind;
  Element* element = &report->element;
  Email email;
  email.webmail = report->webmail;
  email.user_addresses = report->user_addresses;
  if (element->ref.empty()) element->ref = "e0";
  email.elements.push_back(*element);
  auto engine = this->engine();
  EmailReport verdict = engine->classify(email);
  const ElementResult& r = verdict.elements.front();

  // The URL in a report is always masked, whatever the verdict.
  LeakDetector detector(email.user_addresses);
  std::string masked = "(not a remote URL)";
  if (element->url.size() > kMaxUrlLength) {
    masked = "(a URL of " + std::to_string(element->url.size()) + " bytes, longer than the " +
             std::to_string(kMaxUrlLength) + "-byte limit: not shown)";
  } else if (auto u = parse_url(element->url)) {
    masked = detector.mask(*u);
  }
  auto size_text = [](const Size& s) {
    return s.known() ? std::to_string(s.width) + "x" + std::to_string(s.height) : std::string("unknown");
  };
  json j = {{"kind", kind},
            {"webmail", email.webmail},
            {"element",
             {{"kind", to_string(element->kind)},
              {"declared", size_text(element->declared)},
              {"rendered", size_text(element->rendered)},
              {"visible", element->visible}}},
            {"url", masked},
            {"host_verdict", to_string(r.verdict)},
            {"host_reasons", to_strings(r.reasons)},
            {"tracker", r.tracker.empty() ? json(nullptr) : json(r.tracker.id)},
            {"host_version", MAILVEIL_VERSION},
            {"list_version", engine->list().list_version}};
  std::string text = std::string("MailVeil report: ") + (kind == "missed" ? "missed tracker" : "false block") + "\n" +
                     "webmail: " + (email.webmail.empty() ? "unknown" : email.webmail) + "\n" +
                     "element: " + to_string(element->kind) + ", declared " + size_text(element->declared) +
                     ", rendered " + size_text(element->rendered) + (element->visible ? "" : ", hidden") + "\n" +
                     "url (masked): " + masked + "\n" + "current verdict: " + to_string(r.verdict) +
                     (r.tracker.empty() ? "" : " (" + r.tracker.id + ")") + "\n" + "host " + MAILVEIL_VERSION +
                     ", signature list " + std::to_string(engine->list().list_version) + "\n";
  send(ok_reply(req.id, req.action, {{"text", text}, {"json", j}}));
}

void Host::on_evidence(const Request& req) {
  ProtocolError error;
  auto request = parse_evidence_request(req, &error);
  if (!request) {
    send_error(req.id, req.action, error.code, error.message);
    return;
  }
  auto engine = this->engine();
  ReportVersions versions;
  versions.list_version = engine->list().list_version;
  versions.list_published = engine->list().published;
  versions.psl = public_suffix_text();
  auto result = evidence_result(*engine, *request, versions, writer_.max_payload());
  if (!result) {
    send_error(req.id, req.action, ErrorCode::kInternal, "evidence page could not be sized under the reply limit");
    return;
  }
  spdlog::info("evidence ({}): {} elements", to_string(request->lang), request->email.elements.size());
  send(ok_reply(req.id, req.action, std::move(*result)));
}

void Host::on_update(const Request& req) {
  bool rollback = false;
  if (auto r = req.body.find("rollback"); r != req.body.end()) {
    if (!r->is_boolean()) {
      send_error(req.id, req.action, ErrorCode::kWrongType, "rollback: expected boolean");
      return;
    }
    rollback = r->get<bool>();
  }
  if (updating_.exchange(true)) {
    send_error(req.id, req.action, ErrorCode::kUpdateInProgress, "an update is already running");
    return;
  }
  if (update_thread_.joinable()) update_thread_.join();
  ActiveList current;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    current = active_;
  }
  // The download runs beside the request loop: classify keeps being served with the old list meanwhile.
  update_thread_ = std::thread([this, id = req.id, rollback, current]() {
    UpdateOutcome outcome;
    try {
      if (rollback) {
        outcome = rollback_signatures(config_.update, current);
      } else {
        auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
        outcome = update_signatures(config_.update, current, [&](uint64_t received, uint64_t total) {
          auto now = std::chrono::steady_clock::now();
          if (now - last < std::chrono::milliseconds(100) && received != total) return;
          last = now;
          json progress = {{"id", id},
                           {"action", "update"},
                           {"ok", true},
                           {"final", false},
                           {"progress", {{"received", received}, {"total", total}}}};
          writer_.write(dump_json(progress));
        });
      }
    } catch (const std::exception& e) {
      outcome.ok = false;
      outcome.message = std::string("internal error: ") + e.what();
    }
    if (outcome.ok) {
      if (outcome.status != UpdateStatus::kNotModified) install(outcome.active);
      spdlog::info("update: {}", to_string(outcome.status));
      json reply = ok_reply(id, "update", {{"status", to_string(outcome.status)}, {"signatures", signatures_json()}});
      reply["final"] = true;
      send(reply);
    } else {
      json reply = error_reply(id, "update", {outcome.error_code, outcome.message});
      reply["final"] = true;
      ++errors_;
      spdlog::warn("update failed: {}", outcome.message);
      send(reply);
    }
    updating_ = false;
  });
}

}  // namespace mailveil
