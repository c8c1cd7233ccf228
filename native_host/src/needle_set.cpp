#include "needle_set.h"

#include <algorithm>
#include <stdexcept>

namespace mailveil {

NeedleSet::NeedleSet(bool ascii_case_insensitive) : case_insensitive_(ascii_case_insensitive) {
  nodes_.emplace_back();
  first_pending_.push_back(kNone);
  root_.fill(kNone);
  for (int c = 0; c < 256; ++c) {
    fold_[c] = static_cast<unsigned char>(case_insensitive_ && c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
}

void NeedleSet::add(std::string_view needle, uint32_t tag) {
  if (built_) throw std::logic_error("NeedleSet::add after build");
  if (needle.empty()) return;
  std::string folded(needle);
  for (char& ch : folded) ch = static_cast<char>(fold(static_cast<unsigned char>(ch)));
  shortest_ = needles_.empty() ? folded.size() : std::min(shortest_, folded.size());
  needles_.push_back({std::move(folded), tag});
}

void NeedleSet::build() {
  if (built_) return;
  built_ = true;
  by_gram_ = !needles_.empty() && shortest_ >= kGram;
  if (!by_gram_) {
    build_automaton();
    return;
  }
  gram_bits_.assign(kGramBits / 64, 0);
  grams_.reserve(needles_.size());
  for (uint32_t k = 0; k < needles_.size(); ++k) {
    uint32_t gram = 0;
    for (size_t i = 0; i < kGram; ++i) gram = (gram << 8) | static_cast<unsigned char>(needles_[k].text[i]);
    const uint32_t h = gram_hash(gram);
    gram_bits_[h >> 6] |= uint64_t{1} << (h & 63);
    grams_.emplace_back(gram, k);
  }
  std::sort(grams_.begin(), grams_.end());
  for (size_t i = 0, j = 0; i < grams_.size(); i = j) {
    while (j < grams_.size() && grams_[j].first == grams_[i].first) ++j;
    if (j - i > kMaxGramGroup) {  // many needles alike: the automaton keeps the search linear
      by_gram_ = false;
      gram_bits_ = {};
      grams_ = {};
      build_automaton();
      return;
    }
  }
}

void NeedleSet::find_by_gram(std::string_view text, std::vector<Hit>* hits) const {
  const size_t n = text.size();
  if (n < shortest_) return;
  uint32_t gram = 0;
  for (size_t i = 0; i + 1 < kGram; ++i) gram = (gram << 8) | fold(static_cast<unsigned char>(text[i]));
  for (size_t i = kGram - 1; i < n; ++i) {
    gram = (gram << 8) | fold(static_cast<unsigned char>(text[i]));
    const uint32_t h = gram_hash(gram);
    if (((gram_bits_[h >> 6] >> (h & 63)) & 1) == 0) continue;
    const size_t start = i + 1 - kGram;
    for (auto it = std::lower_bound(grams_.begin(), grams_.end(), std::make_pair(gram, uint32_t{0}));
         it != grams_.end() && it->first == gram; ++it) {
      const std::string& needle = needles_[it->second].text;
      if (start + needle.size() > n) continue;
      bool same = true;
      for (size_t k = kGram; k < needle.size() && same; ++k) {
        same = fold(static_cast<unsigned char>(text[start + k])) == static_cast<unsigned char>(needle[k]);
      }
      if (same) hits->push_back({start + needle.size(), it->second});
    }
  }
  // The automaton's order: by end, the longest needle first; one needle's tags (equal texts) as added.
  std::stable_sort(hits->begin(), hits->end(), [&](const Hit& a, const Hit& b) {
    if (a.end != b.end) return a.end < b.end;
    return needles_[a.needle].text.size() > needles_[b.needle].text.size();
  });
}

void NeedleSet::build_automaton() {
  for (const auto& [needle, tag] : needles_) insert(needle, tag);
  finish_automaton();
}

void NeedleSet::insert(std::string_view needle, uint32_t tag) {
  uint32_t node = 0;
  for (char ch : needle) {
    const unsigned char c = static_cast<unsigned char>(ch);
    uint32_t next = kNone;
    if (node == 0) {
      next = root_[c];
    } else {
      for (uint32_t e = first_pending_[node]; e != kNone; e = pending_[e].next) {
        if (pending_[e].byte == c) {
          next = pending_[e].child;
          break;
        }
      }
    }
    if (next == kNone) {
      next = static_cast<uint32_t>(nodes_.size());
      Node n;
      n.depth = nodes_[node].depth + 1;
      nodes_.push_back(n);
      first_pending_.push_back(kNone);
      if (node == 0) {
        root_[c] = next;
      } else {
        pending_.push_back({c, next, first_pending_[node]});
        first_pending_[node] = static_cast<uint32_t>(pending_.size() - 1);
      }
    }
    node = next;
  }
  nodes_[node].has_output = true;
  tags_.emplace_back(node, tag);
}

void NeedleSet::finish_automaton() {
  // Each node's children, contiguous and sorted by byte; the root's stay in the direct table.
  edges_.reserve(pending_.size());
  std::vector<std::pair<unsigned char, uint32_t>> children;
  for (uint32_t node = 1; node < nodes_.size(); ++node) {
    children.clear();
    for (uint32_t e = first_pending_[node]; e != kNone; e = pending_[e].next) {
      children.emplace_back(pending_[e].byte, pending_[e].child);
    }
    std::sort(children.begin(), children.end());
    nodes_[node].first_edge = static_cast<uint32_t>(edges_.size());
    nodes_[node].edge_count = static_cast<uint32_t>(children.size());
    edges_.insert(edges_.end(), children.begin(), children.end());
  }
  pending_ = {};
  first_pending_ = {};
  // Tags grouped by node.
  std::stable_sort(tags_.begin(), tags_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (uint32_t k = 0; k < tags_.size(); ++k) {
    Node& n = nodes_[tags_[k].first];
    if (n.tag_count == 0) n.first_tag = k;
    ++n.tag_count;
  }
  // Failure and output links, breadth first (a node's links depend on shallower nodes only).
  std::vector<uint32_t> queue;
  queue.reserve(nodes_.size());
  for (uint32_t c = 0; c < 256; ++c) {
    if (root_[c] == kNone) continue;
    nodes_[root_[c]].fail = 0;
    queue.push_back(root_[c]);
  }
  for (size_t head = 0; head < queue.size(); ++head) {
    const uint32_t u = queue[head];
    const Node un = nodes_[u];
    for (uint32_t k = un.first_edge; k < un.first_edge + un.edge_count; ++k) {
      const auto [c, v] = edges_[k];
      uint32_t f = un.fail;
      uint32_t target = child(f, c);
      while (target == kNone && f != 0) {
        f = nodes_[f].fail;
        target = child(f, c);
      }
      Node& vn = nodes_[v];
      vn.fail = target == kNone ? 0 : target;
      const Node& fn = nodes_[vn.fail];
      vn.output_link = fn.has_output ? vn.fail : fn.output_link;
      queue.push_back(v);
    }
  }
}

}  // namespace mailveil
