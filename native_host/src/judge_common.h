/// Small helpers shared by the element judges (images in classifier.cpp, links in link_judge.cpp): reasons, and
/// who a finding is named after.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "classifier.h"
#include "signature_list.h"
#include "url.h"

namespace mailveil {

/// Appends a reason code once.
void add_reason(std::vector<std::string>* reasons, const char* reason);

/// The entry's names. An entry for a shape many operators use (company "Unknown") is named after the URL's
/// registrable domain, so that two spam senders count as two companies and the report can tell them apart.
TrackerInfo info_of(const Tracker& tracker, const Url& url);

/// A heuristic find, named after the registrable domain of its host.
TrackerInfo heuristic_info(const Url& url);

/// True when the URL's registrable domain is not the sender's (`sender_domain`, itself registrable, "" when
/// unknown: then every host is third-party).
bool is_third_party(std::string_view sender_domain, const Url& url);

}  // namespace mailveil
