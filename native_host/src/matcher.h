/// Signature matching: a host-suffix index for domains/hosts and one RE2::Set for all URL patterns,
/// compiled once when a list is loaded. Pure: no I/O, no allocation-heavy work per call beyond the URL.
#pragma once

#include <memory>
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

/// Compiled form of a SignatureList. Keeps the list alive.
class Matcher {
 public:
  explicit Matcher(std::shared_ptr<const SignatureList> list);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  /// The tracker a URL belongs to, considering only entries that apply to links (for_link) or to fetched
  /// resources. `normalized` is the URL as matched by patterns (Url::without_fragment()).
  SignatureMatch match(const Url& url, std::string_view normalized, bool for_link) const;

  /// Domains and hosts whose every URL is a pixel tracker, for the extension's blocking rules.
  std::vector<std::string> block_domains() const;

  const SignatureList& list() const { return *list_; }
  /// Patterns that compiled on their own but could not join the set (reported at load, never fatal).
  const std::vector<std::string>& set_errors() const { return set_errors_; }

 private:
  const Tracker* lookup_host(std::string_view host, bool for_link, std::string* how) const;
  struct PatternSet;
  /// Adds every pattern to a new set and compiles it; with isolate, each pattern is first compiled alone and
  /// left out (recorded in set_errors_) when it fails.
  std::unique_ptr<PatternSet> build_pattern_set(bool isolate);

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
  std::unique_ptr<PatternSet> patterns_;
  std::vector<std::string> set_errors_;
};

}  // namespace mailveil
