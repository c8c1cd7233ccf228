/// Results of a pure function of a text, kept while one message is judged. Newsletters write the recipient's
/// token, or the same tracked link, into many of a mail's URLs; with a memo in scope each distinct text is
/// decoded and searched once per message instead of once per URL.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace mailveil {

/// A bounded map from texts to results. Past kMaxEntries texts or kMaxKeyBytes bytes of them, results are no
/// longer kept (the function is then simply run again): memory stays bounded whatever the message.
template <typename Value>
class TextMemo {
 public:
  static constexpr size_t kMaxEntries = 4096;
  static constexpr size_t kMaxKeyBytes = 1u << 20;

  /// What a lookup found: the kept result (null when none), and the key's hash for the put() that follows a
  /// miss, so that a text is hashed once.
  struct Lookup {
    const Value* kept;
    size_t hash;
  };
  Lookup lookup(std::string_view key) const {
    const size_t hash = std::hash<std::string_view>{}(key);
    const auto it = map_.find(Probe{key, hash});
    return {it == map_.end() ? nullptr : &it->second, hash};
  }
  const Value* find(std::string_view key) const { return lookup(key).kept; }
  /// Keeps `value` for `key`, whose hash a lookup() gave.
  void put(std::string_view key, size_t hash, Value value) {
    if (map_.size() >= kMaxEntries || key_bytes_ + key.size() > kMaxKeyBytes) return;
    if (map_.emplace(Key{std::string(key), hash}, std::move(value)).second) key_bytes_ += key.size();
  }
  void put(std::string_view key, Value value) { put(key, std::hash<std::string_view>{}(key), std::move(value)); }
  size_t size() const { return map_.size(); }

 private:
  /// A kept text with its hash; a Probe is a text looked up, hashed once.
  struct Key {
    std::string text;
    size_t hash;
  };
  struct Probe {
    std::string_view text;
    size_t hash;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(const Key& k) const { return k.hash; }
    size_t operator()(const Probe& p) const { return p.hash; }
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(const Key& a, const Key& b) const { return a.text == b.text; }
    bool operator()(const Probe& a, const Key& b) const { return a.text == b.text; }
    bool operator()(const Key& a, const Probe& b) const { return a.text == b.text; }
  };
  std::unordered_map<Key, Value, Hash, Equal> map_;
  size_t key_bytes_ = 0;
};

/// Makes a memo the current one of this thread while it lives (the judgement of one message); the previous one,
/// if any, comes back at its end. `Tag` tells the kinds of memo apart.
template <typename Tag, typename Memo>
class MemoScope {
 public:
  template <typename... Args>
  explicit MemoScope(Args&&... args) : memo_(std::forward<Args>(args)...), previous_(std::exchange(current_, &memo_)) {}
  ~MemoScope() { current_ = previous_; }
  MemoScope(const MemoScope&) = delete;
  MemoScope& operator=(const MemoScope&) = delete;
  /// The memo of the innermost live scope of this thread, or null.
  static Memo* current() { return current_; }
  Memo& memo() { return memo_; }
  const Memo& memo() const { return memo_; }

 private:
  static inline thread_local Memo* current_ = nullptr;
  Memo memo_;
  Memo* previous_;
};

}  // namespace mailveil
