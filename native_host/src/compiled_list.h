/// The compiled form of a signature list: what the Matcher works on, and what the list cache stores
/// (list_cache.h, docs/signatures.md "Compiled lists"). One flat block of bytes, read in place (from a mapped
/// file or a buffer), holding every field of every entry and the matcher's indexes:
///
///   - a string arena (each distinct string once) and per-list metadata records shared by many entries, so an
///     entry costs a 16-byte record and an imported filter a few dozen bytes, not a Tracker object;
///   - hash tables of exact hosts and of domains (host suffixes);
///   - plain ABP-style patterns (plain_pattern.h) indexed by one of their complete tokens, matched without RE2;
///   - regexes sorted by scope (pattern_scope.h): per host key and per first path segment, each bucket compiled
///     as one RE2::Set on first use; the unscoped ones gated by required literals (RE2's FilteredRE2 atoms found
///     at build time, searched with an Aho-Corasick automaton) and compiled one by one when a URL holds them;
///     the few with no usable literal in one lazily compiled set.
///
/// Nothing in it needs a JSON parse or a regex compile to load. Built by compile_list(); read by
/// CompiledList::load(), which checks every section's bounds (the cache file's checksum is checked by
/// list_cache before that).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signature_list.h"

namespace mailveil {

/// Read-only bytes a compiled list lives in: a mapped cache file or a buffer built in memory. Kept alive by
/// every CompiledList read from it.
class ByteStore {
 public:
  virtual ~ByteStore() = default;
  virtual std::string_view bytes() const = 0;
};

/// A ByteStore over a string (compile_list, tests).
std::shared_ptr<const ByteStore> make_byte_store(std::string bytes);

namespace compiled {

/// An automaton transition (CompiledList::ac_next): in the low bits the target state premultiplied by the class
/// count (state × ac_class_count, the offset of its row: a step of the walk is one add and one load, no multiply
/// on its chain of dependent loads), and kAcHasOutput when that state ends one or more gate atoms.
inline constexpr uint32_t kAcHasOutput = 0x80000000u;
inline constexpr uint32_t kAcStateMask = 0x7fffffffu;

// ---- The records, as laid out in the bytes (little-endian, naturally aligned). ----

/// An open-addressing hash table slot; pos indexes the posting pool, or with kDirect holds a single rule number
/// itself (a key that names one rule: most domains and tokens); UINT32_MAX when empty.
struct Slot {
  uint32_t hash;
  uint32_t pos;
};
inline constexpr uint32_t kEmptySlot = 0xffffffffu;
inline constexpr uint32_t kDirect = 0x80000000u;

/// Per-list metadata shared by many entries (all entries of an imported list share one or two).
struct MetaRecord {
  uint32_t category;         ///< string
  uint32_t redirect_params;  ///< offset of [count, string...] in the string-list pool (0: none)
  uint32_t id_prefix;        ///< string: numeric ids are this prefix + the decimal number
  uint32_t flags;            ///< kMeta* bits
  uint32_t brand;            ///< string; 0: default_brand(name, company), or none with kMetaNoBrand
};
inline constexpr uint32_t kMetaCheckGoogleAnalytics = 1;
inline constexpr uint32_t kMetaNoBrand = 2;  ///< the entry has no brand (lists built in code, not parsed)

/// One tracker entry.
struct EntryRecord {
  uint32_t id;       ///< string, or the number after the meta's id_prefix when kEntryNumericId
  uint32_t name;     ///< string
  uint32_t company;  ///< string
  uint32_t meta;     ///< low 24 bits: MetaRecord index; high 8 bits: kEntry* flags
};
inline constexpr uint32_t kEntryPixel = 1;
inline constexpr uint32_t kEntryLink = 2;
inline constexpr uint32_t kEntryNumericId = 4;

enum RuleKind : uint8_t { kRuleDomain = 0, kRuleHost = 1, kRuleRegex = 2, kRulePlain = 3 };
/// Entries a compiled list can hold (the rule record keeps the entry number in 24 bits).
inline constexpr uint32_t kMaxEntries = 1u << 24;

/// One domain, host or pattern of an entry. Rules are numbered in list order; a lower number wins a tie.
struct RuleRecord {
  uint32_t text;  ///< string: the domain or host, the regex, or the plain pattern's body
  uint32_t info;  ///< entry (low 24 bits) | RuleKind << 24 | kPlain* flags (plain_pattern.h) << 26
  uint32_t entry() const { return info & (kMaxEntries - 1); }
  uint8_t kind() const { return static_cast<uint8_t>((info >> 24) & 3); }
  uint8_t plain_flags() const { return static_cast<uint8_t>((info >> 26) & 0xf); }
};
inline RuleRecord make_rule(uint32_t text, uint32_t entry, RuleKind kind, uint8_t plain_flags = 0) {
  return {text, entry | (uint32_t{kind} << 24) | (uint32_t{plain_flags} << 26)};
}

/// One regex rule (regexes are numbered in rule order).
struct RegexRecord {
  uint32_t rule;
  uint32_t gate_first;  ///< atoms that gate an unscoped regex: gate_atoms[gate_first, +gate_count)
  uint16_t gate_count;
  uint8_t flags;  ///< kRegex* bits
  uint8_t reserved;
};
inline constexpr uint8_t kRegexStartAnchored = 1;  ///< searched with RE2::ANCHOR_START (is_start_anchored)
inline constexpr uint8_t kRegexScoped = 2;         ///< in a host or segment bucket
inline constexpr uint8_t kRegexGated = 4;          ///< unscoped, tried when the URL holds one of its atoms
/// (unscoped and not gated: in the ungated set)

/// A bucket of regexes sharing a host key or first path segment: bucket_ids[first, +count), ascending.
struct BucketRecord {
  uint32_t first;
  uint32_t count;
};

/// An entry left out at build time (EntryError).
struct SkippedRecord {
  uint32_t index;
  uint32_t id;      ///< string
  uint32_t reason;  ///< string
};

/// The sections of a compiled list, in this order in the bytes.
enum Section : uint32_t {
  kStrings,         ///< bytes: [varint length][bytes]...; offset 0 is the empty string
  kStringLists,     ///< u32: [count, string...]...; offset 0 is the empty list
  kMetas,           ///< MetaRecord
  kEntries,         ///< EntryRecord
  kEntryRules,      ///< u32[entries + 1]: first rule of each entry (empty with kPartOneRulePerEntry)
  kRules,           ///< RuleRecord
  kPlainBits,       ///< u64 per rule: plain_required_bits of a plain pattern's body (plain_pattern.h), else 0
  kHostTable,       ///< Slot: exact hosts -> group in kPostings
  kDomainTable,     ///< Slot: domains -> group in kPostings
  kScopeHostTable,  ///< Slot: regex host keys -> group of bucket numbers... see Matcher
  kScopeSegTable,   ///< Slot: regex first path segments
  kTokenTable,      ///< Slot: plain-pattern token hashes
  kPostings,        ///< u32 groups: [key string (0 for token groups), count, id...]; one-rule keys: kDirect
  kBuckets,         ///< BucketRecord
  kBucketIds,       ///< u32 regex numbers
  kRegexes,         ///< RegexRecord
  kGateAtoms,       ///< u32 atom numbers
  kUngated,         ///< u32 regex numbers of unscoped regexes without a gate
  kUntokenized,     ///< u32 rule numbers of plain patterns without a complete token
  kAtomStrings,     ///< u32 string per atom (for diagnostics and tests)
  kAtomRegexes,     ///< u32[atoms + 1]: first of each atom's regexes in kAtomRegexIds
  kAtomRegexIds,    ///< u32 regex numbers gated by each atom
  kAcClasses,       ///< u8[256]: byte (any case) -> automaton input class
  kAcNext,          ///< u32[states * classes]: the Aho-Corasick automaton over the atoms, as a DFA
  kAcOutputs,       ///< u32[states + 1]: first of each state's atoms in kAcOutputIds
  kAcOutputIds,     ///< u32 atom numbers recognised on entering each state
  kSkipped,         ///< SkippedRecord
  kSectionCount
};

/// The header at the start of a compiled list's bytes.
struct PartHeader {
  char magic[8];  ///< "MVLIST\0\0"
  uint32_t section_count;
  uint32_t format_version;  ///< the source list's format_version
  int64_t list_version;
  uint32_t published;  ///< string
  uint32_t entry_count;
  uint32_t ac_classes;
  uint32_t ac_states;
  uint32_t flags;    ///< kPart* bits
  uint32_t expires;  ///< string ("" for a list without one)
  uint64_t total_size;
  struct {
    uint32_t offset;
    uint32_t size;
  } sections[kSectionCount];
};

/// Every entry has exactly one rule, rule i of entry i (an imported ABP list): kEntryRules is left out.
inline constexpr uint32_t kPartOneRulePerEntry = 1;

/// Hash of a host-like key (domain, host, regex host key, path segment), computed from the last byte to the
/// first so that every suffix of a host is hashed in one pass (host_suffix_hashes in the matcher).
inline uint32_t key_hash_step(uint32_t h, unsigned char c) {
  return (h ^ c) * 16777619u;
}
inline constexpr uint32_t kKeyHashSeed = 2166136261u;
inline uint32_t key_hash(std::string_view key) {
  uint32_t h = kKeyHashSeed;
  for (size_t i = key.size(); i-- > 0;) h = key_hash_step(h, static_cast<unsigned char>(key[i]));
  return h;
}

}  // namespace compiled

/// A compiled list, read in place. Immutable; shared between threads.
class CompiledList {
 public:
  // The list's own fields (decoded at load).
  int format_version = kSignatureFormatVersion;
  int64_t list_version = 0;
  std::string published;
  std::string expires;              ///< "" when the list has none
  std::vector<EntryError> skipped;  ///< entries rejected when the list was compiled from its JSON

  /// Number of entries.
  size_t size() const { return entries.size(); }
  bool empty() const { return entries.empty(); }
  /// Entry `index` with every field its JSON had (built on demand).
  Tracker tracker(size_t index) const;
  /// Bytes the compiled form occupies.
  size_t byte_size() const { return bytes_.size(); }
  std::string_view bytes() const { return bytes_; }

  /// Reads a compiled list from `size` bytes at `offset` of `store`. Checks the header and that every section
  /// lies inside the bytes with a size its records divide; nullptr with *why otherwise.
  static std::shared_ptr<const CompiledList> load(std::shared_ptr<const ByteStore> store, size_t offset, size_t size,
                                                  std::string* why);

  // ---- Read access for the Matcher (bounds-checked where an index comes from the bytes). ----
  std::string_view str(uint32_t ref) const;
  std::span<const compiled::MetaRecord> metas;
  std::span<const compiled::EntryRecord> entries;
  std::span<const uint32_t> entry_rules;
  std::span<const compiled::RuleRecord> rules;
  std::span<const uint64_t> plain_bits;  ///< one per rule: the bytes a URL holds when the rule's plain pattern matches
  std::span<const compiled::Slot> host_table, domain_table, scope_host_table, scope_seg_table, token_table;
  std::span<const uint32_t> postings;
  std::span<const compiled::BucketRecord> buckets;
  std::span<const uint32_t> bucket_ids;
  std::span<const compiled::RegexRecord> regexes;
  std::span<const uint32_t> gate_atoms, ungated, untokenized, atom_strings, atom_regexes, atom_regex_ids;
  std::span<const uint8_t> ac_classes;
  std::span<const uint32_t> ac_next, ac_outputs, ac_output_ids;
  uint32_t ac_class_count = 0;
  uint32_t ac_state_count = 0;
  uint32_t part_flags = 0;
  std::span<const uint32_t> string_lists;

  /// A table's ids for one key: a group of the postings pool, or the one rule a kDirect slot holds. Empty when
  /// out of bounds.
  struct Group {
    uint32_t key = 0;  ///< key string (0 for token groups); for a kDirect slot, the rule's text
    const uint32_t* data = nullptr;
    uint32_t count = 0;
    uint32_t single = 0;
    /// The ids (valid while this Group lives).
    std::span<const uint32_t> ids() const {
      return data ? std::span<const uint32_t>(data, count) : std::span<const uint32_t>(&single, count);
    }
  };
  /// The group a slot's pos designates.
  Group group(uint32_t pos) const;
  /// Looks a key up in a string-keyed table (hosts, domains, regex scopes) given its key_hash.
  Group find(std::span<const compiled::Slot> table, uint32_t hash, std::string_view key) const;
  /// Looks a token hash up in the token table.
  Group find_token(uint32_t hash) const;

  /// The entry's applies_to bits (kEntryPixel, kEntryLink).
  uint32_t entry_flags(uint32_t entry) const { return entry < entries.size() ? entries[entry].meta >> 24 : 0; }
  /// The entry's rules: [first_rule, end_rule).
  uint32_t first_rule(size_t entry) const;
  uint32_t end_rule(size_t entry) const;
  /// The entry's id as a string.
  std::string entry_id(uint32_t entry) const;

 private:
  std::shared_ptr<const ByteStore> store_;
  std::string_view bytes_;
  std::string_view strings_;
};

/// How out of date a compiled list is (signature_list.h).
inline ListFreshness list_freshness(const CompiledList& list, int64_t today_days) {
  return list_freshness(list.list_version, list.published, list.expires, today_days);
}

/// Compiles a parsed list: every entry (skipped ones recorded), its indexes and its regex gates. Pure; the
/// result lives in memory. Throws nothing; a pattern RE2 cannot parse is kept and left out by the Matcher.
std::shared_ptr<const CompiledList> compile_list(const SignatureList& list);

/// The identity of the running build (the executable's GNU build ID, else the version and build time): a cache
/// written by another build is not read.
std::string_view this_build_id();

/// Fast 64-bit checksum (not cryptographic): the cache file's integrity check.
uint64_t checksum64(std::string_view data);

}  // namespace mailveil
