#include "needle_set.h"

#include <algorithm>
#include <stdexcept>
#include <tuple>

namespace mailveil {

NeedleSet::NeedleSet(bool ascii_case_insensitive) : case_insensitive_(ascii_case_insensitive) {
  nodes_.emplace_back();
  root_.fill(kNone);
}

void NeedleSet::add(std::string_view needle, uint32_t tag) {
  if (built_) throw std::logic_error("NeedleSet::add after build");
  if (needle.empty()) return;
  uint32_t node = 0;
  for (char ch : needle) {
    const unsigned char c = fold(static_cast<unsigned char>(ch));
    const uint64_t key = (uint64_t{node} << 8) | c;
    auto it = trie_.find(key);
    if (it == trie_.end()) {
      const auto next = static_cast<uint32_t>(nodes_.size());
      Node n;
      n.depth = nodes_[node].depth + 1;
      nodes_.push_back(n);
      it = trie_.emplace(key, next).first;
    }
    node = it->second;
  }
  nodes_[node].has_output = true;
  tags_.emplace_back(node, tag);
}

void NeedleSet::build() {
  if (built_) return;
  built_ = true;
  // Edges grouped by parent and sorted by byte; the root's go to a direct table.
  std::vector<std::tuple<uint32_t, unsigned char, uint32_t>> edges;
  edges.reserve(trie_.size());
  for (const auto& [key, to] : trie_) {
    edges.emplace_back(static_cast<uint32_t>(key >> 8), static_cast<unsigned char>(key & 0xff), to);
  }
  trie_ = {};
  std::sort(edges.begin(), edges.end());
  for (const auto& [from, c, to] : edges) {
    if (from == 0) {
      root_[c] = to;
      continue;
    }
    Node& n = nodes_[from];
    if (n.edge_count == 0) n.first_edge = static_cast<uint32_t>(edges_.size());
    ++n.edge_count;
    edges_.emplace_back(c, to);
  }
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
