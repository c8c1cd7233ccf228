#include "classifier.h"

#include <algorithm>
#include <optional>
#include <set>

#include "digest.h"
#include "explain.h"
#include "ga_evidence.h"
#include "image_judge.h"
#include "judge_common.h"
#include "leak_detector.h"
#include "link_judge.h"
#include "public_suffix.h"
#include "unwrap.h"

namespace mailveil {
namespace {

bool host_leaks(const std::vector<Leak>& leaks) {
  return std::any_of(leaks.begin(), leaks.end(), [](const Leak& l) { return l.where == "host"; });
}

/// The URL's registrable domain; when the host carries the address and the masking reaches into that domain
/// ("https://jane.doe%40example.org/"), the masked host instead ("[email]").
std::string masked_domain(const LeakDetector& detector, const Url& url, bool host_leak) {
  const std::string domain = registrable_domain(url.host);
  if (!host_leak) return domain;
  const std::string masked = detector.mask_host(url.host);
  if (masked == domain || masked.ends_with("." + domain)) return domain;  // "[email:md5].t.example"
  return masked;
}

/// Names made from the URL's domain (heuristic finds, "Unknown"-company entries) must not show an address that
/// the host carries ("https://jane.doe%40example.org/o.gif").
void hide_address_in_names(const LeakDetector& detector, const Url& url, ElementResult* r) {
  const std::string raw = registrable_domain(url.host);
  const std::string masked = masked_domain(detector, url, true);
  for (std::string* s : {&r->tracker.name, &r->tracker.company, &r->tracker.brand}) {
    for (size_t at = s->find(raw); !raw.empty() && at != std::string::npos; at = s->find(raw, at + masked.size())) {
      s->replace(at, raw.size(), masked);
    }
  }
}

/// The URL as written (not as normalised for matching: that is where a reader finds it in the mail), with the
/// reader's address and personal tokens masked. Should the written form hide an address that only the
/// normalised form shows (a host in fullwidth letters), the normalised form is masked instead.
std::string evidence_url(const LeakDetector& detector, const Url& url, const std::vector<Leak>& leaks) {
  const std::optional<Url> written = split_url_as_written(url.written);
  if (!written) return detector.mask(url, leaks);
  std::string masked = detector.mask(*written, leaks);
  if (!leaks.empty()) {
    const std::optional<Url> check = parse_url(masked);
    if (!check || !detector.find(*check).empty()) return detector.mask(url, leaks);
  }
  return masked;
}

/// Per-message state shared by the element judgements.
struct Context {
  const Matcher& matcher;
  const LeakDetector& leaks;
  std::string sender_domain;  // registrable domain of the sender, "" when unknown
};

bool is_third_party(const Context& ctx, const Url& url) {
  return is_third_party(ctx.sender_domain, url);
}

bool is_third_party(const Context& ctx, const Url& url, const SignatureMatch& sig) {
  return is_third_party(ctx.sender_domain, url, sig);
}

void judge_fetched(const Context& ctx, const MailImages& mail, const Url& url, ElementResult* r, const Element& e,
                   const SignatureMatch& sig, bool leaked) {
  if (judge_fetched_element(url, e, mail, static_cast<bool>(sig), leaked, &r->reasons)) {
    r->verdict = Verdict::kBlock;
    r->tracker = sig ? info_of(*sig.tracker, url) : heuristic_info(url);
    r->third_party = sig ? is_third_party(ctx, url, sig) : is_third_party(ctx, url);
  } else {
    // Signals alone (a 1x1 spacer with no query, a CDN hash) do not make a tracker: keep the element quiet.
    r->reasons.clear();
  }
}

}  // namespace

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAllow: return "allow";
    case Verdict::kBlock: return "block";
    case Verdict::kRewrite: return "rewrite";
  }
  return "allow";
}

Engine::Engine(std::shared_ptr<const CompiledList> list) : matcher_(std::move(list)) {}

Engine::Engine(const std::shared_ptr<const SignatureList>& list) : matcher_(list) {}

void prepare_first_message() {
  public_suffix_info();  // reads the public suffix list (hello reports its date; every judgement needs it)
  prepare_link_judge();
}

Engine::Engine(std::shared_ptr<const CompiledList> list, std::shared_ptr<const CompiledList> user_list,
               std::shared_ptr<const CompiledList> user_exceptions)
    : matcher_(std::move(list)) {
  if (user_list && !user_list->empty()) user_ = std::make_unique<Matcher>(std::move(user_list));
  if (user_exceptions && !user_exceptions->empty()) {
    user_exceptions_ = std::make_unique<Matcher>(std::move(user_exceptions));
  }
}

void Engine::prepare() const {
  matcher_.compile_common();
  if (user_) user_->compile_common();
  if (user_exceptions_) user_exceptions_->compile_common();
}

bool Engine::prepare_rest(const std::function<bool()>& go_on) const {
  return matcher_.compile_all(go_on) && (!user_ || user_->compile_all(go_on)) &&
         (!user_exceptions_ || user_exceptions_->compile_all(go_on));
}

SignatureMatch Engine::match(const Url& url, std::string_view normalized, bool for_link) const {
  SignatureMatch m = matcher_.match(url, normalized, for_link);
  if (m || !user_) return m;
  // Exceptions are matched without regard to applies_to: an @@ rule lifts the user list for that URL.
  if (user_exceptions_ &&
      (user_exceptions_->match(url, normalized, for_link) || user_exceptions_->match(url, normalized, !for_link))) {
    return m;
  }
  return user_->match(url, normalized, for_link);
}

std::shared_ptr<const LeakDetector> Engine::detector_for(const std::vector<std::string>& addresses) const {
  {
    std::lock_guard lock(detector_mutex_);
    for (size_t i = 0; i < detectors_.size(); ++i) {
      if (detectors_[i].first != addresses) continue;
      std::rotate(detectors_.begin(), detectors_.begin() + static_cast<std::ptrdiff_t>(i),
                  detectors_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      return detectors_.front().second;
    }
  }
  // Built outside the lock: other threads keep finding theirs meanwhile.
  auto built = std::make_shared<const LeakDetector>(addresses);
  std::lock_guard lock(detector_mutex_);
  if (detectors_.size() == kDetectorsKept) detectors_.pop_back();
  detectors_.insert(detectors_.begin(), {addresses, built});
  return built;
}

EmailReport Engine::classify(const Email& email) const {
  EmailReport report;
  report.message_id = email.message_id;
  const std::shared_ptr<const LeakDetector> kept = detector_for(email.user_addresses);
  const LeakDetector& detector = *kept;
  // Pure searches of URL parts keep their results for this message (its links often repeat a token).
  const LeakDetector::MessageScope leak_memo(&detector);
  const DestinationScope destination_memo;
  const PersonalTokenScope token_memo;
  Context ctx{matcher_, detector, std::string()};
  if (std::string d = address_domain(email.sender); !d.empty()) ctx.sender_domain = registrable_domain(d);

  // First pass: every element's URL, unwrapped, so that each judgement can see the rest of the mail.
  const size_t n = email.elements.size();
  std::vector<std::optional<Url>> urls(n);
  std::vector<std::vector<Wrapper>> vias(n);
  std::vector<std::vector<Url>> layers(n);  // the wrapper URLs each element's unwrapping went through
  std::vector<const Url*> url_ptrs(n, nullptr);
  for (size_t i = 0; i < n; ++i) {
    const Element& e = email.elements[i];
    if (e.url.size() > kMaxUrlLength) continue;
    auto parsed = parse_url(e.url);
    if (!parsed || (parsed->scheme != "http" && parsed->scheme != "https")) continue;
    urls[i] = unwrap_webmail(std::move(*parsed), &vias[i], &layers[i]);
    url_ptrs[i] = &*urls[i];
  }
  const MailImages mail(email.elements, url_ptrs);

  report.elements.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const Element& e = email.elements[i];
    ElementResult r;
    r.ref = e.ref;
    r.kind = e.kind;
    r.url = e.url;
    r.outlook_only = e.outlook_only;
    if (e.url.size() > kMaxUrlLength) {
      r.verdict = Verdict::kBlock;
      r.error_code = ErrorCode::kUrlTooLong;
      r.reasons.push_back(Signal::kUrlTooLong);
      report.elements.push_back(std::move(r));
      continue;
    }
    if (!urls[i]) {
      report.elements.push_back(std::move(r));  // cid:, data:, relative, mailto: nothing remote to judge
      continue;
    }
    const Url& url = *urls[i];
    const std::vector<Wrapper>& via = vias[i];
    r.unwrapped_url = url.str();
    const bool link = e.kind == ElementKind::kLink || e.kind == ElementKind::kForm;
    const std::string normalized = url.without_fragment();
    SignatureMatch sig = match(url, normalized, link);
    std::vector<Leak> leaks = detector.find(url);

    if (link) {
      const LinkFacts facts{url, via, layers[i], e.text, ctx.sender_domain, !leaks.empty()};
      judge_link(
          facts, sig, [&](const Url& u) { return match(u, u.without_fragment(), true); }, &r);
    } else {
      judge_fetched(ctx, mail, url, &r, e, sig, !leaks.empty());
    }
    if (host_leaks(leaks)) hide_address_in_names(detector, url, &r);
    if (!leaks.empty()) {
      std::string company = !r.tracker.empty() ? r.tracker.company : masked_domain(detector, url, host_leaks(leaks));
      if (r.tracker.empty()) r.third_party = is_third_party(ctx, url);
      for (const Leak& l : leaks) {
        r.leaks.push_back({l.encoding, l.where, mask_address(detector.addresses()[l.address_index]), company});
      }
    }
    if (!via.empty() && r.interesting()) add_reason(&r.reasons, Signal::kWebmailProxy);
    if (r.interesting()) r.evidence_url = evidence_url(detector, url, leaks);
    if (!link && r.verdict == Verdict::kBlock &&
        ((sig && sig.tracker->check_google_analytics) || is_google_analytics_hit(url))) {
      for (auto& f : analyse_google_analytics(url, r.ref)) report.findings.push_back(std::move(f));
    }
    report.elements.push_back(std::move(r));
  }

  // Aggregate: counts, companies, leak findings, score.
  Summary& s = report.summary;
  s.elements = report.elements.size();
  std::set<std::string> companies;
  std::set<std::string> leak_companies;
  bool first_party_leak = false;
  for (const auto& r : report.elements) {
    if (r.verdict == Verdict::kBlock) ++s.blocked;
    if (r.verdict == Verdict::kRewrite) ++s.rewritten;
    const bool fetched = is_fetched_on_open(r.kind);
    if (fetched && r.verdict == Verdict::kBlock && !r.tracker.empty()) ++s.tracker_pixels;
    if (!fetched && r.tracked) ++s.tracked_links;
    if (r.third_party && !r.tracker.empty() && (r.verdict == Verdict::kBlock || r.tracked)) {
      companies.insert(r.tracker.company);
    }
    for (const auto& l : r.leaks) {
      ++s.leaks;
      if (r.third_party) {
        leak_companies.insert(l.company);
        companies.insert(l.company);
      } else if (fetched) {
        first_party_leak = true;  // a link to the sender's own site carrying the address tells it nothing new
      }
      const std::string& receiver = !r.tracker.empty() && r.tracker.company == l.company ? r.tracker.brand : l.company;
      Wording w = address_leak_wording(l, receiver, fetched, Lang::kEn);
      report.findings.push_back(
          {FindingCode::kAddressLeak, Severity::kHigh, l.company, r.ref, std::move(w.message), std::move(w.detail)});
    }
  }
  s.companies.assign(companies.begin(), companies.end());
  for (auto& f : message_findings(report)) report.findings.push_back(std::move(f));
  ScoreInputs in;
  in.third_party_leak_companies = leak_companies.size();
  in.first_party_leak = first_party_leak;
  in.tracker_pixels = s.tracker_pixels;
  in.third_party_companies = companies.size();
  in.tracked_links = s.tracked_links;
  report.score = compute_score(in);
  report.score.reason = score_reason(report);
  return report;
}

}  // namespace mailveil
