#include "ga_evidence.h"

#include <map>

#include "leak_detector.h"

namespace mailveil {
namespace {

bool is_true_flag(const std::string& v) {
  return v == "1" || v == "true";
}

}  // namespace

bool is_google_analytics_hit(const Url& url) {
  if (host_matches_domain(url.host, "google-analytics.com") || host_matches_domain(url.host, "analytics.google.com")) {
    return url.path.ends_with("/collect") || url.path == "/__utm.gif" || url.path.ends_with("/collect/");
  }
  return url.host == "stats.g.doubleclick.net";
}

std::vector<Finding> analyse_google_analytics(const Url& url, const std::string& ref) {
  std::vector<Finding> out;
  std::map<std::string, std::string> q;
  for (const auto& [k, v] : split_query(url.query)) q.emplace(percent_decode(k), percent_decode(v, true));
  auto has = [&](const char* k) { return q.count(k) > 0; };
  auto add = [&](const char* code, const char* severity, std::string message) {
    out.push_back({code, severity, "Google", ref, std::move(message)});
  };

  const std::string tid = has("tid") ? q["tid"] : "";
  const bool ga4 = url.path.ends_with("/g/collect") || tid.starts_with("G-") || (has("v") && q["v"] == "2");
  const bool legacy_gif = url.path == "/__utm.gif";
  const std::string property = tid.empty() ? std::string() : " (property " + tid + ")";

  if (url.host == "stats.g.doubleclick.net") {
    add("ga-advertising-features", "medium",
        "Google Analytics hit sent through stats.g.doubleclick.net: Analytics advertising features are on, "
        "linking the open to Google's advertising cookies");
  }
  if (ga4) {
    add("ga4-hit", "info", "Google Analytics 4 hit" + property + ": the open is recorded by Google");
  } else if (!legacy_gif || has("utmac")) {
    // Universal Analytics: IP anonymisation must be requested per hit with aip=1.
    if (!has("aip") || !is_true_flag(q["aip"])) {
      add("ga-ip-not-anonymised", "high",
          "Universal Analytics hit" + property +
              " without aip=1: IP anonymisation is off, the reader's full IP address reaches Google");
    }
  }
  if (!has("npa") || !is_true_flag(q["npa"])) {
    add("ga-ads-personalisation", "medium",
        "Google Analytics hit" + property + " without npa=1: the hit may be used for ad personalisation");
  }
  for (const char* key : {"uid", "user_id"}) {
    if (has(key) && !q[key].empty()) {
      add("ga-user-id", "high",
          std::string("Google Analytics hit carries a user id (") + key + "): the open is tied to a known person");
      break;
    }
  }
  if (has("cid") && looks_like_personal_token(q["cid"])) {
    add("ga-client-id", "medium", "Google Analytics hit carries a per-recipient client id (cid)");
  }
  return out;
}

}  // namespace mailveil
