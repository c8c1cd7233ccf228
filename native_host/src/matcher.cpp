#include "matcher.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <array>

#include "pattern_scope.h"
#include "plain_pattern.h"
#include "text_util.h"

namespace mailveil {

using namespace compiled;

// An RE2::Set and the regex number of each of its members.
struct Matcher::PatternSet {
  PatternSet(const RE2::Options& options, RE2::Anchor anchor) : set(options, anchor) {}
  RE2::Set set;
  std::vector<uint32_t> number_of;  // set index -> regex number
  bool compiled = false;
};

struct Matcher::LazySet {
  std::once_flag once;
  std::unique_ptr<PatternSet> set;
};

struct Matcher::LazyRegex {
  std::once_flag once;
  std::unique_ptr<RE2> re;
};

namespace {

constexpr uint32_t kNone = 0xffffffffu;

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

// One regex on its own gets the budget the list loader checks patterns with (signature_list.cpp).
RE2::Options single_options() {
  RE2::Options options = set_options();
  options.set_max_mem(1 << 20);
  return options;
}

// Total RE2 program instructions accepted in one set when isolating patterns: well under what the 64 MiB set
// budget compiles (about 2.8M instructions), leaving room for the DFA.
constexpr size_t kSetProgramBudget = 1'000'000;

/// Calls fn(start, hash) for each suffix of `host` that starts a label (the host itself included), from the
/// shortest to the longest, with the suffix's key_hash.
template <typename Fn>
void for_each_suffix(std::string_view host, Fn&& fn) {
  uint32_t h = kKeyHashSeed;
  for (size_t i = host.size(); i-- > 0;) {
    h = key_hash_step(h, static_cast<unsigned char>(host[i]));
    if (i == 0 || host[i - 1] == '.') fn(i, h);
  }
}

}  // namespace

Matcher::Matcher(const std::shared_ptr<const SignatureList>& list, MatcherCompile compile)
    : Matcher(compile_list(list ? *list : SignatureList{}), compile) {}

Matcher::Matcher(std::shared_ptr<const CompiledList> list, MatcherCompile compile) : list_(std::move(list)) {
  const CompiledList& l = *list_;
  bucket_sets_ = std::make_unique<LazySet[]>(l.buckets.size());
  gated_ = std::make_unique<LazyRegex[]>(l.regexes.size());
  for (uint32_t n : l.ungated) {
    if (n >= l.regexes.size()) continue;
    (l.regexes[n].flags & kRegexStartAnchored ? ungated_anchored_ : ungated_unanchored_).push_back(n);
  }
  ungated_anchored_set_ = std::make_unique<LazySet>();
  ungated_unanchored_set_ = std::make_unique<LazySet>();
  if (compile == MatcherCompile::kEager) compile_all();
}

void Matcher::compile_common() const {
  if (list_->regexes.empty()) return;  // as match(): no regex, no set tried
  if (!ungated_anchored_.empty()) lazy_set(*ungated_anchored_set_, ungated_anchored_, true);
  if (!ungated_unanchored_.empty()) lazy_set(*ungated_unanchored_set_, ungated_unanchored_, false);
}

bool Matcher::compile_all(const std::function<bool()>& go_on) const {
  const CompiledList& l = *list_;
  // The ungated sets first: every URL that reaches the patterns needs them.
  lazy_set(*ungated_anchored_set_, ungated_anchored_, true);
  lazy_set(*ungated_unanchored_set_, ungated_unanchored_, false);
  const size_t regexes = l.regexes.size();
  for (size_t i = go_on ? compile_all_done_.load() : 0; i < regexes + l.buckets.size(); ++i) {
    const bool bucket = i >= regexes;
    if (!bucket && (l.regexes[i].flags & kRegexGated) == 0) continue;  // ungated: in the sets above
    if (go_on && !go_on()) return false;
    if (bucket) {
      bucket_set(static_cast<uint32_t>(i - regexes));
    } else {
      gated_regex(static_cast<uint32_t>(i));
    }
    if (go_on) compile_all_done_.store(i + 1);
  }
  return true;
}

Matcher::~Matcher() = default;

bool Matcher::applies(uint32_t entry, uint32_t want) const {
  return (list_->entry_flags(entry) & want) != 0;
}

const Tracker* Matcher::tracker_at(uint32_t entry) const {
  std::lock_guard lock(trackers_mutex_);
  auto& slot = trackers_[entry];
  if (!slot) slot = std::make_unique<const Tracker>(list_->tracker(entry));
  return slot.get();
}

std::string Matcher::regex_label(uint32_t number) const {
  const CompiledList& l = *list_;
  if (number >= l.regexes.size() || l.regexes[number].rule >= l.rules.size()) return "?";
  return l.entry_id(l.rules[l.regexes[number].rule].entry());
}

std::unique_ptr<Matcher::PatternSet> Matcher::compile_set(const std::vector<uint32_t>& numbers,
                                                          bool start_anchored) const {
  auto set = build_set(numbers, start_anchored, /*isolate=*/false);
  if (!set->compiled && !set->number_of.empty()) {
    // The combined program did not fit: some pattern parses but compiles too large. Find it by compiling each
    // alone, leave it out, and build the set again, so that one bad pattern cannot disable all the others.
    set = build_set(numbers, start_anchored, /*isolate=*/true);
  }
  return set;
}

std::unique_ptr<Matcher::PatternSet> Matcher::build_set(const std::vector<uint32_t>& numbers, bool start_anchored,
                                                        bool isolate) const {
  const CompiledList& l = *list_;
  auto set = std::make_unique<PatternSet>(set_options(), start_anchored ? RE2::ANCHOR_START : RE2::UNANCHORED);
  size_t program_size = 0;
  for (uint32_t n : numbers) {
    if (n >= l.regexes.size() || l.regexes[n].rule >= l.rules.size()) continue;
    const std::string_view p = l.str(l.rules[l.regexes[n].rule].text);
    std::string error;
    if (isolate) {
      RE2 re(p, single_options());
      if (!re.ok()) {
        add_error(regex_label(n) + ": " + re.error());
        continue;
      }
      // Patterns that each fit can still overflow the set together: keep the first ones within budget.
      if (program_size + static_cast<size_t>(re.ProgramSize()) > kSetProgramBudget) {
        add_error(regex_label(n) + ": left out, the pattern set's size budget is used up");
        continue;
      }
      program_size += static_cast<size_t>(re.ProgramSize());
    }
    if (set->set.Add(p, &error) < 0) {
      if (!isolate) add_error(regex_label(n) + ": " + error);
      continue;
    }
    set->number_of.push_back(n);
  }
  set->compiled = !set->number_of.empty() && set->set.Compile();
  if (!isolate) compiled_sets_.fetch_add(1, std::memory_order_relaxed);
  return set;
}

const Matcher::PatternSet& Matcher::lazy_set(LazySet& lazy, const std::vector<uint32_t>& numbers,
                                             bool start_anchored) const {
  std::call_once(lazy.once, [&] { lazy.set = compile_set(numbers, start_anchored); });
  return *lazy.set;
}

const Matcher::PatternSet& Matcher::bucket_set(uint32_t bucket) const {
  const CompiledList& l = *list_;
  LazySet& lazy = bucket_sets_[bucket];
  std::call_once(lazy.once, [&] {
    const BucketRecord& b = l.buckets[bucket];
    std::vector<uint32_t> numbers;
    if (b.first <= l.bucket_ids.size() && b.count <= l.bucket_ids.size() - b.first) {
      numbers.assign(l.bucket_ids.begin() + b.first, l.bucket_ids.begin() + b.first + b.count);
    }
    // Scoped patterns are start-anchored (pattern_scope requires it).
    lazy.set = compile_set(numbers, /*start_anchored=*/true);
  });
  return *lazy.set;
}

const RE2* Matcher::gated_regex(uint32_t number) const {
  LazyRegex& lazy = gated_[number];
  std::call_once(lazy.once, [&] {
    const CompiledList& l = *list_;
    auto re = std::make_unique<RE2>(l.str(l.rules[l.regexes[number].rule].text), single_options());
    compiled_regexes_.fetch_add(1, std::memory_order_relaxed);
    if (re->ok()) {
      lazy.re = std::move(re);
    } else {
      add_error(regex_label(number) + ": " + re->error());
    }
  });
  return lazy.re.get();
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

bool Matcher::lookup_host(std::string_view host, uint32_t want, uint32_t* entry, MatchedBy* how) const {
  const CompiledList& l = *list_;
  auto first_applying = [&](const CompiledList::Group& g) {
    for (uint32_t r : g.ids()) {
      if (r < l.rules.size() && applies(l.rules[r].entry(), want)) {
        *entry = l.rules[r].entry();
        return true;
      }
    }
    return false;
  };
  if (!l.host_table.empty() && first_applying(l.find(l.host_table, key_hash(host), host))) {
    *how = MatchedBy::kHost;
    return true;
  }
  if (l.domain_table.empty()) return false;
  // The host itself, then each parent domain: a.b.example.com, b.example.com, example.com, com.
  std::array<std::pair<size_t, uint32_t>, 32> suffixes;
  size_t count = 0;
  bool overflow = false;
  for_each_suffix(host, [&](size_t start, uint32_t h) {
    if (count < suffixes.size()) {
      suffixes[count++] = {start, h};
    } else {
      overflow = true;
    }
  });
  if (overflow) {  // more than 32 labels: look them up the slow way, longest first
    for (size_t start = 0; start < host.size();) {
      const std::string_view suffix = host.substr(start);
      if (first_applying(l.find(l.domain_table, key_hash(suffix), suffix))) {
        *how = MatchedBy::kDomain;
        return true;
      }
      const size_t dot = suffix.find('.');
      if (dot == std::string_view::npos) break;
      start += dot + 1;
    }
    return false;
  }
  for (size_t i = count; i-- > 0;) {
    const std::string_view suffix = host.substr(suffixes[i].first);
    if (first_applying(l.find(l.domain_table, suffixes[i].second, suffix))) {
      *how = MatchedBy::kDomain;
      return true;
    }
  }
  return false;
}

bool Matcher::plain_rule_matches(uint32_t rule, std::string_view normalized, std::string_view lowered,
                                 bool newline) const {
  const CompiledList& l = *list_;
  const RuleRecord& r = l.rules[rule];
  if (!newline) return plain_match(r.plain_flags(), l.str(r.text), normalized, lowered);
  // RE2's `.*` stops at '\n', which the plain matcher does not model: such a URL (never one parse_url returns)
  // goes to the pattern's RE2 spelling.
  std::lock_guard lock(newline_mutex_);
  auto& re = newline_regexes_[rule];
  if (!re)
    re =
        std::make_unique<RE2>(plain_pattern_to_re2(plain_from_flags(r.plain_flags(), l.str(r.text))), single_options());
  return re->ok() && RE2::PartialMatch(normalized, *re);
}

void Matcher::match_plain(std::string_view normalized, uint32_t want, uint32_t* best) const {
  const CompiledList& l = *list_;
  // The URL in lower case, made for the first candidate, in a buffer this thread reuses from URL to URL.
  static thread_local std::string lowered_buffer;
  std::string_view lowered;
  bool newline = false;
  // The URL's tokens (maximal runs of [A-Za-z0-9%]): each one's hash, in lower case as token_hash does, and start.
  static thread_local std::vector<std::pair<uint32_t, uint32_t>> tokens;
  static thread_local std::vector<uint32_t> starts;  // the starts of one token's occurrences
  tokens.clear();
  uint64_t url_bits = 0;  // byte_bits(normalized), made with `lowered`
  // A candidate found through a token: tried only where that token is in the URL, when its pattern allows.
  auto consider = [&](std::span<const uint32_t> ids, const uint32_t* hash) {
    for (uint32_t rule : ids) {
      if (rule >= *best) break;  // ascending: nothing later can win
      if (rule >= l.rules.size() || l.rules[rule].kind() != kRulePlain || !applies(l.rules[rule].entry(), want))
        continue;
      if (lowered.data() == nullptr) {
        lowered_buffer.resize(normalized.size());
        ascii_lower_into(normalized, lowered_buffer.data());
        lowered = lowered_buffer;
        newline = normalized.find('\n') != std::string_view::npos;
        url_bits = byte_bits(normalized);
      }
      if (l.plain_bits[rule] & ~url_bits) continue;  // a literal byte of the pattern is not in the URL
      if (hash != nullptr && !newline) {
        const RuleRecord& r = l.rules[rule];
        if (auto hit = plain_match_at_token(r.plain_flags(), l.str(r.text), normalized, lowered, *hash, starts)) {
          if (*hit) *best = rule;
          continue;
        }
      }
      if (plain_rule_matches(rule, normalized, lowered, newline)) *best = rule;
    }
  };
  if (!l.token_table.empty()) {
    const size_t n = normalized.size();
    for (size_t i = 0; i < n;) {
      if (!is_token_char(static_cast<unsigned char>(normalized[i]))) {
        ++i;
        continue;
      }
      const size_t start = i;
      uint32_t h = kTokenHashSeed;
      for (unsigned char c; i < n && (c = kTokenChars[static_cast<unsigned char>(normalized[i])]) != 0; ++i) {
        h = token_hash_step(h, c);
      }
      tokens.emplace_back(h, static_cast<uint32_t>(start));
    }
    // A token that comes back (a long query repeats "utm", "id", ...) is considered once, in the URL's order.
    std::array<uint32_t, 64> seen;
    size_t seen_count = 0;
    std::vector<uint32_t> seen_more;
    for (size_t t = 0; t < tokens.size(); ++t) {
      const uint32_t h = tokens[t].first;
      const CompiledList::Group g = l.find_token(h);
      if (g.count == 0) continue;
      auto end = seen.begin() + static_cast<std::ptrdiff_t>(seen_count);
      if (std::find(seen.begin(), end, h) != end ||
          std::find(seen_more.begin(), seen_more.end(), h) != seen_more.end()) {
        continue;
      }
      if (seen_count < seen.size()) {
        seen[seen_count++] = h;
      } else {
        seen_more.push_back(h);
      }
      starts.clear();
      for (size_t u = t; u < tokens.size(); ++u) {
        if (tokens[u].first == h) starts.push_back(tokens[u].second);
      }
      consider(g.ids(), &h);
    }
  }
  consider(l.untokenized, nullptr);
}

void Matcher::best_hit(const PatternSet& set, std::string_view normalized, uint32_t want, uint32_t* best) const {
  if (!set.compiled) return;
  const CompiledList& l = *list_;
  std::vector<int> hits;
  if (!set.set.Match(normalized, &hits)) return;
  for (int h : hits) {
    const uint32_t n = set.number_of[static_cast<size_t>(h)];
    const uint32_t rule = l.regexes[n].rule;
    if (rule < *best && applies(l.rules[rule].entry(), want)) *best = rule;
  }
}

void Matcher::match_regexes(const Url& url, std::string_view normalized, uint32_t want, uint32_t* best) const {
  const CompiledList& l = *list_;
  auto bucket = [&](const CompiledList::Group& g) {
    if (g.count == 1 && g.ids()[0] < l.buckets.size()) best_hit(bucket_set(g.ids()[0]), normalized, want, best);
  };
  if (!l.scope_host_table.empty()) {
    for_each_suffix(url.host, [&](size_t start, uint32_t h) {
      const std::string_view suffix = std::string_view(url.host).substr(start);
      bucket(l.find(l.scope_host_table, h, suffix));
    });
  }
  if (!l.scope_seg_table.empty()) {
    std::string segment(first_path_segment(url.path));
    for (char& c : segment) c = ascii_lower_char(c);
    bucket(l.find(l.scope_seg_table, key_hash(segment), segment));
  }
  if (l.ac_state_count > 0) {
    // Which gate atoms the URL holds (Aho-Corasick, case-insensitive), and so which gated regexes to try.
    // Reused from URL to URL on this thread: no allocation per URL.
    static thread_local std::vector<uint32_t> candidates;
    candidates.clear();
    auto atoms_at = [&](uint32_t state) {
      const uint32_t first = l.ac_outputs[state];
      const uint32_t last = l.ac_outputs[state + 1];
      for (uint32_t o = first; o < last && o < l.ac_output_ids.size(); ++o) {
        const uint32_t atom = l.ac_output_ids[o];
        if (atom + 1 >= l.atom_regexes.size()) continue;
        for (uint32_t j = l.atom_regexes[atom]; j < l.atom_regexes[atom + 1] && j < l.atom_regex_ids.size(); ++j) {
          candidates.push_back(l.atom_regex_ids[j]);
        }
      }
    };
    const uint32_t k = l.ac_class_count;
    const uint8_t* const classes = l.ac_classes.data();
    const uint32_t* const next = l.ac_next.data();
    uint32_t at = 0;  // the state's row: state × k (compiled::kAcHasOutput)
    for (char c : normalized) {
      const uint32_t t = next[at + classes[static_cast<unsigned char>(c)]];
      at = t & compiled::kAcStateMask;
      if (t & compiled::kAcHasOutput) atoms_at(at / k);
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    for (uint32_t n : candidates) {
      if (n >= l.regexes.size()) continue;
      const RegexRecord& rec = l.regexes[n];
      if (rec.rule >= *best) break;  // regex numbers follow rule numbers
      if (!applies(l.rules[rec.rule].entry(), want)) continue;
      const RE2* re = gated_regex(n);
      if (re && re->Match(normalized, 0, normalized.size(),
                          (rec.flags & kRegexStartAnchored) ? RE2::ANCHOR_START : RE2::UNANCHORED, nullptr, 0)) {
        *best = rec.rule;
      }
    }
  }
  if (!ungated_anchored_.empty()) {
    best_hit(lazy_set(*ungated_anchored_set_, ungated_anchored_, true), normalized, want, best);
  }
  if (!ungated_unanchored_.empty()) {
    best_hit(lazy_set(*ungated_unanchored_set_, ungated_unanchored_, false), normalized, want, best);
  }
}

SignatureMatch Matcher::match(const Url& url, std::string_view normalized, bool for_link) const {
  const CompiledList& l = *list_;
  const uint32_t want = for_link ? kEntryLink : kEntryPixel;
  SignatureMatch result;
  uint32_t entry = 0;
  if (lookup_host(url.host, want, &entry, &result.how)) {
    result.tracker = tracker_at(entry);
    return result;
  }
  // Lowest rule number first: list order is the tie-breaker, so maintainers control precedence.
  uint32_t best = kNone;
  if (!l.token_table.empty() || !l.untokenized.empty()) match_plain(normalized, want, &best);
  if (!l.regexes.empty()) match_regexes(url, normalized, want, &best);
  if (best != kNone) {
    result.tracker = tracker_at(l.rules[best].entry());
    result.how = MatchedBy::kPattern;
  }
  return result;
}

std::vector<std::string> Matcher::block_domains() const {
  const CompiledList& l = *list_;
  std::vector<std::string> out;
  for (const RuleRecord& r : l.rules) {
    if ((r.kind() == kRuleDomain || r.kind() == kRuleHost) && applies(r.entry(), kEntryPixel)) {
      out.emplace_back(l.str(r.text));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Matcher::Layout Matcher::layout() const {
  const CompiledList& l = *list_;
  Layout out;
  auto scoped = [&](std::span<const Slot> table) {
    std::vector<uint32_t> numbers;
    for (const Slot& s : table) {
      if (s.pos == kEmptySlot) continue;
      const CompiledList::Group g = l.group(s.pos);
      for (uint32_t b : g.ids()) {
        if (b >= l.buckets.size()) continue;
        for (uint32_t i = 0; i < l.buckets[b].count; ++i) numbers.push_back(l.bucket_ids[l.buckets[b].first + i]);
      }
    }
    std::sort(numbers.begin(), numbers.end());
    return static_cast<size_t>(std::unique(numbers.begin(), numbers.end()) - numbers.begin());
  };
  out.by_host = scoped(l.scope_host_table);
  out.by_segment = scoped(l.scope_seg_table);
  for (const RegexRecord& r : l.regexes) {
    if (r.flags & kRegexGated) ++out.gated;
  }
  out.ungated = l.ungated.size();
  out.anywhere = out.gated + out.ungated;
  for (const RuleRecord& r : l.rules) {
    if (r.kind() == kRulePlain) ++out.plain;
  }
  out.untokenized = l.untokenized.size();
  return out;
}

}  // namespace mailveil
