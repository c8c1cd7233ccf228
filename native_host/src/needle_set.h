/// Many literal needles found in one pass over a text: the cost of a search is linear in the text and the
/// matches, whatever the number of needles. The leak detector searches every encoding of every reader address
/// with it. When every needle has at least kGram bytes (the leak detector's base64, hex and digest forms) and no
/// more than kMaxGramGroup of them start with the same kGram bytes, each position of the text is tested against a
/// bit set of the needles' first kGram bytes and only a hit is compared with the needles that start so: one load
/// and one bit test per byte, and at most kMaxGramGroup comparisons where a hostile text repeats a needle's
/// start. Other sets use an Aho–Corasick automaton.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailveil {

class NeedleSet {
 public:
  /// `ascii_case_insensitive`: needles and text are compared with ASCII letters folded to lower case.
  explicit NeedleSet(bool ascii_case_insensitive = false);

  /// Adds a needle (not empty) with a caller's tag, reported with each match. Call before build().
  void add(std::string_view needle, uint32_t tag);
  /// Builds the search (the bit set, or the automaton and its failure links); linear in the total length of the
  /// needles. Call once, after the last add().
  void build();
  bool empty() const { return needles_.empty(); }
  /// True when build() chose the bit-set search (tests).
  bool searches_by_gram() const { return by_gram_; }

  /// Calls fn(tag, begin, end) for every occurrence of every needle in `text` ([begin, end) in bytes), in
  /// order of `end`. Needles that end at the same place are reported longest first.
  template <typename Fn>
  void for_each_match(std::string_view text, Fn&& fn) const {
    if (by_gram_) {
      std::vector<Hit> hits;
      find_by_gram(text, &hits);
      for (const Hit& h : hits) fn(needles_[h.needle].tag, h.end - needles_[h.needle].text.size(), h.end);
      return;
    }
    uint32_t state = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      const unsigned char c = fold(static_cast<unsigned char>(text[i]));
      for (;;) {
        const uint32_t next = child(state, c);
        if (next != kNone) {
          state = next;
          break;
        }
        if (state == 0) break;
        state = nodes_[state].fail;
      }
      for (uint32_t n = nodes_[state].has_output ? state : nodes_[state].output_link; n != kNone;
           n = nodes_[n].output_link) {
        const Node& node = nodes_[n];
        for (uint32_t k = node.first_tag; k < node.first_tag + node.tag_count; ++k) {
          fn(tags_[k].second, i + 1 - node.depth, i + 1);
        }
      }
    }
  }

  /// True when some needle occurs in `text`.
  bool contains_any(std::string_view text) const {
    bool found = false;
    for_each_match(text, [&](uint32_t, size_t, size_t) { found = true; });
    return found;
  }

 private:
  static constexpr uint32_t kNone = 0xffffffffu;
  /// The needles' prefix length the bit set holds, and its size in bits (a power of two).
  static constexpr size_t kGram = 4;
  static constexpr uint32_t kGramBits = 1u << 14;
  /// The most needles that may share their first kGram bytes in a bit-set search (the leak detector's share at
  /// most a few, unless many addresses start alike).
  static constexpr size_t kMaxGramGroup = 8;
  struct Needle {
    std::string text;  ///< folded when the set is case-insensitive
    uint32_t tag;
  };
  struct Hit {
    size_t end;
    uint32_t needle;  ///< into needles_
  };
  static uint32_t gram_hash(uint32_t gram) { return (gram * 2654435761u) >> 18; }  // 14 bits
  /// The search of sets whose needles all have kGram bytes or more: hits in the automaton's order (by end, the
  /// longest first, one needle's tags in the order they were added).
  void find_by_gram(std::string_view text, std::vector<Hit>* hits) const;
  void build_automaton();
  /// The automaton: one needle (already folded) into the trie, then the edges sorted and the failure links.
  void insert(std::string_view needle, uint32_t tag);
  void finish_automaton();

  struct Node {
    uint32_t first_edge = 0;  ///< into edges_ (sorted by byte), after build()
    uint32_t edge_count = 0;
    uint32_t fail = 0;
    uint32_t output_link = kNone;  ///< nearest proper suffix node that ends a needle
    uint32_t depth = 0;
    uint32_t first_tag = 0;  ///< into tags_, after build()
    uint32_t tag_count = 0;
    bool has_output = false;
  };

  unsigned char fold(unsigned char c) const { return fold_[c]; }
  /// The child of `node` for byte c, or kNone.
  uint32_t child(uint32_t node, unsigned char c) const {
    if (node == 0) return root_[c];
    const Node& n = nodes_[node];
    for (uint32_t k = n.first_edge; k < n.first_edge + n.edge_count; ++k) {
      if (edges_[k].first == c) return edges_[k].second;
      if (edges_[k].first > c) break;
    }
    return kNone;
  }

  bool case_insensitive_;
  std::array<unsigned char, 256> fold_;  ///< each byte as compared: ASCII letters lowered when case-insensitive
  bool built_ = false;
  bool by_gram_ = false;
  std::vector<Needle> needles_;  ///< as added
  size_t shortest_ = 0;
  std::vector<uint64_t> gram_bits_;                   ///< by_gram_: gram_hash of each needle's first kGram bytes
  std::vector<std::pair<uint32_t, uint32_t>> grams_;  ///< by_gram_: (first kGram bytes, needle), sorted
  std::vector<Node> nodes_;
  std::array<uint32_t, 256> root_;                         ///< the root's children, by byte (kNone: none)
  std::vector<std::pair<unsigned char, uint32_t>> edges_;  ///< (byte, child) of the other nodes, grouped by node
  std::vector<std::pair<uint32_t, uint32_t>> tags_;        ///< (node, tag), grouped by node after build()
  /// The trie while needles are added: each node's children as a list of (byte, child, next sibling) in
  /// pending_, starting at first_pending_[node] (kNone: none); the root's are in root_. Emptied by build().
  struct PendingEdge {
    unsigned char byte;
    uint32_t child;
    uint32_t next;
  };
  std::vector<PendingEdge> pending_;
  std::vector<uint32_t> first_pending_;
};

}  // namespace mailveil
