#include "matcher.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>

#include "pattern_scope.h"
#include "text_util.h"

namespace mailveil {

// An RE2::Set and the pattern number of each of its members.
struct Matcher::PatternSet {
  PatternSet(const RE2::Options& options, RE2::Anchor anchor) : set(options, anchor) {}
  RE2::Set set;
  std::vector<size_t> number_of;  // set index -> pattern number
  bool compiled = false;
};

// The patterns that share one host key or first path segment, compiled together on first use.
struct Matcher::Bucket {
  std::vector<size_t> numbers;  // ascending
  mutable std::once_flag once;
  mutable std::unique_ptr<PatternSet> set;
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

// Total RE2 program instructions accepted in one set when isolating patterns: well under what the 64 MiB set
// budget compiles (about 2.8M instructions), leaving room for the DFA. The shipped list uses about 40k.
constexpr size_t kSetProgramBudget = 1'000'000;

bool applies(const Tracker& t, bool for_link) {
  return for_link ? t.applies_to_link : t.applies_to_pixel;
}

}  // namespace

Matcher::Matcher(std::shared_ptr<const SignatureList> list, MatcherCompile compile) : list_(std::move(list)) {
  const auto& trackers = list_->trackers;
  std::vector<size_t> anywhere_anchored;
  std::vector<size_t> anywhere_unanchored;
  for (size_t i = 0; i < trackers.size(); ++i) {
    for (const auto& d : trackers[i].domains) domains_[d].push_back(i);
    for (const auto& h : trackers[i].hosts) hosts_[h].push_back(i);
    for (const auto& p : trackers[i].patterns) {
      const size_t number = patterns_.size();
      patterns_.push_back({&p, i});
      PatternScope scope = pattern_scope(p);
      BucketIndex* index = nullptr;
      switch (scope.kind) {
        case PatternScope::Kind::kAnywhere:
          (is_start_anchored(p) ? anywhere_anchored : anywhere_unanchored).push_back(number);
          ++layout_.anywhere;
          continue;
        case PatternScope::Kind::kHost:
          index = &by_host_;
          ++layout_.by_host;
          break;
        case PatternScope::Kind::kSegment:
          index = &by_segment_;
          ++layout_.by_segment;
          break;
      }
      for (auto& key : scope.keys) {
        auto& bucket = (*index)[std::move(key)];
        if (!bucket) bucket = std::make_unique<Bucket>();
        if (bucket->numbers.empty() || bucket->numbers.back() != number) bucket->numbers.push_back(number);
      }
    }
  }
  anywhere_anchored_ = compile_patterns(anywhere_anchored, /*start_anchored=*/true);
  anywhere_unanchored_ = compile_patterns(anywhere_unanchored, /*start_anchored=*/false);
  if (compile == MatcherCompile::kEager) {
    for (const auto* index : {&by_host_, &by_segment_}) {
      for (const auto& [key, bucket] : *index) bucket_set(*bucket);
    }
  }
}

std::unique_ptr<Matcher::PatternSet> Matcher::compile_patterns(const std::vector<size_t>& numbers,
                                                               bool start_anchored) const {
  auto set = build_pattern_set(numbers, start_anchored, /*isolate=*/false);
  if (!set->compiled && !set->number_of.empty()) {
    // The combined program did not fit: some pattern parses but compiles too large. Find it by compiling each
    // alone, leave it out, and build the set again, so that one bad pattern cannot disable all the others.
    set = build_pattern_set(numbers, start_anchored, /*isolate=*/true);
  }
  return set;
}

std::unique_ptr<Matcher::PatternSet> Matcher::build_pattern_set(const std::vector<size_t>& numbers, bool start_anchored,
                                                                bool isolate) const {
  auto set = std::make_unique<PatternSet>(set_options(), start_anchored ? RE2::ANCHOR_START : RE2::UNANCHORED);
  size_t program_size = 0;
  for (size_t n : numbers) {
    const std::string& p = *patterns_[n].text;
    const std::string& id = list_->trackers[patterns_[n].tracker].id;
    std::string error;
    if (isolate) {
      RE2::Options alone = set_options();
      alone.set_max_mem(1 << 20);
      RE2 re(p, alone);
      if (!re.ok()) {
        add_error(id + ": " + re.error());
        continue;
      }
      // Patterns that each fit can still overflow the set together: keep the first ones within budget.
      if (program_size + static_cast<size_t>(re.ProgramSize()) > kSetProgramBudget) {
        add_error(id + ": left out, the pattern set's size budget is used up");
        continue;
      }
      program_size += static_cast<size_t>(re.ProgramSize());
    }
    if (set->set.Add(p, &error) < 0) {
      if (!isolate) add_error(id + ": " + error);
      continue;
    }
    set->number_of.push_back(n);
  }
  set->compiled = !set->number_of.empty() && set->set.Compile();
  return set;
}

const Matcher::PatternSet& Matcher::bucket_set(const Bucket& bucket) const {
  // Scoped patterns are start-anchored (pattern_scope requires it).
  std::call_once(bucket.once, [&] { bucket.set = compile_patterns(bucket.numbers, /*start_anchored=*/true); });
  return *bucket.set;
}

void Matcher::add_error(std::string error) const {
  std::lock_guard lock(errors_mutex_);
  // A pattern with several keys sits in several buckets: report it once.
  if (std::find(set_errors_.begin(), set_errors_.end(), error) == set_errors_.end()) {
    set_errors_.push_back(std::move(error));
  }
}

std::vector<std::string> Matcher::set_errors() const {
  std::lock_guard lock(errors_mutex_);
  return set_errors_;
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

void Matcher::best_hit(const PatternSet& set, std::string_view normalized, bool for_link, size_t* best) const {
  if (!set.compiled) return;
  std::vector<int> hits;
  if (!set.set.Match(normalized, &hits)) return;
  for (int h : hits) {
    size_t n = set.number_of[static_cast<size_t>(h)];
    if (n < *best && applies(list_->trackers[patterns_[n].tracker], for_link)) *best = n;
  }
}

SignatureMatch Matcher::match(const Url& url, std::string_view normalized, bool for_link) const {
  SignatureMatch result;
  if (const Tracker* t = lookup_host(url.host, for_link, &result.how)) {
    result.tracker = t;
    return result;
  }
  // Lowest pattern number first: list order is the tie-breaker, so maintainers control precedence.
  size_t best = patterns_.size();
  if (!by_host_.empty()) {
    std::string_view suffix = url.host;
    while (!suffix.empty()) {
      if (auto it = by_host_.find(suffix); it != by_host_.end()) {
        best_hit(bucket_set(*it->second), normalized, for_link, &best);
      }
      size_t dot = suffix.find('.');
      if (dot == std::string_view::npos) break;
      suffix.remove_prefix(dot + 1);
    }
  }
  if (!by_segment_.empty()) {
    std::string segment(first_path_segment(url.path));
    for (char& c : segment) c = ascii_lower_char(c);
    if (auto it = by_segment_.find(segment); it != by_segment_.end()) {
      best_hit(bucket_set(*it->second), normalized, for_link, &best);
    }
  }
  best_hit(*anywhere_anchored_, normalized, for_link, &best);
  best_hit(*anywhere_unanchored_, normalized, for_link, &best);
  if (best < patterns_.size()) {
    result.tracker = &list_->trackers[patterns_[best].tracker];
    result.how = "pattern";
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
