#include "judge_common.h"

#include <algorithm>

#include "pattern_scope.h"

namespace mailveil {

void add_reason(std::vector<Signal>* reasons, Signal reason) {
  if (std::find(reasons->begin(), reasons->end(), reason) != reasons->end()) return;
  if (reasons->capacity() == 0) reasons->reserve(4);  // room for an element's usual reasons: one allocation
  reasons->push_back(reason);
}

TrackerInfo info_of(const Tracker& tracker, const Url& url) {
  if (tracker.company == kUnknownCompany) {
    std::string domain = registrable_domain(url.host);
    return {tracker.id, tracker.name, domain, tracker.category, domain};
  }
  return {tracker.id, tracker.name, tracker.company, tracker.category, tracker.brand};
}

TrackerInfo heuristic_info(const Url& url) {
  std::string domain = registrable_domain(url.host);
  return {"heuristic", "Unlisted tracker (" + domain + ")", domain, "unknown", domain};
}

bool is_third_party(std::string_view sender_domain, const Url& url) {
  return sender_domain.empty() || registrable_domain(url.host) != sender_domain;
}

bool is_third_party(std::string_view sender_domain, const Url& url, const SignatureMatch& sig) {
  if (is_third_party(sender_domain, url)) return true;
  if (sig.tracker->company == kUnknownCompany || sig.how != MatchedBy::kPattern) return false;
  for (const auto& p : sig.tracker->patterns) {
    const PatternScope scope = pattern_scope(p);
    if (scope.kind != PatternScope::Kind::kHost) continue;
    for (const auto& key : scope.keys) {
      if (host_matches_domain(url.host, key)) return false;
    }
  }
  return true;
}

}  // namespace mailveil
