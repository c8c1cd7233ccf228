#include "judge_common.h"

#include <algorithm>

namespace mailveil {

void add_reason(std::vector<std::string>* reasons, const char* reason) {
  if (std::find(reasons->begin(), reasons->end(), reason) == reasons->end()) reasons->push_back(reason);
}

TrackerInfo info_of(const Tracker& tracker, const Url& url) {
  if (tracker.company == kUnknownCompany) {
    return {tracker.id, tracker.name, registrable_domain(url.host), tracker.category};
  }
  return {tracker.id, tracker.name, tracker.company, tracker.category};
}

TrackerInfo heuristic_info(const Url& url) {
  std::string domain = registrable_domain(url.host);
  return {"heuristic", "Unlisted tracker (" + domain + ")", domain, "unknown"};
}

bool is_third_party(std::string_view sender_domain, const Url& url) {
  return sender_domain.empty() || registrable_domain(url.host) != sender_domain;
}

}  // namespace mailveil
