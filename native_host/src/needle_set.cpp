#include "needle_set.h"

#include <algorithm>
#include <stdexcept>

namespace mailveil {

NeedleSet::NeedleSet(bool ascii_case_insensitive) : case_insensitive_(ascii_case_insensitive) {
  nodes_.emplace_back();
  first_pending_.push_back(kNone);
  root_.fill(kNone);
}

void NeedleSet::add(std::string_view needle, uint32_t tag) {
  if (built_) throw std::logic_error("NeedleSet::add after build");
  if (needle.empty()) return;
  uint32_t node = 0;
  for (char ch : needle) {
    const unsigned char c = fold(static_cast<unsigned char>(ch));
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

void NeedleSet::build() {
  if (built_) return;
  built_ = true;
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
