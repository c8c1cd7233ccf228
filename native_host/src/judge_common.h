/// Small helpers shared by the element judges (images in classifier.cpp, links in link_judge.cpp): reasons, and
/// who a finding is named after.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "classifier.h"
#include "matcher.h"
#include "signature_list.h"
#include "url.h"

namespace mailveil {

/// Appends a signal once.
void add_reason(std::vector<Signal>* reasons, Signal reason);

/// The entry's names. An entry for a shape many operators use (company "Unknown") is named after the URL's
/// registrable domain, so that two spam senders count as two companies and the report can tell them apart.
TrackerInfo info_of(const Tracker& tracker, const Url& url);

/// A heuristic find, named after the registrable domain of its host.
TrackerInfo heuristic_info(const Url& url);

/// True when the URL's registrable domain is not the sender's (`sender_domain`, itself registrable, "" when
/// unknown: then every host is third-party).
bool is_third_party(std::string_view sender_domain, const Url& url);

/// The same for a URL a list entry matched. A listed tracker on a host of the sender's own domain belongs to the
/// sender only when its entry names that host (domains, hosts, or a pattern confined to it): LinkedIn tracking
/// its own mail from linkedin.com. Otherwise the host is an alias the listed company operates for the sender (a
/// CNAME: url1234.<brand> for SendGrid, click.<brand> for Salesforce), and the request, with whatever it
/// carries, reaches that company.
bool is_third_party(std::string_view sender_domain, const Url& url, const SignatureMatch& sig);

}  // namespace mailveil
