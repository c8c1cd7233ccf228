#include "compiled_list.h"

#include <link.h>
#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <map>
#include <unordered_map>

#include "pattern_scope.h"
#include "plain_pattern.h"

namespace mailveil {

// The compiled form stores every field of Tracker and of SignatureList. A field added to either must be added
// to compile_list() and CompiledList::tracker()/load(), with kCompiledFormatVersion (list_cache.h) bumped;
// these size checks make the build fail until someone looks.
#if defined(__x86_64__) && defined(__GLIBCXX__) && !defined(_GLIBCXX_DEBUG)
static_assert(sizeof(Tracker) == 272,
              "Tracker changed: carry the new field in the compiled list (compiled_list.cpp) and bump "
              "kCompiledFormatVersion");
static_assert(sizeof(SignatureList) == 128,
              "SignatureList changed: carry the new field in the compiled list (compiled_list.cpp) and bump "
              "kCompiledFormatVersion");
#endif

namespace {

using namespace compiled;

constexpr char kPartMagic[8] = {'M', 'V', 'L', 'I', 'S', 'T', 0, 0};

/// Loading checks every transition of the gate automaton (tens of thousands), so it divides by the class count k
/// with a multiply: for 0 < k <= 256 (checked first) and offsets below 2^31, floor(offset × ceil(2^39 / k) / 2^39) =
/// floor(offset / k) (Granlund and Montgomery, 1994). The caller checks row × k == offset, so a wrong row could only
/// refuse a list.
uint64_t row_reciprocal(uint32_t k) {
  return ((uint64_t{1} << 39) + k - 1) / k;
}
uint32_t row_of(uint32_t offset, uint64_t reciprocal) {
  return static_cast<uint32_t>((static_cast<unsigned __int128>(offset) * reciprocal) >> 39);
}

// Atoms shorter than this are not used as gates (RE2 then treats that part of the regex as unfiltered).
constexpr int kMinAtomLength = 3;
// Up to this many atoms per regex, its exact gate (one atom per minimal satisfying set) is worked out by
// enumeration; above it, any of its atoms opens the gate.
constexpr size_t kMaxEnumeratedAtoms = 12;

RE2::Options latin1_options() {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingLatin1);  // as the Matcher compiles them
  return options;
}

class ArenaBuilder {
 public:
  ArenaBuilder() { bytes_.push_back('\0'); }  // offset 0: the empty string
  uint32_t intern(std::string_view s) {
    if (s.empty()) return 0;
    auto [it, fresh] = index_.try_emplace(std::string(s), 0);
    if (fresh) {
      it->second = static_cast<uint32_t>(bytes_.size());
      for (size_t n = s.size();; n >>= 7) {  // LEB128 length
        const auto low = static_cast<char>(n & 0x7f);
        if (n < 0x80) {
          bytes_.push_back(low);
          break;
        }
        bytes_.push_back(static_cast<char>(low | 0x80));
      }
      bytes_.append(s);
    }
    return it->second;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
  std::unordered_map<std::string, uint32_t> index_;
};

/// An open-addressing table over groups already written to the postings pool.
std::vector<Slot> build_table(const std::vector<std::pair<uint32_t, uint32_t>>& hash_and_pos) {
  if (hash_and_pos.empty()) return {};
  size_t capacity = 4;
  // Load <= 0.5: most lookups miss (a URL's tokens are mostly not index keys), and a miss probes to the first
  // empty slot; at a load near 0.8 that was five slots on average, at 0.5 it is about two.
  while (capacity < 2 * hash_and_pos.size()) capacity <<= 1;
  std::vector<Slot> table(capacity, Slot{0, kEmptySlot});
  for (const auto& [hash, pos] : hash_and_pos) {
    size_t i = hash & (capacity - 1);
    while (table[i].pos != kEmptySlot) i = (i + 1) & (capacity - 1);
    table[i] = {hash, pos};
  }
  return table;
}

/// Trailing decimal number of an id ("user-123" -> prefix "user-", 123), when it spells back exactly.
bool split_numeric_id(std::string_view id, std::string_view* prefix, uint32_t* number) {
  size_t digits = 0;
  while (digits < id.size() && id[id.size() - 1 - digits] >= '0' && id[id.size() - 1 - digits] <= '9') ++digits;
  if (digits == 0 || digits > 9 || digits == id.size()) return false;
  const std::string_view tail = id.substr(id.size() - digits);
  if (tail.size() > 1 && tail.front() == '0') return false;
  uint32_t n = 0;
  for (char c : tail) n = n * 10 + static_cast<uint32_t>(c - '0');
  *prefix = id.substr(0, id.size() - digits);
  *number = n;
  return true;
}

/// Which atoms gate an unscoped regex: one atom from each minimal set of atoms RE2's prefilter needs, so that a
/// URL that matches the regex always holds at least one of them (in lower case). Empty when the regex cannot be
/// gated: no prefilter, no atom beyond what every http(s) URL holds, or atoms outside ASCII.
std::vector<std::string> regex_gate(const std::string& pattern) {
  re2::FilteredRE2 filter(kMinAtomLength);
  int id = 0;
  if (filter.Add(pattern, latin1_options(), &id) != RE2::NoError) return {};
  std::vector<std::string> atoms;
  filter.Compile(&atoms);
  if (atoms.empty()) return {};
  std::vector<int> present;
  std::vector<int> regexps;
  auto satisfied_by = [&](const std::vector<int>& atom_ids) {
    regexps.clear();
    filter.AllPotentials(atom_ids, &regexps);
    return !regexps.empty();
  };
  // Atoms every URL the matcher sees holds ("http", "://", ...): no use as a gate.
  auto trivial = [](const std::string& a) { return std::string_view("https://").find(a) != std::string_view::npos; };
  for (size_t i = 0; i < atoms.size(); ++i) {
    if (trivial(atoms[i])) present.push_back(static_cast<int>(i));
  }
  if (satisfied_by(present)) return {};  // the regex may match with nothing but those

  std::vector<std::string> gate;
  auto add = [&](const std::string& atom) {
    if (std::find(gate.begin(), gate.end(), atom) == gate.end()) gate.push_back(atom);
  };
  if (atoms.size() <= kMaxEnumeratedAtoms) {
    auto satisfied = [&](uint32_t set) {
      present.clear();
      for (size_t i = 0; i < atoms.size(); ++i) {
        if (set >> i & 1) present.push_back(static_cast<int>(i));
      }
      return satisfied_by(present);
    };
    // The prefilter is a formula of ANDs and ORs of atoms, so a set that holds one that passes passes too. An atom
    // without which all the others fail is then in every set that passes: only the sets that hold all of those
    // are tried (an AND of twelve atoms took 4,096 tries, now 13).
    const uint32_t all = (1u << atoms.size()) - 1;
    uint32_t required = 0;
    for (size_t i = 0; i < atoms.size(); ++i) {
      if (!satisfied(all & ~(1u << i))) required |= 1u << i;
    }
    const uint32_t optional = all & ~required;
    // Sets in increasing numeric order: every subset of a set comes before it, so a set none of whose subsets
    // satisfies the prefilter, but which does, is a minimal one. (sub - optional) & optional is the next subset of
    // the optional atoms, in increasing order.
    std::vector<uint32_t> minimal;
    for (uint32_t sub = 0;; sub = (sub - optional) & optional) {
      const uint32_t set = required | sub;
      if (set != 0 && std::none_of(minimal.begin(), minimal.end(), [&](uint32_t m) { return (m & set) == m; }) &&
          satisfied(set)) {
        minimal.push_back(set);
        const std::string* best = nullptr;  // the longest atom of the set that is not trivial (it has one)
        for (size_t i = 0; i < atoms.size(); ++i) {
          if ((set >> i & 1) && !trivial(atoms[i]) && (!best || atoms[i].size() > best->size())) best = &atoms[i];
        }
        if (!best) return {};
        add(*best);
      }
      if (sub == optional) break;
    }
  } else {
    for (const auto& a : atoms) {
      if (!trivial(a)) add(a);
    }
  }
  for (const auto& a : gate) {
    if (std::any_of(a.begin(), a.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) return {};
  }
  return gate;
}

/// Tokens common in every kind of URL: a plain pattern is indexed under one of them only when it has no other.
bool is_common_url_token(std::string_view t) {
  static constexpr std::array<std::string_view, 18> kCommon = {"http", "https", "www",    "com", "net",    "org",
                                                               "js",   "html",  "php",    "jpg", "gif",    "png",
                                                               "css",  "cdn",   "static", "img", "images", "1"};
  return std::find(kCommon.begin(), kCommon.end(), t) != kCommon.end();
}

/// How much more often than its filter count says a token turns up in URLs, as an index key's cost: a URL holds
/// the common words of every URL, and short tokens ("v", "id", "2"...) are in many URLs whatever the filters say.
/// A filter goes under its longer tokens first; under those only when it has no other.
uint64_t url_token_penalty(std::string_view t) {
  if (is_common_url_token(t)) return uint64_t{1} << 40;
  if (t.size() == 1) return uint64_t{1} << 36;
  if (t.size() == 2) return uint64_t{1} << 34;
  return 0;
}

/// The Aho-Corasick automaton over the gate atoms, as a DFA over byte classes.
struct Automaton {
  std::vector<uint8_t> classes = std::vector<uint8_t>(256, 0);
  uint32_t class_count = 1;
  std::vector<uint32_t> next;
  std::vector<uint32_t> outputs;
  std::vector<uint32_t> output_ids;
  uint32_t states = 0;
};

Automaton build_automaton(const std::vector<std::string>& atoms) {
  Automaton a;
  if (atoms.empty()) return a;
  for (const auto& atom : atoms) {
    for (char c : atom) {
      auto b = static_cast<unsigned char>(c);
      if (a.classes[b] == 0) a.classes[b] = static_cast<uint8_t>(a.class_count++);
    }
  }
  // Upper-case letters read as their lower-case class: the atoms are lower case, the URL is not.
  for (int c = 'A'; c <= 'Z'; ++c) a.classes[c] = a.classes[c - 'A' + 'a'];
  const uint32_t k = a.class_count;
  std::vector<std::vector<int64_t>> go(1, std::vector<int64_t>(k, -1));
  std::vector<std::vector<uint32_t>> out(1);
  for (uint32_t id = 0; id < atoms.size(); ++id) {
    size_t s = 0;
    for (char c : atoms[id]) {
      const uint8_t cls = a.classes[static_cast<unsigned char>(c)];
      if (go[s][cls] < 0) {
        go[s][cls] = static_cast<int64_t>(go.size());
        go.emplace_back(k, -1);
        out.emplace_back();
      }
      s = static_cast<size_t>(go[s][cls]);
    }
    out[s].push_back(id);
  }
  std::vector<uint32_t> fail(go.size(), 0);
  std::deque<uint32_t> queue;
  a.next.assign(go.size() * k, 0);
  for (uint32_t c = 0; c < k; ++c) {
    if (go[0][c] >= 0) {
      a.next[c] = static_cast<uint32_t>(go[0][c]);
      queue.push_back(static_cast<uint32_t>(go[0][c]));
    }
  }
  while (!queue.empty()) {
    const uint32_t s = queue.front();
    queue.pop_front();
    for (uint32_t id : out[fail[s]]) out[s].push_back(id);  // the fail state was finished before s
    for (uint32_t c = 0; c < k; ++c) {
      if (go[s][c] >= 0) {
        const auto t = static_cast<uint32_t>(go[s][c]);
        fail[t] = a.next[fail[s] * k + c];
        a.next[s * k + c] = t;
        queue.push_back(t);
      } else {
        a.next[s * k + c] = a.next[fail[s] * k + c];
      }
    }
  }
  a.states = static_cast<uint32_t>(go.size());
  for (const auto& o : out) {
    a.outputs.push_back(static_cast<uint32_t>(a.output_ids.size()));
    std::vector<uint32_t> ids = o;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    a.output_ids.insert(a.output_ids.end(), ids.begin(), ids.end());
  }
  a.outputs.push_back(static_cast<uint32_t>(a.output_ids.size()));
  // Each target becomes the offset of its row (state × k). A transition into a state that ends atoms carries
  // kAcHasOutput: the matcher reads the outputs of those states only (a URL's walk meets a few), not of every
  // state it passes through.
  if (uint64_t{a.states} * k > compiled::kAcStateMask) throw std::length_error("gate automaton too large");
  for (uint32_t& t : a.next) t = (a.outputs[t] != a.outputs[t + 1] ? compiled::kAcHasOutput : 0) | t * k;
  return a;
}

class ListBuilder {
 public:
  std::string build(const SignatureList& list) {
    header_published_ = arena_.intern(list.published);
    header_expires_ = arena_.intern(list.expires);
    for (const Tracker& t : list.trackers) add_entry(t);
    entry_rules_.push_back(static_cast<uint32_t>(rules_.size()));
    index_hosts();
    index_regexes();
    index_plain();
    for (const auto& s : list.skipped) {
      skipped_.push_back({static_cast<uint32_t>(s.index), arena_.intern(s.id), arena_.intern(s.reason)});
    }
    return assemble(list);
  }

 private:
  uint32_t intern_list(const std::vector<std::string>& items) {
    if (items.empty()) return 0;
    std::string key;
    for (const auto& s : items) key += s + '\0';
    auto [it, fresh] = list_index_.try_emplace(key, 0);
    if (fresh) {
      it->second = static_cast<uint32_t>(string_lists_.size());
      string_lists_.push_back(static_cast<uint32_t>(items.size()));
      for (const auto& s : items) string_lists_.push_back(arena_.intern(s));
    }
    return it->second;
  }

  uint32_t meta_of(const MetaRecord& m) {
    const std::array<uint32_t, 5> key = {m.category, m.redirect_params, m.id_prefix, m.flags, m.brand};
    auto [it, fresh] = meta_index_.try_emplace(key, static_cast<uint32_t>(metas_.size()));
    if (fresh) metas_.push_back(m);
    return it->second;
  }

  void add_entry(const Tracker& t) {
    const auto entry = static_cast<uint32_t>(entries_.size());
    if (entry >= kMaxEntries) throw std::length_error("too many entries for one compiled list");
    MetaRecord meta{arena_.intern(t.category), intern_list(t.redirect_params), 0,
                    t.check_google_analytics ? kMetaCheckGoogleAnalytics : 0u, 0};
    // Most brands are the default one (all of an imported list's): stored as 0, so that metadata stays shared.
    if (t.brand.empty()) {
      meta.flags |= kMetaNoBrand;
    } else if (t.brand != default_brand(t.name, t.company)) {
      meta.brand = arena_.intern(t.brand);
    }
    uint32_t flags = (t.applies_to_pixel ? kEntryPixel : 0) | (t.applies_to_link ? kEntryLink : 0);
    EntryRecord e{};
    std::string_view prefix;
    uint32_t number = 0;
    if (split_numeric_id(t.id, &prefix, &number)) {
      meta.id_prefix = arena_.intern(prefix);
      e.id = number;
      flags |= kEntryNumericId;
    } else {
      e.id = arena_.intern(t.id);
    }
    e.name = arena_.intern(t.name);
    e.company = arena_.intern(t.company);
    const uint32_t m = meta_of(meta);
    if (m > 0xffffff) throw std::length_error("too many distinct entry metadata records");
    e.meta = m | (flags << 24);
    entries_.push_back(e);
    entry_rules_.push_back(static_cast<uint32_t>(rules_.size()));
    for (const auto& d : t.domains) rules_.push_back(make_rule(arena_.intern(d), entry, kRuleDomain));
    for (const auto& h : t.hosts) rules_.push_back(make_rule(arena_.intern(h), entry, kRuleHost));
    for (const auto& p : t.patterns) {
      if (auto plain = parse_plain_pattern(p)) {
        rules_.push_back(make_rule(arena_.intern(plain->body), entry, kRulePlain, plain_flags(*plain)));
      } else {
        rules_.push_back(make_rule(arena_.intern(p), entry, kRuleRegex));
      }
    }
  }

  /// Writes a group [key, count, ids...] to the postings pool; its position.
  uint32_t add_group(uint32_t key, const std::vector<uint32_t>& ids) {
    const auto pos = static_cast<uint32_t>(postings_.size());
    postings_.push_back(key);
    postings_.push_back(static_cast<uint32_t>(ids.size()));
    postings_.insert(postings_.end(), ids.begin(), ids.end());
    return pos;
  }

  /// A table of rules by key; a key naming one rule keeps it in its slot (the rule's text is the key).
  std::vector<Slot> rule_table(const std::map<std::string, std::vector<uint32_t>>& groups) {
    std::vector<std::pair<uint32_t, uint32_t>> slots;
    for (const auto& [key, ids] : groups) {
      slots.emplace_back(key_hash(key), ids.size() == 1 ? (ids[0] | kDirect) : add_group(arena_.intern(key), ids));
    }
    return build_table(slots);
  }

  void index_hosts() {
    std::map<std::string, std::vector<uint32_t>> hosts, domains;
    for (uint32_t r = 0; r < rules_.size(); ++r) {
      const std::string key(str(rules_[r].text));
      if (rules_[r].kind() == kRuleHost) hosts[key].push_back(r);
      if (rules_[r].kind() == kRuleDomain) domains[key].push_back(r);
    }
    host_table_ = rule_table(hosts);
    domain_table_ = rule_table(domains);
  }

  void index_regexes() {
    std::map<std::string, std::vector<uint32_t>> by_host, by_segment;
    std::vector<std::string> atoms;
    std::unordered_map<std::string, uint32_t> atom_ids;
    std::vector<std::vector<uint32_t>> atom_regexes;
    for (uint32_t r = 0; r < rules_.size(); ++r) {
      if (rules_[r].kind() != kRuleRegex) continue;
      const auto number = static_cast<uint32_t>(regexes_.size());
      const std::string pattern(str(rules_[r].text));
      RegexRecord rec{r, 0, 0, 0, 0};
      if (is_start_anchored(pattern)) rec.flags |= kRegexStartAnchored;
      PatternScope scope = pattern_scope(pattern);
      if (scope.kind != PatternScope::Kind::kAnywhere) {
        rec.flags |= kRegexScoped;
        auto& index = scope.kind == PatternScope::Kind::kHost ? by_host : by_segment;
        for (const auto& key : scope.keys) {
          auto& ids = index[key];
          if (ids.empty() || ids.back() != number) ids.push_back(number);
        }
      } else if (auto gate = regex_gate(pattern); !gate.empty()) {
        rec.flags |= kRegexGated;
        rec.gate_first = static_cast<uint32_t>(gate_atoms_.size());
        rec.gate_count = static_cast<uint16_t>(std::min<size_t>(gate.size(), 0xffff));
        for (size_t i = 0; i < rec.gate_count; ++i) {
          auto [it, fresh] = atom_ids.try_emplace(gate[i], static_cast<uint32_t>(atoms.size()));
          if (fresh) {
            atoms.push_back(gate[i]);
            atom_regexes.emplace_back();
          }
          gate_atoms_.push_back(it->second);
          atom_regexes[it->second].push_back(number);
        }
      } else {
        ungated_.push_back(number);
      }
      regexes_.push_back(rec);
    }
    // Buckets: host keys first, then segments; each table entry's group holds its bucket number.
    auto add_buckets = [&](const std::map<std::string, std::vector<uint32_t>>& index) {
      std::vector<std::pair<uint32_t, uint32_t>> slots;
      for (const auto& [key, ids] : index) {
        const auto bucket = static_cast<uint32_t>(buckets_.size());
        buckets_.push_back({static_cast<uint32_t>(bucket_ids_.size()), static_cast<uint32_t>(ids.size())});
        bucket_ids_.insert(bucket_ids_.end(), ids.begin(), ids.end());
        slots.emplace_back(key_hash(key), add_group(arena_.intern(key), {bucket}));
      }
      return build_table(slots);
    };
    scope_host_table_ = add_buckets(by_host);
    scope_seg_table_ = add_buckets(by_segment);

    for (const auto& a : atoms) atom_strings_.push_back(arena_.intern(a));
    for (const auto& ids : atom_regexes) {
      atom_regexes_.push_back(static_cast<uint32_t>(atom_regex_ids_.size()));
      atom_regex_ids_.insert(atom_regex_ids_.end(), ids.begin(), ids.end());
    }
    if (!atoms.empty()) atom_regexes_.push_back(static_cast<uint32_t>(atom_regex_ids_.size()));
    automaton_ = build_automaton(atoms);
  }

  void index_plain() {
    std::vector<std::pair<uint32_t, std::vector<std::string>>> tokens_of;
    std::unordered_map<std::string, uint32_t> frequency;
    for (uint32_t r = 0; r < rules_.size(); ++r) {
      if (rules_[r].kind() != kRulePlain) continue;
      auto tokens = plain_tokens(plain_from_flags(rules_[r].plain_flags(), str(rules_[r].text)));
      std::sort(tokens.begin(), tokens.end());
      tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
      for (const auto& t : tokens) ++frequency[t];
      tokens_of.emplace_back(r, std::move(tokens));
    }
    // Each pattern under its rarest token (fewest patterns share it), avoiding tokens most URLs hold.
    std::map<uint32_t, std::vector<uint32_t>> by_hash;
    for (const auto& [rule, tokens] : tokens_of) {
      const std::string* best = nullptr;
      uint64_t best_cost = 0;
      for (const auto& t : tokens) {
        const uint64_t cost = frequency[t] + url_token_penalty(t);
        if (!best || cost < best_cost || (cost == best_cost && t.size() > best->size())) {
          best = &t;
          best_cost = cost;
        }
      }
      if (best) {
        by_hash[token_hash(*best)].push_back(rule);
      } else {
        untokenized_.push_back(rule);
      }
    }
    std::vector<std::pair<uint32_t, uint32_t>> slots;
    for (const auto& [hash, ids] : by_hash) {
      slots.emplace_back(hash, ids.size() == 1 ? (ids[0] | kDirect) : add_group(0, ids));
    }
    token_table_ = build_table(slots);
  }

  std::string_view str(uint32_t ref) const {
    const std::string& b = arena_.bytes();
    size_t pos = ref;
    size_t n = 0;
    for (int shift = 0;; shift += 7) {
      const auto c = static_cast<unsigned char>(b[pos++]);
      n |= static_cast<size_t>(c & 0x7f) << shift;
      if (!(c & 0x80)) break;
    }
    return std::string_view(b).substr(pos, n);
  }

  template <typename T>
  void put(std::string* out, PartHeader* h, Section s, const std::vector<T>& v) {
    while (out->size() % 8) out->push_back('\0');
    h->sections[s].offset = static_cast<uint32_t>(out->size());
    h->sections[s].size = static_cast<uint32_t>(v.size() * sizeof(T));
    out->append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }

  std::string assemble(const SignatureList& list) {
    PartHeader h{};
    std::memcpy(h.magic, kPartMagic, sizeof h.magic);
    h.section_count = kSectionCount;
    h.format_version = static_cast<uint32_t>(list.format_version);
    h.list_version = list.list_version;
    h.published = header_published_;
    h.expires = header_expires_;
    h.entry_count = static_cast<uint32_t>(entries_.size());
    h.ac_classes = automaton_.states ? automaton_.class_count : 0;
    h.ac_states = automaton_.states;
    bool one_rule_each = rules_.size() == entries_.size();
    for (uint32_t e = 0; one_rule_each && e < entries_.size(); ++e) one_rule_each = entry_rules_[e] == e;
    if (one_rule_each) {
      h.flags |= kPartOneRulePerEntry;
      entry_rules_.clear();
    }
    std::string out(sizeof(PartHeader), '\0');
    const std::string& strings = arena_.bytes();
    put(&out, &h, kStrings, std::vector<char>(strings.begin(), strings.end()));
    put(&out, &h, kStringLists, string_lists_);
    put(&out, &h, kMetas, metas_);
    put(&out, &h, kEntries, entries_);
    put(&out, &h, kEntryRules, entry_rules_);
    put(&out, &h, kRules, rules_);
    std::vector<uint64_t> plain_bits(rules_.size(), 0);
    for (size_t r = 0; r < rules_.size(); ++r) {
      if (rules_[r].kind() == kRulePlain) plain_bits[r] = plain_required_bits(str(rules_[r].text));
    }
    put(&out, &h, kPlainBits, plain_bits);
    put(&out, &h, kHostTable, host_table_);
    put(&out, &h, kDomainTable, domain_table_);
    put(&out, &h, kScopeHostTable, scope_host_table_);
    put(&out, &h, kScopeSegTable, scope_seg_table_);
    put(&out, &h, kTokenTable, token_table_);
    put(&out, &h, kPostings, postings_);
    put(&out, &h, kBuckets, buckets_);
    put(&out, &h, kBucketIds, bucket_ids_);
    put(&out, &h, kRegexes, regexes_);
    put(&out, &h, kGateAtoms, gate_atoms_);
    put(&out, &h, kUngated, ungated_);
    put(&out, &h, kUntokenized, untokenized_);
    put(&out, &h, kAtomStrings, atom_strings_);
    put(&out, &h, kAtomRegexes, atom_regexes_);
    put(&out, &h, kAtomRegexIds, atom_regex_ids_);
    put(&out, &h, kAcClasses, automaton_.states ? automaton_.classes : std::vector<uint8_t>());
    put(&out, &h, kAcNext, automaton_.next);
    put(&out, &h, kAcOutputs, automaton_.outputs);
    put(&out, &h, kAcOutputIds, automaton_.output_ids);
    put(&out, &h, kSkipped, skipped_);
    while (out.size() % 8) out.push_back('\0');
    h.total_size = out.size();
    std::memcpy(out.data(), &h, sizeof h);
    return out;
  }

  ArenaBuilder arena_;
  uint32_t header_published_ = 0;
  uint32_t header_expires_ = 0;
  std::vector<uint32_t> string_lists_{0};  // offset 0: the empty list
  std::map<std::string, uint32_t> list_index_;
  std::vector<MetaRecord> metas_;
  std::map<std::array<uint32_t, 5>, uint32_t> meta_index_;
  std::vector<EntryRecord> entries_;
  std::vector<uint32_t> entry_rules_;
  std::vector<RuleRecord> rules_;
  std::vector<Slot> host_table_, domain_table_, scope_host_table_, scope_seg_table_, token_table_;
  std::vector<uint32_t> postings_;
  std::vector<BucketRecord> buckets_;
  std::vector<uint32_t> bucket_ids_;
  std::vector<RegexRecord> regexes_;
  std::vector<uint32_t> gate_atoms_, ungated_, untokenized_, atom_strings_, atom_regexes_, atom_regex_ids_;
  Automaton automaton_;
  std::vector<SkippedRecord> skipped_;
};

class StringStore : public ByteStore {
 public:
  explicit StringStore(std::string bytes) : bytes_(std::move(bytes)) {}
  std::string_view bytes() const override { return bytes_; }

 private:
  std::string bytes_;
};

template <typename T>
bool section_span(std::string_view part, const PartHeader& h, Section s, std::span<const T>* out, std::string* why) {
  const auto offset = h.sections[s].offset;
  const auto size = h.sections[s].size;
  if (offset > part.size() || size > part.size() - offset || offset % alignof(T) != 0 || size % sizeof(T) != 0) {
    *why = "section " + std::to_string(s) + " lies outside the compiled list";
    return false;
  }
  *out = std::span<const T>(reinterpret_cast<const T*>(part.data() + offset), size / sizeof(T));
  return true;
}

bool power_of_two_or_empty(size_t n) {
  return (n & (n - 1)) == 0;
}

}  // namespace

std::shared_ptr<const ByteStore> make_byte_store(std::string bytes) {
  return std::make_shared<const StringStore>(std::move(bytes));
}

std::shared_ptr<const CompiledList> compile_list(const SignatureList& list) {
  ListBuilder builder;
  std::string bytes = builder.build(list);
  const size_t size = bytes.size();
  std::string why;
  auto out = CompiledList::load(make_byte_store(std::move(bytes)), 0, size, &why);
  if (!out) throw std::logic_error("compile_list produced an unreadable list: " + why);
  return out;
}

std::shared_ptr<const CompiledList> CompiledList::load(std::shared_ptr<const ByteStore> store, size_t offset,
                                                       size_t size, std::string* why) {
  const std::string_view all = store->bytes();
  if (offset > all.size() || size > all.size() - offset || size < sizeof(PartHeader) ||
      reinterpret_cast<uintptr_t>(all.data() + offset) % 8 != 0) {
    *why = "compiled list out of bounds";
    return nullptr;
  }
  const std::string_view part = all.substr(offset, size);
  PartHeader h;
  std::memcpy(&h, part.data(), sizeof h);
  if (std::memcmp(h.magic, kPartMagic, sizeof h.magic) != 0 || h.section_count != kSectionCount ||
      h.total_size != size || (h.flags & ~kPartOneRulePerEntry) != 0) {
    *why = "not a compiled list of this format";
    return nullptr;
  }
  auto list = std::make_shared<CompiledList>();
  CompiledList& l = *list;
  std::span<const char> strings;
  std::span<const SkippedRecord> skipped;
  if (!section_span(part, h, kStrings, &strings, why) || !section_span(part, h, kStringLists, &l.string_lists, why) ||
      !section_span(part, h, kMetas, &l.metas, why) || !section_span(part, h, kEntries, &l.entries, why) ||
      !section_span(part, h, kEntryRules, &l.entry_rules, why) || !section_span(part, h, kRules, &l.rules, why) ||
      !section_span(part, h, kPlainBits, &l.plain_bits, why) ||
      !section_span(part, h, kHostTable, &l.host_table, why) ||
      !section_span(part, h, kDomainTable, &l.domain_table, why) ||
      !section_span(part, h, kScopeHostTable, &l.scope_host_table, why) ||
      !section_span(part, h, kScopeSegTable, &l.scope_seg_table, why) ||
      !section_span(part, h, kTokenTable, &l.token_table, why) || !section_span(part, h, kPostings, &l.postings, why) ||
      !section_span(part, h, kBuckets, &l.buckets, why) || !section_span(part, h, kBucketIds, &l.bucket_ids, why) ||
      !section_span(part, h, kRegexes, &l.regexes, why) || !section_span(part, h, kGateAtoms, &l.gate_atoms, why) ||
      !section_span(part, h, kUngated, &l.ungated, why) || !section_span(part, h, kUntokenized, &l.untokenized, why) ||
      !section_span(part, h, kAtomStrings, &l.atom_strings, why) ||
      !section_span(part, h, kAtomRegexes, &l.atom_regexes, why) ||
      !section_span(part, h, kAtomRegexIds, &l.atom_regex_ids, why) ||
      !section_span(part, h, kAcClasses, &l.ac_classes, why) || !section_span(part, h, kAcNext, &l.ac_next, why) ||
      !section_span(part, h, kAcOutputs, &l.ac_outputs, why) ||
      !section_span(part, h, kAcOutputIds, &l.ac_output_ids, why) || !section_span(part, h, kSkipped, &skipped, why)) {
    return nullptr;
  }
  // Shapes the matcher relies on (indexes read from the records are bounds-checked where they are used).
  const bool tables_ok = power_of_two_or_empty(l.host_table.size()) && power_of_two_or_empty(l.domain_table.size()) &&
                         power_of_two_or_empty(l.scope_host_table.size()) &&
                         power_of_two_or_empty(l.scope_seg_table.size()) && power_of_two_or_empty(l.token_table.size());
  const bool one_rule_each = (h.flags & kPartOneRulePerEntry) != 0;
  const bool rules_ok = one_rule_each ? l.entry_rules.empty() && l.rules.size() == l.entries.size()
                                      : l.entry_rules.size() == l.entries.size() + 1;
  const bool plain_bits_ok = l.plain_bits.size() == l.rules.size();
  const uint64_t reciprocal = h.ac_classes > 0 ? row_reciprocal(h.ac_classes) : 0;
  const bool automaton_ok =
      h.ac_states == 0
          ? l.ac_classes.empty() && l.ac_next.empty() && l.atom_strings.empty()
          : l.ac_classes.size() == 256 && h.ac_classes > 0 && h.ac_classes <= 256 &&
                l.ac_next.size() == size_t{h.ac_states} * h.ac_classes && l.ac_outputs.size() == h.ac_states + 1 &&
                l.atom_regexes.size() == l.atom_strings.size() + 1 &&
                std::all_of(l.ac_classes.begin(), l.ac_classes.end(), [&](uint8_t c) { return c < h.ac_classes; }) &&
                std::all_of(l.ac_next.begin(), l.ac_next.end(), [&, k = h.ac_classes](uint32_t t) {
                  // A target is a row's offset (state × k) of a state that exists; the flag says whether that
                  // state ends atoms (the matcher skips the outputs of the others).
                  const uint32_t offset = t & compiled::kAcStateMask;
                  const uint32_t s = row_of(offset, reciprocal);
                  return s * k == offset && s < h.ac_states &&
                         ((t & compiled::kAcHasOutput) != 0) == (l.ac_outputs[s] != l.ac_outputs[s + 1]);
                });
  if (h.entry_count != l.entries.size() || !rules_ok || !plain_bits_ok || strings.empty() || l.string_lists.empty() ||
      !tables_ok || !automaton_ok) {
    *why = "inconsistent compiled list";
    return nullptr;
  }
  l.store_ = std::move(store);
  l.bytes_ = part;
  l.strings_ = std::string_view(strings.data(), strings.size());
  l.ac_class_count = h.ac_classes;
  l.ac_state_count = h.ac_states;
  l.part_flags = h.flags;
  l.format_version = static_cast<int>(h.format_version);
  l.list_version = h.list_version;
  l.published = std::string(l.str(h.published));
  l.expires = std::string(l.str(h.expires));
  for (const auto& s : skipped) l.skipped.push_back({s.index, std::string(l.str(s.id)), std::string(l.str(s.reason))});
  return list;
}

std::string_view CompiledList::str(uint32_t ref) const {
  size_t pos = ref;
  size_t n = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (pos >= strings_.size()) return {};
    const auto c = static_cast<unsigned char>(strings_[pos++]);
    n |= static_cast<size_t>(c & 0x7f) << shift;
    if (!(c & 0x80)) break;
  }
  if (n > strings_.size() - pos) return {};
  return strings_.substr(pos, n);
}

CompiledList::Group CompiledList::group(uint32_t pos) const {
  if (pos & compiled::kDirect) {
    const uint32_t rule = pos & ~compiled::kDirect;
    if (rule >= rules.size()) return {};
    return {rules[rule].text, nullptr, 1, rule};
  }
  if (pos >= postings.size() || postings.size() - pos < 2) return {};
  const uint32_t count = postings[pos + 1];
  if (count > postings.size() - pos - 2) return {};
  return {postings[pos], postings.data() + pos + 2, count, 0};
}

uint32_t CompiledList::first_rule(size_t entry) const {
  if (part_flags & compiled::kPartOneRulePerEntry) return static_cast<uint32_t>(std::min(entry, rules.size()));
  return entry < entry_rules.size() ? std::min<uint32_t>(entry_rules[entry], static_cast<uint32_t>(rules.size()))
                                    : static_cast<uint32_t>(rules.size());
}

uint32_t CompiledList::end_rule(size_t entry) const {
  return first_rule(entry + 1);
}

CompiledList::Group CompiledList::find(std::span<const compiled::Slot> table, uint32_t hash,
                                       std::string_view key) const {
  if (table.empty()) return {};
  const size_t mask = table.size() - 1;
  for (size_t i = hash & mask, probes = 0; probes < table.size(); i = (i + 1) & mask, ++probes) {
    const compiled::Slot& s = table[i];
    if (s.pos == compiled::kEmptySlot) return {};
    if (s.hash != hash) continue;
    Group g = group(s.pos);
    if (str(g.key) == key) return g;
  }
  return {};
}

CompiledList::Group CompiledList::find_token(uint32_t hash) const {
  if (token_table.empty()) return {};
  const size_t mask = token_table.size() - 1;
  for (size_t i = hash & mask, probes = 0; probes < token_table.size(); i = (i + 1) & mask, ++probes) {
    const compiled::Slot& s = token_table[i];
    if (s.pos == compiled::kEmptySlot) return {};
    if (s.hash == hash) return group(s.pos);
  }
  return {};
}

std::string CompiledList::entry_id(uint32_t entry) const {
  if (entry >= entries.size()) return {};
  const compiled::EntryRecord& e = entries[entry];
  if (!((e.meta >> 24) & compiled::kEntryNumericId)) return std::string(str(e.id));
  const uint32_t m = e.meta & 0xffffff;
  std::string id(m < metas.size() ? str(metas[m].id_prefix) : std::string_view());
  return id + std::to_string(e.id);
}

Tracker CompiledList::tracker(size_t index) const {
  Tracker t;
  if (index >= entries.size()) return t;
  const compiled::EntryRecord& e = entries[index];
  const uint32_t flags = e.meta >> 24;
  const uint32_t m = e.meta & 0xffffff;
  t.id = entry_id(static_cast<uint32_t>(index));
  t.name = std::string(str(e.name));
  t.company = std::string(str(e.company));
  t.applies_to_pixel = (flags & compiled::kEntryPixel) != 0;
  t.applies_to_link = (flags & compiled::kEntryLink) != 0;
  if (m < metas.size()) {
    const compiled::MetaRecord& meta = metas[m];
    t.category = std::string(str(meta.category));
    t.check_google_analytics = (meta.flags & compiled::kMetaCheckGoogleAnalytics) != 0;
    if (meta.brand != 0) {
      t.brand = std::string(str(meta.brand));
    } else if ((meta.flags & compiled::kMetaNoBrand) == 0) {
      t.brand = default_brand(t.name, t.company);
    }
    if (meta.redirect_params < string_lists.size()) {
      const uint32_t count = string_lists[meta.redirect_params];
      for (uint32_t i = 0; i < count && meta.redirect_params + 1 + i < string_lists.size(); ++i) {
        t.redirect_params.emplace_back(str(string_lists[meta.redirect_params + 1 + i]));
      }
    }
  }
  for (uint32_t r = first_rule(index); r < end_rule(index); ++r) {
    const compiled::RuleRecord& rule = rules[r];
    const std::string text(str(rule.text));
    switch (rule.kind()) {
      case compiled::kRuleDomain: t.domains.push_back(text); break;
      case compiled::kRuleHost: t.hosts.push_back(text); break;
      case compiled::kRuleRegex: t.patterns.push_back(text); break;
      case compiled::kRulePlain:
        t.patterns.push_back(plain_pattern_to_re2(plain_from_flags(rule.plain_flags(), text)));
        break;
      default: break;
    }
  }
  return t;
}

std::string_view this_build_id() {
  static const std::string id = [] {
    std::string out;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) -> int {
          auto* found = static_cast<std::string*>(data);
          for (int i = 0; i < info->dlpi_phnum; ++i) {
            const ElfW(Phdr)& ph = info->dlpi_phdr[i];
            if (ph.p_type != PT_NOTE) continue;
            const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
            const char* end = p + ph.p_memsz;
            while (p + sizeof(ElfW(Nhdr)) <= end) {
              const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
              const char* name = p + sizeof(ElfW(Nhdr));
              const char* desc = name + ((note->n_namesz + 3) & ~3u);
              if (desc + note->n_descsz > end) break;
              if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
                found->assign(desc, note->n_descsz);
                return 1;
              }
              p = desc + ((note->n_descsz + 3) & ~3u);
            }
          }
          return 1;  // the first object is the executable: stop there
        },
        &out);
    if (out.empty() || out.size() > 32) {
      // No build ID note (or an unusual one): the version and this file's build time stand in.
      const std::string text = out.empty() ? std::string("mailveil " MAILVEIL_VERSION " " __DATE__ " " __TIME__) : out;
      const uint64_t h = checksum64(text);
      out.assign(reinterpret_cast<const char*>(&h), sizeof h);
    }
    return out;
  }();
  return id;
}

uint64_t checksum64(std::string_view data) {
  // xxHash64's structure: four lanes over 32-byte stripes, then the tail, then an avalanche.
  constexpr uint64_t p1 = 11400714785074694791ull, p2 = 14029467366897019727ull, p3 = 1609587929392839161ull,
                     p4 = 9650029242287828579ull, p5 = 2870177450012600261ull;
  auto rotl = [](uint64_t x, int r) { return (x << r) | (x >> (64 - r)); };
  auto round = [&](uint64_t acc, uint64_t in) { return rotl(acc + in * p2, 31) * p1; };
  auto load = [](const char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  };
  const char* p = data.data();
  const char* end = p + data.size();
  uint64_t h;
  if (data.size() >= 32) {
    uint64_t v1 = p1 + p2, v2 = p2, v3 = 0, v4 = 0 - p1;
    for (; p + 32 <= end; p += 32) {
      v1 = round(v1, load(p));
      v2 = round(v2, load(p + 8));
      v3 = round(v3, load(p + 16));
      v4 = round(v4, load(p + 24));
    }
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    for (uint64_t v : {v1, v2, v3, v4}) h = (h ^ round(0, v)) * p1 + p4;
  } else {
    h = p5;
  }
  h += data.size();
  for (; p + 8 <= end; p += 8) h = rotl(h ^ round(0, load(p)), 27) * p1 + p4;
  for (; p < end; ++p) h = rotl(h ^ (static_cast<uint64_t>(static_cast<unsigned char>(*p)) * p5), 11) * p1;
  h ^= h >> 33;
  h *= p2;
  h ^= h >> 29;
  h *= p3;
  h ^= h >> 32;
  return h;
}

}  // namespace mailveil
