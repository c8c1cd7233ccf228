// Pattern scopes (native_host/src/pattern_scope.h) and the indexed matcher built on them: a scope may only
// narrow where a pattern is tried, never change what matches. The agreement tests compare the matcher with a
// brute-force reference that runs every pattern on every URL.
#include "pattern_scope.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "matcher.h"
#include "test_support.h"
#include "url.h"

using namespace mailveil;
using Kind = PatternScope::Kind;

namespace {

std::set<std::string> keys_of(const PatternScope& s) {
  return {s.keys.begin(), s.keys.end()};
}

/// The list with its domains and hosts removed, so that every match comes from a pattern.
std::shared_ptr<const SignatureList> patterns_only(const SignatureList& list) {
  auto copy = std::make_shared<SignatureList>(list);
  for (auto& t : copy->trackers) {
    t.domains.clear();
    t.hosts.clear();
  }
  return copy;
}

/// Every pattern tried on every URL, as the matcher promises to behave: one RE2::Set of all patterns (the
/// matcher's earlier design), and the first tracker in list order whose pattern matches and which applies.
class BruteForce {
 public:
  explicit BruteForce(const SignatureList& list) : list_(list), set_(test::matcher_re2_options(), RE2::UNANCHORED) {
    for (size_t i = 0; i < list.trackers.size(); ++i) {
      for (const auto& p : list.trackers[i].patterns) {
        std::string error;
        if (set_.Add(p, &error) < 0) throw std::runtime_error(error);
        tracker_of_.push_back(i);
      }
    }
    if (!set_.Compile()) throw std::runtime_error("reference set does not compile");
  }
  std::string match(std::string_view normalized, bool for_link) const {
    std::vector<int> hits;
    if (!set_.Match(normalized, &hits)) return "";
    std::sort(hits.begin(), hits.end());
    for (int h : hits) {
      const Tracker& t = list_.trackers[tracker_of_[static_cast<size_t>(h)]];
      if (for_link ? t.applies_to_link : t.applies_to_pixel) return t.id;
    }
    return "";
  }

 private:
  const SignatureList& list_;
  RE2::Set set_;
  std::vector<size_t> tracker_of_;
};

/// URLs the labelled evaluation set names (pixels, tracked links, clean images), plus spellings that probe the
/// scopes' edges: upper-case hosts and paths, explicit ports, extra subdomains, a trailing dot, an empty path.
std::vector<std::string> probe_urls() {
  std::ifstream in(test::data_path("eval/labels.json"));
  auto labels = nlohmann::json::parse(in);
  std::vector<std::string> base;
  std::function<void(const nlohmann::json&)> collect = [&](const nlohmann::json& j) {
    if (j.is_string()) {
      const auto& s = j.get_ref<const std::string&>();
      if (s.starts_with("http://") || s.starts_with("https://")) base.push_back(s);
    } else if (j.is_array() || j.is_object()) {
      for (const auto& v : j) collect(v);
    }
  };
  collect(labels);
  std::vector<std::string> out;
  for (const auto& s : base) {
    auto u = parse_url(s);
    if (!u) continue;
    out.push_back(s);
    Url v = *u;
    v.port = "8443";
    out.push_back(v.str());
    v = *u;
    v.host = "deep.sub." + u->host;
    out.push_back(v.str());
    v = *u;
    v.host = u->host + ".";
    out.push_back(v.str());
    v = *u;
    v.path = "";
    out.push_back(v.str());
    std::string upper = s;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out.push_back(upper);
    v = *u;
    if (v.path.size() > 1) v.path.insert(1, "x");  // the first segment gains a letter
    out.push_back(v.str());
  }
  return out;
}

/// Checks that two matchers of the same list give the same tracker for every probe URL, as a fetched resource and
/// as a link; returns how many of those lookups matched.
size_t same_verdicts(const Matcher& x, const Matcher& y) {
  size_t matched = 0;
  for (const std::string& text : probe_urls()) {
    auto u = parse_url(text);
    if (!u) continue;
    for (bool for_link : {false, true}) {
      const SignatureMatch a = x.match(*u, u->without_fragment(), for_link);
      const SignatureMatch b = y.match(*u, u->without_fragment(), for_link);
      INFO(text);
      REQUIRE(bool(a) == bool(b));
      if (a) {
        CHECK(a.tracker->id == b.tracker->id);
        ++matched;
      }
    }
  }
  return matched;
}

void check_agreement(const SignatureList& list, const std::vector<std::string>& urls, size_t* matched) {
  auto stripped = patterns_only(list);
  Matcher matcher(stripped);
  BruteForce reference(*stripped);
  for (const auto& s : urls) {
    auto u = parse_url(s);
    if (!u || !u->userinfo.empty()) continue;  // scopes follow the host; with userinfo a regex may not
    const std::string normalized = u->without_fragment();
    for (bool for_link : {false, true}) {
      INFO(normalized << (for_link ? " (link)" : " (pixel)"));
      auto hit = matcher.match(*u, normalized, for_link);
      const std::string expected = reference.match(normalized, for_link);
      CHECK((hit ? hit.tracker->id : std::string()) == expected);
      if (!expected.empty()) ++*matched;
    }
  }
}

}  // namespace

TEST_CASE("a host spelled as labels scopes the pattern to that host", "[pattern_scope]") {
  auto s = pattern_scope(R"(^https?://(?:[a-z0-9-]+\.)*(?:sendgrid\.net|sendgrid\.com)(?::[0-9]+)?/(?:trk|wf/open))");
  CHECK(s.kind == Kind::kHost);
  CHECK(keys_of(s) == std::set<std::string>{"sendgrid.net", "sendgrid.com"});

  // Non-literal labels before the literal suffix: only the suffix is a key.
  s = pattern_scope(R"(^https?://[a-z0-9-]+-track\.atlassian\.com/)");
  CHECK(s.kind == Kind::kHost);
  CHECK(keys_of(s) == std::set<std::string>{"atlassian.com"});
  s = pattern_scope(R"(^https?://[^/?#]*\.t\.(?:eloqua|en25)\.com/e/)");
  CHECK(keys_of(s) == std::set<std::string>{"t.eloqua.com", "t.en25.com"});
  s = pattern_scope(R"(^https?://(?:[a-z0-9-]+\.)*actito\.(?:be|com)/(?:tr|t)/)");
  CHECK(keys_of(s) == std::set<std::string>{"actito.be", "actito.com"});

  // What abp_import writes for ||host/path and ||host^…, case-insensitive.
  s = pattern_scope(R"((?i)^[a-z][a-z0-9+.-]*://(?:[^/?#]*\.)?Stats\.Example\-Cdn\.com(?:[^A-Za-z0-9_.%-]|$).*pixel)");
  CHECK(s.kind == Kind::kHost);
  CHECK(keys_of(s) == std::set<std::string>{"stats.example-cdn.com"});
}

TEST_CASE("a host that is not certainly spelled leaves the pattern unscoped", "[pattern_scope]") {
  for (const char* p : {
           R"(^https?://[^/?#]*hubspotemail\.net/e1t/)",                 // "xhubspotemail.net" would match too
           R"(^https?://(?:www\.)?google\.[a-z.]{2,6}/url\?)",           // a class that spans dots
           R"(^https?://sendgrid\.net)",                                 // no end of host: sendgrid.net.evil.example
           R"(^https?://(?:[a-z0-9-]+\.)*mkt[0-9]{2,5}\.(?:com|net)/)",  // keys would be bare TLDs
           R"(https?://sendgrid\.net/)",                                 // not anchored
           R"(^https?://(?:a|b)*\.example\.com/)",                       // quantified group
           R"(^https?://sendgrid\.net.*/)",                              // wildcard after the host
           R"((?s)^https?://sendgrid\.net/)",                            // flags other than a leading (?i)
           R"(^https?://sendgrid\.net/|/open\.gif)",                     // the second branch matches anywhere
           R"(^https?://sendgrid\.net/|/open\.gif)",                     // the second branch matches anywhere
       }) {
    INFO(p);
    CHECK(pattern_scope(p).kind == Kind::kAnywhere);
  }
}

TEST_CASE("start anchoring is read through groups, classes and escapes", "[pattern_scope]") {
  CHECK(is_start_anchored(R"(^https?://(?:a|b)\.example/)"));
  CHECK(is_start_anchored(R"((?i)^https?://x\.example/[|(]\|)"));
  CHECK(is_start_anchored(R"(^https?://x/[]|]y)"));
  CHECK(is_start_anchored(R"(^\Qa|b\E)"));
  CHECK_FALSE(is_start_anchored(R"(^https?://x/|y)"));
  CHECK_FALSE(is_start_anchored(R"(https?://x/)"));
  CHECK_FALSE(is_start_anchored(R"((?s)^https?://x/)"));
}

TEST_CASE("any host followed by a literal first segment scopes the pattern to that segment", "[pattern_scope]") {
  auto s = pattern_scope(R"(^https?://[^/?#]+/ls/click\?upn=)");
  CHECK(s.kind == Kind::kSegment);
  CHECK(keys_of(s) == std::set<std::string>{"ls"});
  s = pattern_scope(R"(^https?://[^/?#]+/e[1-3]t/(?:o|to|c)/)");
  CHECK(keys_of(s) == std::set<std::string>{"e1t", "e2t", "e3t"});
  s = pattern_scope(R"(^https?://[^/?#]+/(?:tr|mk)/(?:op|cl)/)");
  CHECK(keys_of(s) == std::set<std::string>{"tr", "mk"});
  s = pattern_scope(R"(^https?://[^/?#]+/Prod/link-tracker\?)");
  CHECK(keys_of(s) == std::set<std::string>{"prod"});  // keys are lower case; the regex keeps its case
  s = pattern_scope(R"(^https?://[^/?#]+/open\.aspx\?[0-9a-f]{6}-)");
  CHECK(keys_of(s) == std::set<std::string>{"open.aspx"});

  for (const char* p : {
           R"(^https?://[^/?#]+/(?:[^?#]*/)?hit\.xiti\?)",  // any depth
           R"(^https?://[^/?#]+/ls)",                       // "lsx" would match too
           R"(^https?://[^/?#]+/o+/x)",                     // quantified
           R"(^https?://[^/?#]+/(?:u/)?\?qs=)",             // optional segment
           R"(^https?://[^/?#]+/[a-z]/x)",                  // class too large to expand
       }) {
    INFO(p);
    CHECK(pattern_scope(p).kind == Kind::kAnywhere);
  }
  CHECK(first_path_segment("/ls/click") == "ls");
  CHECK(first_path_segment("/open.aspx") == "open.aspx");
  CHECK(first_path_segment("") == "");
  CHECK(first_path_segment("/") == "");
}

TEST_CASE("most shipped patterns are scoped", "[pattern_scope]") {
  Matcher m(test::shipped_list());
  auto layout = m.layout();
  INFO("anywhere " << layout.anywhere << ", by host " << layout.by_host << ", by segment " << layout.by_segment);
  CHECK(layout.by_host + layout.by_segment >= 3 * layout.anywhere);
}

TEST_CASE("the indexed matcher agrees with trying every pattern, on the labelled URLs", "[pattern_scope]") {
  size_t matched = 0;
  check_agreement(*test::shipped_list(), probe_urls(), &matched);
  CHECK(matched > 100);  // the probe reaches many patterns, not only misses
}

TEST_CASE("the indexed matcher agrees with trying every pattern, on 20,603 real requests", "[pattern_scope]") {
  const std::string path = std::string(MAILVEIL_SOURCE_DIR) + "/../shared/bench/top500-sitelist-requests.json";
  std::ifstream in(path);
  if (!in) {
    WARN("not checked: no " << path);
    return;
  }
  auto requests = nlohmann::json::parse(in);
  std::vector<std::string> urls;
  for (const auto& r : requests) urls.push_back(r.at("url").get<std::string>());
  size_t matched = 0;
  check_agreement(*test::shipped_list(), urls, &matched);
}

TEST_CASE("a pattern that fails in a lazily compiled bucket costs only itself", "[pattern_scope]") {
  // All in the bucket of t.huge.example, with the good pattern.
  const std::string text = test::overflowing_list("^https?://t\\.huge\\.example/", "^https?://t\\.huge\\.example/o/");
  std::string err;
  auto list = parse_signature_list(text, &err, PatternCheck::kDeferred);
  REQUIRE(list);

  Matcher lazy(list);
  CHECK(lazy.set_errors().empty());  // nothing compiled yet
  auto u = parse_url("https://t.huge.example/o/abc");
  auto hit = lazy.match(*u, u->without_fragment(), false);
  REQUIRE(hit);
  CHECK(hit.tracker->id == "fine");
  CHECK_FALSE(lazy.set_errors().empty());  // found when the bucket compiled

  Matcher eager(list, MatcherCompile::kEager);
  CHECK_FALSE(eager.set_errors().empty());  // what the updater checks before installing a list
}

TEST_CASE("compile_common compiles the ungated sets only; matching after it is unchanged", "[pattern_scope]") {
  Matcher warmed(test::shipped_list());
  const Matcher::Layout layout = warmed.layout();
  REQUIRE(layout.ungated > 0);
  REQUIRE(layout.gated > 0);
  REQUIRE(layout.by_host > 0);
  CHECK(warmed.compiled().sets == 0);
  warmed.compile_common();
  const Matcher::Compiled common = warmed.compiled();
  CHECK(common.sets >= 1);
  CHECK(common.sets <= 2);
  CHECK(common.regexes == 0);  // no gated regex
  warmed.compile_common();
  CHECK(warmed.compiled().sets == common.sets);  // once

  Matcher cold(test::shipped_list());
  CHECK(same_verdicts(warmed, cold) > 100);
  warmed.compile_all();
  CHECK(warmed.compiled().sets > common.sets);  // the host buckets were still to compile
}

TEST_CASE("compile_all with go_on stops when told and resumes where it stopped", "[pattern_scope]") {
  Matcher eager(test::shipped_list(), MatcherCompile::kEager);
  const Matcher::Compiled all = eager.compiled();
  REQUIRE(all.regexes > 0);
  REQUIRE(all.sets > 2);

  Matcher idle(test::shipped_list());
  int asked = 0;
  CHECK_FALSE(idle.compile_all([&] { return ++asked <= 5; }));  // five patterns, then a request is waiting
  CHECK(asked == 6);
  const Matcher::Compiled part = idle.compiled();
  CHECK(part.sets + part.regexes < all.sets + all.regexes);
  CHECK(part.sets + part.regexes >= 5);

  // The next turn starts after the five: it asks once per pattern left, and then everything is compiled.
  int asked_again = 0;
  CHECK(idle.compile_all([&] {
    ++asked_again;
    return true;
  }));
  CHECK(idle.compiled().sets == all.sets);
  CHECK(idle.compiled().regexes == all.regexes);
  CHECK(static_cast<size_t>(asked_again + 5) == idle.layout().gated + idle.list().buckets.size());
  // Done: nothing is asked any more, nothing compiled twice.
  asked_again = 0;
  CHECK(idle.compile_all([&] {
    ++asked_again;
    return true;
  }));
  CHECK(asked_again == 0);
  CHECK(idle.compiled().sets == all.sets);
  CHECK(idle.compiled().regexes == all.regexes);

  // The same verdicts as the eager matcher.
  CHECK(same_verdicts(idle, eager) > 100);
}
