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

  const Value* find(std::string_view key) const {
    const auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  void put(std::string_view key, Value value) {
    if (map_.size() >= kMaxEntries || key_bytes_ + key.size() > kMaxKeyBytes) return;
    if (map_.try_emplace(std::string(key), std::move(value)).second) key_bytes_ += key.size();
  }
  size_t size() const { return map_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Value, Hash, std::equal_to<>> map_;
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
