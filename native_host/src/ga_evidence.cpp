#include "ga_evidence.h"

#include <algorithm>
#include <map>

#include "leak_detector.h"

namespace mailveil {
namespace {

bool is_true_flag(const std::string& v) {
  return v == "1" || v == "true";
}

/// A GA property id as Google writes them (UA-1234-5, G-ABC123, ...): the only form quoted in findings, so that a
/// hit carrying something else in tid (an address, a long token) never shows it.
bool is_property_id(const std::string& tid) {
  const size_t dash = tid.find('-');
  if (dash == std::string::npos || dash == 0 || dash > 3 || tid.size() > 32) return false;
  return std::all_of(tid.begin(), tid.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

bool is_google_analytics_hit(const Url& url) {
  if (host_matches_domain(url.host, "google-analytics.com") || host_matches_domain(url.host, "analytics.google.com")) {
    return url.path.ends_with("/collect") || url.path == "/__utm.gif" || url.path.ends_with("/collect/");
  }
  return url.host == "stats.g.doubleclick.net";
}

std::vector<Finding> analyse_google_analytics(const Url& url, const std::string& ref, Lang lang) {
  std::vector<Finding> out;
  std::map<std::string, std::string> q;
  for (const auto& [k, v] : split_query(url.query)) q.emplace(percent_decode(k), percent_decode(v, true));
  auto has = [&](const char* k) { return q.count(k) > 0; };
  const std::string tid = has("tid") ? q["tid"] : "";
  auto add = [&](FindingCode code, Severity severity, std::string_view key = {}) {
    Wording w = ga_wording(code, is_property_id(tid) ? tid : std::string(), key, lang);
    out.push_back({code, severity, "Google", ref, std::move(w.message), std::move(w.detail)});
  };

  const bool ga4 = url.path.ends_with("/g/collect") || tid.starts_with("G-") || (has("v") && q["v"] == "2");
  const bool legacy_gif = url.path == "/__utm.gif";

  if (url.host == "stats.g.doubleclick.net") add(FindingCode::kGaAdvertisingFeatures, Severity::kMedium);
  if (ga4) {
    add(FindingCode::kGa4Hit, Severity::kInfo);
  } else if (!legacy_gif || has("utmac")) {
    // Universal Analytics: IP anonymisation must be requested per hit with aip=1.
    if (!has("aip") || !is_true_flag(q["aip"])) add(FindingCode::kGaIpNotAnonymised, Severity::kHigh);
  }
  if (!has("npa") || !is_true_flag(q["npa"])) add(FindingCode::kGaAdsPersonalisation, Severity::kMedium);
  for (const char* key : {"uid", "user_id"}) {
    if (has(key) && !q[key].empty()) {
      add(FindingCode::kGaUserId, Severity::kHigh, key);
      break;
    }
  }
  if (has("cid") && looks_like_personal_token(q["cid"])) add(FindingCode::kGaClientId, Severity::kMedium);
  return out;
}

}  // namespace mailveil
