/// Evidence about Google Analytics hits: IP anonymisation, ad personalisation, identifiers (docs/scoring.md §5).
#pragma once

#include <string>
#include <vector>

#include "classifier.h"
#include "explain.h"
#include "url.h"

namespace mailveil {

/// True when the URL is a Google Analytics collection endpoint (UA, GA4 or the advertising-features host).
bool is_google_analytics_hit(const Url& url);

/// Findings for one GA hit; `ref` names the element. Messages and details in `lang` (explain.h).
std::vector<Finding> analyse_google_analytics(const Url& url, const std::string& ref, Lang lang = Lang::kEn);

}  // namespace mailveil
