#include "matcher.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>

namespace mailveil {

// The RE2::Set and the owning tracker of each of its patterns.
struct Matcher::PatternSet {
  explicit PatternSet(const RE2::Options& options) : set(options, RE2::UNANCHORED) {}
  RE2::Set set;
  std::vector<size_t> tracker_of;  // set index -> tracker index
  bool compiled = false;
};

namespace {

RE2::Options set_options() {
  RE2::Options options;
  options.set_log_errors(false);
  // URLs are ASCII on the wire (percent-encoding, punycode): byte mode keeps programs small; in UTF-8 mode
  // every [^/]* becomes a multi-byte automaton.
  options.set_encoding(RE2::Options::EncodingLatin1);
  // The DFA for a few hundred patterns needs more than the 8 MiB default to avoid falling back.
  options.set_max_mem(64 << 20);
  return options;
}

// Total RE2 program instructions accepted when isolating patterns: well under what the 64 MiB set budget
// compiles (about 2.8M instructions), leaving room for the DFA. The shipped list uses about 40k.
constexpr size_t kSetProgramBudget = 1'000'000;

bool applies(const Tracker& t, bool for_link) { return for_link ? t.applies_to_link : t.applies_to_pixel; }

}  // namespace

Matcher::Matcher(std::shared_ptr<const SignatureList> list) : list_(std::move(list)) {
  const auto& trackers = list_->trackers;
  for (size_t i = 0; i < trackers.size(); ++i) {
    for (const auto& d : trackers[i].domains) domains_[d].push_back(i);
    for (const auto& h : trackers[i].hosts) hosts_[h].push_back(i);
  }
  patterns_ = build_pattern_set(/*isolate=*/false);
  if (!patterns_->compiled && !patterns_->tracker_of.empty()) {
    // The combined program did not fit: some pattern parses but compiles too large. Find it by compiling each
    // alone, leave it out, and build the set again, so that one bad pattern cannot disable all the others.
    patterns_ = build_pattern_set(/*isolate=*/true);
  }
}

std::unique_ptr<Matcher::PatternSet> Matcher::build_pattern_set(bool isolate) {
  auto set = std::make_unique<PatternSet>(set_options());
  const auto& trackers = list_->trackers;
  size_t program_size = 0;
  for (size_t i = 0; i < trackers.size(); ++i) {
    for (const auto& p : trackers[i].patterns) {
      std::string error;
      if (isolate) {
        RE2::Options alone = set_options();
        alone.set_max_mem(1 << 20);
        RE2 re(p, alone);
        if (!re.ok()) {
          set_errors_.push_back(trackers[i].id + ": " + re.error());
          continue;
        }
        // Patterns that each fit can still overflow the set together: keep the first ones within budget.
        if (program_size + static_cast<size_t>(re.ProgramSize()) > kSetProgramBudget) {
          set_errors_.push_back(trackers[i].id + ": left out, the pattern set's size budget is used up");
          continue;
        }
        program_size += static_cast<size_t>(re.ProgramSize());
      }
      if (set->set.Add(p, &error) < 0) {
        if (!isolate) set_errors_.push_back(trackers[i].id + ": " + error);
        continue;
      }
      set->tracker_of.push_back(i);
    }
  }
  set->compiled = !set->tracker_of.empty() && set->set.Compile();
  return set;
}

Matcher::~Matcher() = default;

const Tracker* Matcher::lookup_host(std::string_view host, bool for_link, std::string* how) const {
  auto pick = [&](const std::vector<size_t>& candidates) -> const Tracker* {
    for (size_t i : candidates) {
      if (applies(list_->trackers[i], for_link)) return &list_->trackers[i];
    }
    return nullptr;
  };
  if (!hosts_.empty()) {
    if (auto it = hosts_.find(host); it != hosts_.end()) {
      if (const Tracker* t = pick(it->second)) {
        *how = "host";
        return t;
      }
    }
  }
  // Try the host itself, then each parent domain: a.b.example.com, b.example.com, example.com, com.
  std::string_view suffix = host;
  while (!suffix.empty()) {
    if (auto it = domains_.find(suffix); it != domains_.end()) {
      if (const Tracker* t = pick(it->second)) {
        *how = "domain";
        return t;
      }
    }
    size_t dot = suffix.find('.');
    if (dot == std::string_view::npos) break;
    suffix.remove_prefix(dot + 1);
  }
  return nullptr;
}

SignatureMatch Matcher::match(const Url& url, std::string_view normalized, bool for_link) const {
  SignatureMatch result;
  if (const Tracker* t = lookup_host(url.host, for_link, &result.how)) {
    result.tracker = t;
    return result;
  }
  if (!patterns_->compiled) return result;
  std::vector<int> hits;
  if (!patterns_->set.Match(normalized, &hits)) return result;
  // Lowest set index first: list order is the tie-breaker, so maintainers control precedence.
  std::sort(hits.begin(), hits.end());
  for (int h : hits) {
    const Tracker& t = list_->trackers[patterns_->tracker_of[static_cast<size_t>(h)]];
    if (applies(t, for_link)) {
      result.tracker = &t;
      result.how = "pattern";
      return result;
    }
  }
  return result;
}

std::vector<std::string> Matcher::block_domains() const {
  std::vector<std::string> out;
  for (const auto& t : list_->trackers) {
    if (!t.applies_to_pixel) continue;
    out.insert(out.end(), t.domains.begin(), t.domains.end());
    out.insert(out.end(), t.hosts.begin(), t.hosts.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace mailveil
