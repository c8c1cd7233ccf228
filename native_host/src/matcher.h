/// Signature matching over a compiled list (compiled_list.h): exact hosts and host suffixes through hash
/// tables, plain ABP-style patterns through a token index without RE2, and regexes by scope: per host key and
/// per first path segment in small RE2::Sets compiled on first use, the unscoped ones compiled one by one when a
/// URL holds one of their required literals. Nothing is compiled at construction. Pure: no I/O.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiled_list.h"
#include "signature_list.h"
#include "url.h"

namespace re2 {
class RE2;
}

namespace mailveil {

/// Which part of an entry a URL matched.
enum class MatchedBy {
  kDomain,   ///< the host is one of the entry's domains or under one
  kHost,     ///< the host is one of the entry's hosts
  kPattern,  ///< a pattern of the entry
};

/// What a URL matched, and how.
struct SignatureMatch {
  const Tracker* tracker = nullptr;
  MatchedBy how = MatchedBy::kDomain;  ///< meaningful only when tracker is set
  explicit operator bool() const { return tracker != nullptr; }
};

/// When a Matcher compiles its regexes.
enum class MatcherCompile {
  kLazy,   ///< on the first URL that needs each one: what the host serves with (fast start)
  kEager,  ///< all at construction, so that set_errors() is complete: for checking a list before installing it
};

/// Matches URLs against a compiled list. Keeps the list alive. Thread-safe: lazy compilation is synchronised.
class Matcher {
 public:
  explicit Matcher(std::shared_ptr<const CompiledList> list, MatcherCompile compile = MatcherCompile::kLazy);
  /// Compiles `list` in memory first (tests, the updater's check, scan --signatures).
  explicit Matcher(const std::shared_ptr<const SignatureList>& list, MatcherCompile compile = MatcherCompile::kLazy);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  /// The tracker a URL belongs to, considering only entries that apply to links (for_link) or to fetched
  /// resources. `normalized` is the URL as matched by patterns (Url::without_fragment()). The Tracker lives as
  /// long as the Matcher.
  SignatureMatch match(const Url& url, std::string_view normalized, bool for_link) const;

  /// Compiles now whatever is still compiled lazily (what kEager does at construction); thread-safe, and what
  /// a concurrent match needs is compiled once either way.
  /// `go_on`, when given, is asked before each gated regex and host bucket; when it says no, the work stops there
  /// and the next call resumes it. True when everything is compiled.
  bool compile_all(const std::function<bool()>& go_on = {}) const;
  /// Compiles now only what every URL that reaches the patterns needs: the two sets of ungated regexes. Host
  /// buckets and gated regexes stay compiled on first use. Thread-safe, as compile_all.
  void compile_common() const;

  /// Domains and hosts whose every URL is a pixel tracker, for the extension's blocking rules.
  std::vector<std::string> block_domains() const;

  const CompiledList& list() const { return *list_; }
  const std::shared_ptr<const CompiledList>& shared_list() const { return list_; }
  /// Regexes RE2 could not compile within their budget, or that could not join their set (never fatal). With
  /// kLazy, only what was compiled so far has been checked.
  std::vector<std::string> set_errors() const;

  /// How the patterns are matched.
  struct Layout {
    size_t anywhere = 0;     ///< regexes without a scope (gated + ungated)
    size_t by_host = 0;      ///< regexes in a host bucket
    size_t by_segment = 0;   ///< regexes in a first-path-segment bucket
    size_t gated = 0;        ///< unscoped regexes tried only when the URL holds one of their literals
    size_t ungated = 0;      ///< unscoped regexes in the set tried on every URL
    size_t plain = 0;        ///< plain patterns (no RE2)
    size_t untokenized = 0;  ///< plain patterns without a token, tried on every URL
  };
  Layout layout() const;

  /// What lazy compilation has done so far: RE2 sets built (buckets, the ungated set) and single regexes.
  struct Compiled {
    size_t sets = 0;
    size_t regexes = 0;
  };
  Compiled compiled() const {
    return {compiled_sets_.load(std::memory_order_relaxed), compiled_regexes_.load(std::memory_order_relaxed)};
  }

 private:
  struct PatternSet;
  struct LazySet;
  struct LazyRegex;

  bool applies(uint32_t entry, uint32_t want) const;
  const Tracker* tracker_at(uint32_t entry) const;
  bool lookup_host(std::string_view host, uint32_t want, uint32_t* entry, MatchedBy* how) const;
  void match_plain(std::string_view normalized, uint32_t want, uint32_t* best) const;
  void match_regexes(const Url& url, std::string_view normalized, uint32_t want, uint32_t* best) const;
  bool plain_rule_matches(uint32_t rule, std::string_view normalized, std::string_view lowered, bool newline) const;
  /// Compiles the given regexes (by number) into one set. If the combined program does not fit, each regex is
  /// compiled alone and left out (recorded in set_errors_) when it fails or overflows.
  std::unique_ptr<PatternSet> compile_set(const std::vector<uint32_t>& numbers, bool start_anchored) const;
  std::unique_ptr<PatternSet> build_set(const std::vector<uint32_t>& numbers, bool start_anchored, bool isolate) const;
  const PatternSet& lazy_set(LazySet& lazy, const std::vector<uint32_t>& numbers, bool start_anchored) const;
  const PatternSet& bucket_set(uint32_t bucket) const;
  /// A gated regex, compiled on first use (nullptr when RE2 rejects it).
  const re2::RE2* gated_regex(uint32_t number) const;
  void best_hit(const PatternSet& set, std::string_view normalized, uint32_t want, uint32_t* best) const;
  void add_error(std::string error) const;
  std::string regex_label(uint32_t number) const;

  std::shared_ptr<const CompiledList> list_;
  std::unique_ptr<LazySet[]> bucket_sets_;
  std::unique_ptr<LazyRegex[]> gated_;
  std::vector<uint32_t> ungated_anchored_;
  std::vector<uint32_t> ungated_unanchored_;
  std::unique_ptr<LazySet> ungated_anchored_set_;
  std::unique_ptr<LazySet> ungated_unanchored_set_;
  mutable std::mutex trackers_mutex_;
  mutable std::unordered_map<uint32_t, std::unique_ptr<const Tracker>> trackers_;
  mutable std::mutex newline_mutex_;
  mutable std::unordered_map<uint32_t, std::unique_ptr<re2::RE2>> newline_regexes_;
  mutable std::mutex errors_mutex_;
  mutable std::vector<std::string> set_errors_;
  mutable std::atomic<size_t> compiled_sets_{0};
  mutable std::atomic<size_t> compiled_regexes_{0};
  /// Gated regexes, then host buckets, that compile_all has gone through (the regexes count first).
  mutable std::atomic<size_t> compile_all_done_{0};
};

}  // namespace mailveil
