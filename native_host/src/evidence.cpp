#include "evidence.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "charset.h"
#include "digest.h"
#include "ga_evidence.h"
#include "leak_detector.h"
#include "templates.h"
#include "text_util.h"
#include "url.h"

namespace mailveil {
namespace {

using nlohmann::json;

/// Longest header values shown (a webmail may send anything).
constexpr size_t kMaxDate = 100;
constexpr size_t kMaxSubject = 400;
constexpr size_t kMaxMessageId = 300;

struct Words {
  const char* en;
  const char* fr;
  const char* in(Lang lang) const { return lang == Lang::kFr ? fr : en; }
};

std::string action_words(const ElementResult& e, Lang lang) {
  if (e.verdict == Verdict::kBlock) return Words{"blocked before loading", "bloqué avant chargement"}.in(lang);
  if (e.verdict == Verdict::kRewrite) {
    return Words{"tracked link: opens the destination directly", "lien tracé : ouvre directement la destination"}.in(
        lang);
  }
  if (e.tracked) {
    return Words{"tracked link, destination unknown: left as is", "lien tracé, destination inconnue : laissé tel quel"}
        .in(lang);
  }
  return Words{"left as is", "laissé tel quel"}.in(lang);
}

/// How the address reaches a company, with when: "as a SHA-256 hash, when the e-mail is opened".
std::string address_words(const LeakReport& leak, bool on_open, Lang lang) {
  return plain_encoding(leak.encoding, lang) +
         (on_open ? Words{", when the e-mail is opened", ", à l'ouverture du courriel"}.in(lang)
                  : Words{", when a link is clicked", ", lors d'un clic sur un lien"}.in(lang));
}

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string clean_header(std::string_view value, size_t max) {
  std::string s = repair_utf8(trim(value));
  for (char& c : s) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  return shorten_text(std::move(s), max);
}

/// The Message-ID as it may be shown: not an address, but it could embed the reader's (plain, encoded, hashed,
/// or VERP-style local=domain). Empty when it does and *withheld is set; when no reader address is known, every
/// address-shaped part is masked instead.
std::string checked_message_id(std::string_view raw, const std::vector<std::string>& addresses, bool* withheld) {
  *withheld = false;
  std::string id = clean_header(raw, kMaxMessageId);
  if (id.empty()) return id;
  LeakDetector detector(addresses);
  if (detector.empty()) return mask_addresses_in_text(id);
  Url probe;
  probe.scheme = "https";
  probe.host = "message-id.invalid";
  probe.path = "/" + id;
  bool leaky = !detector.find(probe).empty();
  for (const auto& a : detector.addresses()) {
    std::string verp = a;
    std::replace(verp.begin(), verp.end(), '@', '=');
    if (ifind(id, verp) != std::string::npos) leaky = true;
  }
  if (leaky) {
    *withheld = true;
    return {};
  }
  return id;
}

std::string sha256_base64(std::string_view text) {
  return base64_encode(raw_digest(HashAlgorithm::kSha256, text));
}

std::string today() {
  return utc_now().substr(0, 10);
}

}  // namespace

EvidencePack::EvidencePack(std::string sender_domain, Lang lang, EvidenceLimits limits)
    : domain_(std::move(sender_domain)), lang_(lang), limits_(limits) {}

bool EvidencePack::is_evidence(const ElementResult& e) {
  return (!e.tracker.empty() && (e.verdict == Verdict::kBlock || e.tracked)) || !e.leaks.empty();
}

void EvidencePack::add(const MailHeaders& headers, const EmailReport& report,
                       const std::vector<std::string>& user_addresses, bool keep_without_tracking) {
  std::vector<const ElementResult*> evidence;
  for (const auto& e : report.elements) {
    if (is_evidence(e)) evidence.push_back(&e);
  }
  if (evidence.empty() && !keep_without_tracking) return;
  if (const std::string_view id = trim(headers.message_id); !id.empty()) {
    const size_t hash = std::hash<std::string_view>{}(id);
    if (message_ids_.count(hash)) return;
    if (message_ids_.size() < kMaxMessageIds) message_ids_.insert(hash);
  }
  ++mails_seen_;
  has_tracking_ = has_tracking_ || !evidence.empty();
  worst_score_ = std::min(worst_score_, report.score.value);

  // Companies and what they learn.
  std::set<std::string> in_this_mail;
  auto party = [&](const std::string& company) -> Party* {
    auto it = parties_.find(company);
    if (it == parties_.end()) {
      if (parties_.size() >= limits_.parties) {
        ++parties_omitted_;
        return nullptr;
      }
      it = parties_.emplace(company, Party{}).first;
      it->second.third_party = false;
    }
    if (in_this_mail.insert(company).second) ++it->second.mails;
    return &it->second;
  };
  for (const ElementResult* e : evidence) {
    const bool fetched = is_fetched_on_open(e->kind);
    if (!e->tracker.empty()) {
      if (Party* p = party(e->tracker.company)) {
        p->brands.insert(e->tracker.brand.empty() ? e->tracker.company : e->tracker.brand);
        p->category = plain_category(e->tracker.category, lang_);
        p->third_party = p->third_party || e->third_party;
        if (fetched && e->verdict == Verdict::kBlock) p->on_open = true;
        if (!fetched && e->tracked) p->on_click = true;
        // A personal token other than the address itself (masked as [email:...]) reads [token].
        p->token = p->token || e->evidence_url.find("[token]") != std::string::npos;
      }
    }
    for (const auto& l : e->leaks) {
      if (Party* p = party(l.company)) {
        if (p->brands.empty()) p->brands.insert(l.company);
        if (p->category.empty()) p->category = plain_category("unknown", lang_);
        p->third_party = p->third_party || e->third_party;
        p->address.insert(address_words(l, fetched, lang_));
      }
    }
  }

  // Google Analytics: the hits the classifier analysed, worded again in the pack's language.
  std::set<std::string> ga_refs;
  for (const auto& f : report.findings) {
    if (is_google_analytics(f.code)) ga_refs.insert(f.ref);
  }
  std::set<std::pair<std::string, std::string>> ga_in_this_mail;
  for (const ElementResult* e : evidence) {
    if (!ga_refs.count(e->ref)) continue;
    auto url = parse_url(e->unwrapped_url);
    if (!url) continue;
    for (const auto& f : analyse_google_analytics(*url, e->ref, lang_)) {
      auto key = std::make_pair(std::string(to_string(f.code)), f.detail);  // ordered as before: by wire code
      auto it = ga_.find(key);
      if (it == ga_.end()) {
        if (ga_.size() >= limits_.ga) continue;
        it = ga_.emplace(key, GaFact{capitalised(finding_label(f.code, lang_)), f.detail, 0}).first;
      }
      if (ga_in_this_mail.insert(key).second) ++it->second.mails;
    }
  }

  // The mail itself, kept if it is among the worst.
  if (mails_.size() >= limits_.mails) {
    auto best =
        std::max_element(mails_.begin(), mails_.end(), [](const Mail& a, const Mail& b) { return a.score < b.score; });
    if (best == mails_.end() || report.score.value >= best->score) return;
    mails_.erase(best);
  }
  Mail m;
  m.date = clean_header(headers.date, kMaxDate);
  // A display name and an address ("News <news@shop.example>") or a bare address: each address in it masked.
  m.sender = mask_addresses_in_text(clean_header(headers.sender, kMaxSubject));
  m.subject = clean_header(headers.subject, kMaxSubject);
  m.message_id = checked_message_id(headers.message_id, user_addresses, &m.message_id_withheld);
  m.grade = report.score.grade;
  m.score = report.score.value;
  m.reason = reason_text(report.score.reason, report.score.grade, lang_, /*with_grade=*/false);
  for (const ElementResult* e : evidence) {
    if (m.items.size() >= limits_.items) {
      ++m.items_omitted;
      continue;
    }
    Item item;
    item.kind = plain_kind(e->kind, lang_);
    item.party = !e->tracker.empty() ? (e->tracker.brand.empty() ? e->tracker.company : e->tracker.brand)
                                     : e->leaks.front().company;
    item.action = action_words(*e, lang_);
    item.url = shorten_text(masked_evidence_url(*e), limits_.url);
    std::set<std::string> seen;
    for (const auto& l : e->leaks) {
      std::string words = plain_encoding(l.encoding, lang_);
      if (seen.insert(words).second) item.leak.push_back(std::move(words));
    }
    m.items.push_back(std::move(item));
  }
  mails_.push_back(std::move(m));
}

std::string EvidencePack::filename(const std::string& date) const {
  std::string name = domain_ == "(unknown)" ? std::string("unknown-sender") : ascii_lower(domain_);
  for (char& c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) c = '_';
  }
  if (name.empty() || name.front() == '.') name.insert(name.begin(), '_');
  return "mailveil-evidence-" + name + (date.empty() ? "" : "-" + date) + "-" + to_string(lang_) + ".html";
}

std::string EvidencePack::html(const ReportVersions& versions) const {
  TemplateData d;
  d.set("domain", domain_);
  d.set("generated", utc_now());
  d.set("versions", versions_data(versions));

  // Mails, worst first.
  std::vector<const Mail*> mails;
  for (const auto& m : mails_) mails.push_back(&m);
  std::stable_sort(mails.begin(), mails.end(), [](const Mail* a, const Mail* b) { return a->score < b->score; });
  TemplateList mail_list;
  for (const Mail* m : mails) {
    TemplateData md;
    md.set("date", m->date.empty() ? std::string(Words{"unknown date", "date inconnue"}.in(lang_)) : m->date);
    md.set("sender", m->sender.empty() ? std::string("-") : m->sender);
    md.set("subject", m->subject);
    // The Message-ID is the one value shown unmasked (checked above): escaped here, inserted with {{{ }}}.
    md.set("message_id_html", m->message_id.empty() ? TemplateData(false) : TemplateData(html_escape(m->message_id)));
    md.set("message_id_text", m->message_id.empty() ? TemplateData(false) : TemplateData(m->message_id));
    md.set("message_id_withheld", m->message_id_withheld);
    md.set("grade", m->grade);
    md.set("score", num(m->score));
    md.set("reason", m->reason);
    TemplateList items;
    for (const auto& it : m->items) {
      TemplateData id;
      id.set("kind", it.kind);
      id.set("party", it.party);
      id.set("action", it.action);
      id.set("url", it.url);
      TemplateList leak;
      for (const auto& w : it.leak) leak.push_back(TemplateData(w));
      id.set("leak", leak);
      items.push_back(std::move(id));
    }
    md.set("items", items);
    md.set("items_omitted", m->items_omitted == 0 ? TemplateData(false) : TemplateData(num(m->items_omitted)));
    mail_list.push_back(std::move(md));
  }
  d.set("mails", mail_list);
  d.set("single", mails_seen_ <= 1);
  d.set("mail_count", num(mails_seen_));
  const size_t omitted = mails_seen_ - mails_.size();
  d.set("mails_omitted", omitted == 0 ? TemplateData(false) : TemplateData(num(omitted)));
  d.set("worst_grade", grade_for(worst_score_));

  // Companies: those receiving the address first, then other third parties, then the sender's own tracking.
  std::vector<std::pair<std::string, const Party*>> parties;
  for (const auto& [company, p] : parties_) parties.emplace_back(company, &p);
  auto rank = [](const Party& p) { return !p.third_party ? 2 : p.address.empty() ? 1 : 0; };
  std::stable_sort(parties.begin(), parties.end(), [&](const auto& a, const auto& b) {
    if (rank(*a.second) != rank(*b.second)) return rank(*a.second) < rank(*b.second);
    return a.second->mails > b.second->mails;
  });
  TemplateList party_list;
  size_t third_parties = 0, address_parties = 0;
  for (const auto& [company, p] : parties) {
    if (p->third_party) {
      ++third_parties;
      if (!p->address.empty()) ++address_parties;
    }
    TemplateData pd;
    pd.set("name", p->brands.size() == 1 ? *p->brands.begin() : company);
    pd.set("category", p->category);
    pd.set("sender_own", !p->third_party);
    pd.set("on_open", p->on_open);
    pd.set("on_click", p->on_click);
    pd.set("token", p->token);
    TemplateList address;
    for (const auto& a : p->address) address.push_back(TemplateData(a));
    pd.set("address", address);
    pd.set("mails", num(p->mails));
    party_list.push_back(std::move(pd));
  }
  d.set("parties", party_list);
  d.set("party_count", num(third_parties));
  d.set("one_party", lang_ == Lang::kFr ? third_parties <= 1 : third_parties == 1);
  d.set("address_parties", address_parties == 0 ? TemplateData(false) : TemplateData(num(address_parties)));
  d.set("one_address_party", address_parties == 1);

  // Google Analytics, most frequent first.
  std::vector<const GaFact*> ga;
  for (const auto& [key, f] : ga_) ga.push_back(&f);
  std::stable_sort(ga.begin(), ga.end(), [](const GaFact* a, const GaFact* b) { return a->mails > b->mails; });
  TemplateList ga_list;
  for (const GaFact* f : ga) {
    TemplateData gd;
    gd.set("message", f->message);
    gd.set("detail", f->detail);
    gd.set("mails", num(f->mails));
    ga_list.push_back(std::move(gd));
  }
  d.set("has_ga", !ga.empty());
  d.set("ga", ga_list);

  // The letter: plain text with addresses masked, then escaped as a whole for the textarea.
  std::string letter = render_template(std::string("letter_") + to_string(lang_), d, TemplateEscape::kText);
  d.set("letter_html", html_escape(trim(letter)));

  // Style and script are the page's own text, allowed by their hashes (and nothing else is).
  TemplateList bands;
  for (const GradeBand& b : kGradeBands) {
    TemplateData bd;
    bd.set("grade", std::string(b.grade));
    bd.set("color", grade_color(b.grade));
    bands.push_back(std::move(bd));
  }
  TemplateData style_data;
  style_data.set("bands", bands);
  const std::string style = render_template("evidence_style", style_data, TemplateEscape::kText);
  const std::string script(template_text("evidence_copy"));
  d.set("style", style);
  d.set("copy_script", script);
  d.set("csp", "default-src 'none'; style-src 'sha256-" + sha256_base64(style) + "'; script-src 'sha256-" +
                   sha256_base64(script) + "'; base-uri 'none'; form-action 'none'");
  return render_template(std::string("evidence_") + to_string(lang_), d, TemplateEscape::kHtml);
}

std::optional<EvidenceRequest> parse_evidence_request(const Request& request, ProtocolError* error) {
  const json& body = request.body;
  EvidenceRequest r;
  if (auto l = body.find("lang"); l != body.end() && !l->is_null()) {
    auto lang = l->is_string() ? lang_from_string(l->get<std::string>()) : std::nullopt;
    if (!lang) {
      *error = {l->is_string() ? ErrorCode::kInvalidValue : ErrorCode::kWrongType, "lang: expected \"en\" or \"fr\""};
      return std::nullopt;
    }
    r.lang = *lang;
  }
  auto email = parse_classify_request(request, error);
  if (!email) return std::nullopt;
  r.email = std::move(*email);
  const json& m = body["message"];
  for (auto [key, target] : {std::pair{"subject", &r.headers.subject}, std::pair{"date", &r.headers.date},
                             std::pair{"message_id_header", &r.headers.message_id}}) {
    auto it = m.find(key);
    if (it == m.end() || it->is_null()) continue;
    if (!it->is_string()) {
      *error = {ErrorCode::kWrongType, std::string("message.") + key + ": expected string"};
      return std::nullopt;
    }
    *target = it->get<std::string>();
  }
  r.headers.sender = r.email.sender;
  return r;
}

std::optional<EvidenceRequest> parse_evidence_request(const json& body, ProtocolError* error) {
  return parse_evidence_request(request_from_body(body), error);
}

std::optional<json> evidence_result(const Engine& engine, const EvidenceRequest& request,
                                    const ReportVersions& versions, size_t max_bytes) {
  const EmailReport report = engine.classify(request.email);
  // Room for the envelope ({"id", "action", "ok", "result"}) around the result.
  constexpr size_t kEnvelope = 512;
  for (size_t items : {size_t{200}, size_t{50}, size_t{10}, size_t{0}}) {
    EvidenceLimits limits;
    limits.mails = 1;
    limits.items = items;
    EvidencePack pack(sender_key(request.email.sender), request.lang, limits);
    pack.add(request.headers, report, request.email.user_addresses, /*keep_without_tracking=*/true);
    json result = {{"html", pack.html(versions)}, {"filename", pack.filename(today())}};
    if (dump_json(result).size() + kEnvelope <= max_bytes) return result;
  }
  return std::nullopt;
}

EvidenceSink::EvidenceSink(std::string dir, Lang lang, ReportVersions versions, std::ostream& log)
    : dir_(std::move(dir)), lang_(lang), versions_(std::move(versions)), log_(log) {}

void EvidenceSink::on_message(const ScannedMessage& m) {
  if (!std::any_of(m.report.elements.begin(), m.report.elements.end(), &EvidencePack::is_evidence)) return;
  const std::string key = sender_key(m.sender);
  auto it = packs_.find(key);
  if (it == packs_.end()) {
    if (packs_.size() >= kMaxReportKeys) {
      ++skipped_senders_;
      return;
    }
    it = packs_.emplace(key, EvidencePack(key, lang_, kScanEvidenceLimits)).first;
  }
  it->second.add({m.date, m.sender, m.subject, m.email.message_id}, m.report, m.recipients);
}

void EvidenceSink::finish() {
  namespace fs = std::filesystem;
  for (const auto& [key, pack] : packs_) {
    if (!pack.has_tracking()) continue;
    const fs::path path = fs::path(dir_) / pack.filename();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << pack.html(versions_);
    out.close();
    if (!out) {
      log_ << "mailveil-host scan: cannot write " << path.string() << "\n";
      failed_ = true;
      continue;
    }
    ++written_;
    files_.emplace(key, path.filename().string());
  }
  if (skipped_senders_ > 0) {
    log_ << "mailveil-host scan: " << skipped_senders_ << " mail(s) from senders beyond the first " << kMaxReportKeys
         << " sender domains have no evidence pack\n";
  }
}

}  // namespace mailveil
