/// Signature matching: a host-suffix index for domains/hosts, and URL patterns sorted by the part of the URL
/// they are confined to (pattern_scope.h): patterns tied to a host or a first path segment sit in small
/// per-key RE2::Sets compiled on first use; the rest form one RE2::Set compiled at load. Pure: no I/O.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "signature_list.h"
#include "url.h"

namespace re2 {
class RE2;
}

namespace mailveil {

/// What a URL matched, and how.
struct SignatureMatch {
  const Tracker* tracker = nullptr;
  std::string how;  ///< "domain", "host" or "pattern"
  explicit operator bool() const { return tracker != nullptr; }
};

/// When a Matcher compiles the per-host and per-segment pattern sets.
enum class MatcherCompile {
  kLazy,   ///< on the first URL that needs each one: what the host serves with (fast start)
  kEager,  ///< all at construction, so that set_errors() is complete: for checking a list before installing it
};

/// Compiled form of a SignatureList. Keeps the list alive. Thread-safe: lazy compilation is synchronised.
class Matcher {
 public:
  explicit Matcher(std::shared_ptr<const SignatureList> list, MatcherCompile compile = MatcherCompile::kLazy);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  /// The tracker a URL belongs to, considering only entries that apply to links (for_link) or to fetched
  /// resources. `normalized` is the URL as matched by patterns (Url::without_fragment()).
  SignatureMatch match(const Url& url, std::string_view normalized, bool for_link) const;

  /// Domains and hosts whose every URL is a pixel tracker, for the extension's blocking rules.
  std::vector<std::string> block_domains() const;

  const SignatureList& list() const { return *list_; }
  /// Patterns that compiled on their own but could not join a set (never fatal). With kLazy, only the sets
  /// compiled so far have been checked.
  std::vector<std::string> set_errors() const;

  /// How the patterns were sorted: tried on every URL, per host key, per first path segment.
  struct Layout {
    size_t anywhere = 0;
    size_t by_host = 0;
    size_t by_segment = 0;
  };
  Layout layout() const { return layout_; }

 private:
  const Tracker* lookup_host(std::string_view host, bool for_link, std::string* how) const;
  struct PatternSet;
  struct Bucket;
  /// Compiles the given patterns (numbers into patterns_) into one set. If the combined program does not fit,
  /// each pattern is compiled alone and left out (recorded in set_errors_) when it fails or overflows.
  /// With start_anchored, every pattern is start-anchored (is_start_anchored) and the set is searched with
  /// RE2::ANCHOR_START.
  std::unique_ptr<PatternSet> compile_patterns(const std::vector<size_t>& numbers, bool start_anchored) const;
  std::unique_ptr<PatternSet> build_pattern_set(const std::vector<size_t>& numbers, bool start_anchored,
                                                bool isolate) const;
  /// The bucket's set, compiled on first use.
  const PatternSet& bucket_set(const Bucket& bucket) const;
  /// Lowers *best to the lowest pattern number of `set` that matches and applies.
  void best_hit(const PatternSet& set, std::string_view normalized, bool for_link, size_t* best) const;
  void add_error(std::string error) const;

  std::shared_ptr<const SignatureList> list_;
  // Heterogeneous lookup: probe with string_view suffixes of the host without building strings.
  struct ViewHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Index = std::unordered_map<std::string, std::vector<size_t>, ViewHash, std::equal_to<>>;
  // Host or domain -> tracker indices (several entries may share one domain with different applies_to).
  Index domains_;
  Index hosts_;
  // Every pattern of the list, numbered in list order (the tie-breaker between matches), with its tracker.
  struct Pattern {
    const std::string* text;
    size_t tracker;
  };
  std::vector<Pattern> patterns_;
  // Patterns without a scope, compiled at construction: those anchored at the start, and the others.
  std::unique_ptr<PatternSet> anywhere_anchored_;
  std::unique_ptr<PatternSet> anywhere_unanchored_;
  using BucketIndex = std::unordered_map<std::string, std::unique_ptr<Bucket>, ViewHash, std::equal_to<>>;
  BucketIndex by_host_;     // host key -> its patterns
  BucketIndex by_segment_;  // first path segment (lower case) -> its patterns
  Layout layout_;
  mutable std::mutex errors_mutex_;
  mutable std::vector<std::string> set_errors_;
};

}  // namespace mailveil
