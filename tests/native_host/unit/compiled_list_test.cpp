// The compiled form of a list (native_host/src/compiled_list.h): every field survives, a damaged one is refused,
// and the matcher over it gives the same answers as trying every rule of the list in order.
#include "compiled_list.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "abp_import.h"
#include "atomic_file.h"
#include "matcher.h"
#include "plain_pattern.h"
#include "test_support.h"
#include "url.h"

using namespace mailveil;

namespace {

Tracker full_tracker() {
  Tracker t;
  t.id = "everything";
  t.name = "Every Field";
  t.company = "Fields Inc.";
  t.brand = "Fields (Every)";  // not the default brand: stored as it is
  t.category = "marketing-automation";
  t.domains = {"a.example", "b.example"};
  t.hosts = {"exact.c.example"};
  t.patterns = {"^https?://[^/?#]+/ls/click\\?upn=", "(?i)^[a-z][a-z0-9+.-]*://(?:[^/?#]*\\.)?d\\.example\\/p\\/",
                "(?i)\\/Pixel\\.gif(?:[^A-Za-z0-9_.%-]|$)"};
  t.applies_to_pixel = false;
  t.applies_to_link = true;
  t.redirect_params = {"url", "u"};
  t.check_google_analytics = true;
  return t;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The list's rules tried one by one in list order, as the matcher promises to behave: exact hosts, then
/// domains from the longest suffix, then the first pattern (in list order) that matches, all among entries that
/// apply. Patterns run in RE2 sets of a few hundred (one set of thousands would thrash its DFA).
class Reference {
 public:
  explicit Reference(const SignatureList& list) : list_(list) {
    for (size_t i = 0; i < list.trackers.size(); ++i) {
      for (const auto& h : list.trackers[i].hosts) hosts_[h].push_back(i);
      for (const auto& d : list.trackers[i].domains) domains_[d].push_back(i);
      for (const auto& p : list.trackers[i].patterns) {
        if (sets_.empty() || sets_.back().members.size() == 400) sets_.emplace_back();
        std::string error;
        REQUIRE(sets_.back().set.Add(p, &error) >= 0);
        sets_.back().members.push_back(i);
      }
    }
    for (auto& s : sets_) REQUIRE(s.set.Compile());
  }

  std::string match(const Url& url, std::string_view normalized, bool for_link) const {
    auto applies = [&](size_t i) {
      return for_link ? list_.trackers[i].applies_to_link : list_.trackers[i].applies_to_pixel;
    };
    auto first = [&](const std::map<std::string, std::vector<size_t>>& index, const std::string& key) -> std::string {
      auto it = index.find(key);
      if (it == index.end()) return "";
      for (size_t i : it->second) {
        if (applies(i)) return list_.trackers[i].id;
      }
      return "";
    };
    if (auto id = first(hosts_, url.host); !id.empty()) return id;
    for (std::string_view s = url.host;;) {
      if (auto id = first(domains_, std::string(s)); !id.empty()) return id;
      const size_t dot = s.find('.');
      if (dot == std::string_view::npos) break;
      s.remove_prefix(dot + 1);
    }
    for (const auto& s : sets_) {
      std::vector<int> hits;
      if (!s.set.Match(normalized, &hits)) continue;
      std::sort(hits.begin(), hits.end());
      for (int h : hits) {
        if (applies(s.members[static_cast<size_t>(h)])) return list_.trackers[s.members[static_cast<size_t>(h)]].id;
      }
    }
    return "";
  }

 private:
  struct Chunk {
    Chunk() : set(test::matcher_re2_options(), RE2::UNANCHORED) {}
    RE2::Set set;
    std::vector<size_t> members;
  };
  const SignatureList& list_;
  std::map<std::string, std::vector<size_t>> hosts_;
  std::map<std::string, std::vector<size_t>> domains_;
  std::vector<Chunk> sets_;
};

std::vector<std::string> top500_urls(size_t limit) {
  std::ifstream in(std::string(MAILVEIL_SOURCE_DIR) + "/../shared/bench/top500-sitelist-requests.json");
  std::vector<std::string> urls;
  if (!in) return urls;
  for (const auto& r : nlohmann::json::parse(in)) {
    if (urls.size() >= limit) break;
    urls.push_back(r.at("url").get<std::string>());
  }
  return urls;
}

size_t agreement_limit() {
#if defined(__SANITIZE_ADDRESS__)
  return 4000;  // the sanitizer build runs the same check on a fifth of the requests
#else
  return 1'000'000;
#endif
}

}  // namespace

TEST_CASE("a compiled list keeps every field of every entry and of the list", "[compiled]") {
  SignatureList list;
  list.list_version = 2026113001;
  list.published = "2026-11-30";
  list.trackers.push_back(full_tracker());
  Tracker numbered;
  numbered.id = "user-12345";  // stored as a number after a shared prefix
  numbered.name = "t.example";
  numbered.company = "t.example";
  numbered.category = "analytics";
  numbered.domains = {"t.example"};
  list.trackers.push_back(numbered);
  // `numbered` has no brand (a list built in code); these two have the default one, which is not stored.
  Tracker zero = numbered;
  zero.id = "user-007";  // a leading zero does not spell back from a number
  zero.brand = default_brand(zero.name, zero.company);
  list.trackers.push_back(zero);
  Tracker branded = numbered;
  branded.id = "branded";
  branded.name = "Open pixel";
  branded.brand = default_brand(branded.name, branded.company);
  list.trackers.push_back(branded);
  list.skipped.push_back({3, "bad id", "id must match [a-z0-9-]{1,64}"});

  list.expires = "2027-02-28";

  auto compiled = compile_list(list);
  CHECK(compiled->list_version == list.list_version);
  CHECK(compiled->published == list.published);
  // The expiry date too, so a list served from its cache is flagged like the JSON (issue 12, finding 6).
  CHECK(compiled->expires == list.expires);
  int64_t past_due = 0;
  REQUIRE(parse_iso_date("2027-03-10", &past_due));
  const ListFreshness from_cache = list_freshness(*compiled, past_due);
  CHECK(from_cache.expires == "2027-02-28");
  CHECK(from_cache.expired);
  CHECK(from_cache.days_past_due == 10);
  CHECK(from_cache.note == list_freshness(list, past_due).note);
  SignatureList undated = list;
  undated.expires.clear();
  CHECK(compile_list(undated)->expires.empty());
  CHECK(list_freshness(*compile_list(undated), past_due).expires == "2027-02-28");  // published + 90 days
  CHECK(compiled->format_version == list.format_version);
  REQUIRE(compiled->skipped.size() == 1);
  CHECK(compiled->skipped[0].index == 3);
  CHECK(compiled->skipped[0].id == "bad id");
  CHECK(compiled->skipped[0].reason == list.skipped[0].reason);
  REQUIRE(compiled->size() == list.trackers.size());
  for (size_t i = 0; i < list.trackers.size(); ++i) {
    const Tracker got = compiled->tracker(i);
    const Tracker& want = list.trackers[i];
    INFO(want.id);
    CHECK(got.id == want.id);
    CHECK(got.name == want.name);
    CHECK(got.company == want.company);
    CHECK(got.brand == want.brand);
    CHECK(got.category == want.category);
    CHECK(got.domains == want.domains);
    CHECK(got.hosts == want.hosts);
    CHECK(got.patterns == want.patterns);
    CHECK(got.applies_to_pixel == want.applies_to_pixel);
    CHECK(got.applies_to_link == want.applies_to_link);
    CHECK(got.redirect_params == want.redirect_params);
    CHECK(got.check_google_analytics == want.check_google_analytics);
  }
}

TEST_CASE("the shipped list survives compiling entry for entry", "[compiled]") {
  std::string err;
  auto list = load_signature_list(std::string(MAILVEIL_SOURCE_DIR) + "/signatures/trackers.json", &err);
  REQUIRE(list);
  auto compiled = compile_list(*list);
  REQUIRE(compiled->size() == list->trackers.size());
  for (size_t i = 0; i < list->trackers.size(); ++i) {
    const Tracker got = compiled->tracker(i);
    const Tracker& want = list->trackers[i];
    INFO(want.id);
    CHECK(got.id == want.id);
    CHECK(got.brand == want.brand);
    CHECK(got.patterns == want.patterns);
    CHECK(got.domains == want.domains);
    CHECK(got.redirect_params == want.redirect_params);
  }
  Matcher m(compiled);
  CHECK(m.layout().plain == 0);    // its patterns are true regexes
  CHECK(m.layout().ungated <= 4);  // almost every unscoped regex has a literal to wait for
}

TEST_CASE("an unscoped regex is gated by one atom of each minimal set its prefilter needs", "[compiled]") {
  // Atoms all required (an AND), alternatives (an OR), and both: the gate holds the longest atom of each minimal
  // set of atoms that lets the regex match, so that a URL it matches always holds one of them.
  std::string err;
  auto list = parse_signature_list(R"({"format_version": 1, "list_version": 1, "trackers": [
      {"id": "and", "name": "and", "company": "t", "category": "spam-tracker",
       "patterns": ["alpha[0-9]+bravo[0-9]+charlie"]},
      {"id": "or", "name": "or", "company": "t", "category": "spam-tracker",
       "patterns": ["(?:golf|hotel|india)x[0-9]"]},
      {"id": "both", "name": "both", "company": "t", "category": "spam-tracker",
       "patterns": ["track(?:er|ing)[0-9]+pixel[0-9]+open"]},
      {"id": "many", "name": "many", "company": "t", "category": "spam-tracker",
       "patterns": ["kilo1.lima2.mike3.nova4.oscar5.papa6.quebec7.romeo8.sierra9.tango0.unif1.vict2"]}]})",
                                   &err);
  REQUIRE(list);
  auto compiled = compile_list(*list);
  REQUIRE(compiled->regexes.size() == 4);
  auto gate = [&](size_t k) {
    const compiled::RegexRecord& r = compiled->regexes[k];
    std::set<std::string> out;
    for (uint32_t i = 0; i < r.gate_count; ++i) {
      out.emplace(compiled->str(compiled->atom_strings[compiled->gate_atoms[r.gate_first + i]]));
    }
    return out;
  };
  CHECK(gate(0) == std::set<std::string>{"charlie"});
  CHECK(gate(1) == std::set<std::string>{"golfx", "hotelx", "indiax"});
  CHECK(gate(2) == std::set<std::string>{"tracker", "tracking"});
  CHECK(gate(3).size() == 1);  // twelve atoms, all required: one minimal set
}

TEST_CASE("a damaged compiled list is refused, never read out of bounds", "[compiled]") {
  auto compiled = compile_list(*test::fixture_list());
  const std::string bytes(compiled->bytes());
  std::string why;
  auto whole = make_byte_store(bytes);
  CHECK(CompiledList::load(whole, 0, bytes.size(), &why));
  CHECK_FALSE(CompiledList::load(whole, 0, bytes.size() - 8, &why));  // truncated
  for (size_t at : {size_t{0}, size_t{8}, size_t{28}, size_t{40}, size_t{48},
                    size_t{88}}) {  // magic, counts, flags, size, sections
    std::string broken = bytes;
    broken[at] = static_cast<char>(broken[at] ^ 0x5a);
    INFO("byte " << at);
    CHECK_FALSE(CompiledList::load(make_byte_store(broken), 0, broken.size(), &why));
  }
  CHECK_FALSE(CompiledList::load(whole, 8, 16, &why));  // out of the store

  // An automaton transition whose "ends atoms" flag disagrees with its target's outputs: the matcher would skip
  // a gate atom, so the list is refused (and the host compiles it again from its JSON).
  REQUIRE(compiled->ac_state_count > 0);
  size_t flagged = 0;
  for (uint32_t t : compiled->ac_next) flagged += (t & compiled::kAcHasOutput) != 0;
  CHECK(flagged > 0);
  CHECK(flagged < compiled->ac_next.size());
  const size_t at =
      static_cast<size_t>(reinterpret_cast<const char*>(compiled->ac_next.data()) - compiled->bytes().data());
  for (size_t entry : {size_t{0}, compiled->ac_next.size() / 2, compiled->ac_next.size() - 1}) {
    std::string broken = bytes;
    broken[at + entry * 4 + 3] = static_cast<char>(broken[at + entry * 4 + 3] ^ 0x80);  // little-endian: the top bit
    INFO("transition " << entry);
    CHECK_FALSE(CompiledList::load(make_byte_store(broken), 0, broken.size(), &why));
  }
  // A target that is not the start of a row (state × class count), or past the last row: refused.
  for (uint32_t offset : {uint32_t{1}, compiled->ac_state_count * compiled->ac_class_count}) {
    std::string broken = bytes;
    uint32_t t = 0;
    std::memcpy(&t, broken.data() + at, 4);
    t = (t & compiled::kAcHasOutput) | ((t & compiled::kAcStateMask) + offset);
    std::memcpy(broken.data() + at, &t, 4);
    INFO("target moved by " << offset);
    CHECK_FALSE(CompiledList::load(make_byte_store(broken), 0, broken.size(), &why));
  }
  // A section of plain-pattern bytes one rule short: refused (the matcher reads one per rule).
  {
    std::string broken = bytes;
    compiled::PartHeader h{};
    const size_t field = offsetof(compiled::PartHeader, sections) + compiled::kPlainBits * sizeof h.sections[0] +
                         sizeof(uint32_t);  // a section is {offset, size}
    uint32_t size = 0;
    std::memcpy(&size, broken.data() + field, 4);
    REQUIRE(size == compiled->rules.size() * sizeof(uint64_t));
    size -= sizeof(uint64_t);
    std::memcpy(broken.data() + field, &size, 4);
    CHECK_FALSE(CompiledList::load(make_byte_store(broken), 0, broken.size(), &why));
  }
}

TEST_CASE("each plain rule carries the bytes a URL it matches holds, and a URL without one is not searched",
          "[compiled]") {
  // Filters of EasyPrivacy's shapes: two without a complete token (tried on every URL), one indexed by a token,
  // one a domain.
  AbpImport imp = import_abp_list("%2Fevent.gif%3F\n%2Frw%2Fbeacon_\n/pixel.gif?\n||stats.example^\n", {});
  REQUIRE(imp.trackers.size() == 4);
  auto compiled = compile_list(*imported_list(imp.trackers));
  CHECK(compiled->untokenized.size() == 2);
  REQUIRE(compiled->plain_bits.size() == compiled->rules.size());
  size_t plain = 0;
  for (size_t r = 0; r < compiled->rules.size(); ++r) {
    const auto& rule = compiled->rules[r];
    const bool is_plain = rule.kind() == compiled::kRulePlain;
    plain += is_plain;
    CHECK(compiled->plain_bits[r] == (is_plain ? plain_required_bits(compiled->str(rule.text)) : 0));
  }
  CHECK(plain == 3);  // "||stats.example^" is a domain rule
  Matcher m(compiled);
  auto blocked = [&](const char* text) {
    auto url = parse_url(text);
    REQUIRE(url);
    return static_cast<bool>(m.match(*url, url->without_fragment(), false));
  };
  CHECK(blocked("https://r.example.net/c?u=https%3A%2F%2Ft.example%2Fevent.gif%3Fid%3D7"));
  CHECK(blocked("https://r.example.net/c?u=https%3A%2F%2Ft.example%2Frw%2Fbeacon_1"));
  CHECK(blocked("https://cdn.example.org/a/pixel.gif?u=1"));
  CHECK(blocked("https://stats.example/x"));
  CHECK_FALSE(blocked("https://news.example.com/img/event.gif?id=7"));
  CHECK_FALSE(blocked("https://cdn.example.org/a/pixel.gif"));
  CHECK_FALSE(blocked("https://stats.example.org/x"));
}

TEST_CASE("the gate automaton's table: targets are row offsets, and walking an atom ends in a state that outputs it",
          "[compiled]") {
  for (const auto& list : {test::fixture_list(), test::shipped_list()}) {
    auto compiled = compile_list(*list);
    REQUIRE(compiled->ac_state_count > 0);
    const uint32_t k = compiled->ac_class_count;
    for (uint32_t t : compiled->ac_next) {
      const uint32_t offset = t & compiled::kAcStateMask;
      REQUIRE(offset % k == 0);
      REQUIRE(offset / k < compiled->ac_state_count);
    }
    for (uint32_t atom = 0; atom < compiled->atom_strings.size(); ++atom) {
      const std::string_view text = compiled->str(compiled->atom_strings[atom]);
      uint32_t at = 0;  // the row of the state reached, as the matcher walks (upper case reads as lower case)
      bool flagged = false;
      for (char c : text) {
        const char upper = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
        const uint32_t t = compiled->ac_next[at + compiled->ac_classes[static_cast<unsigned char>(upper)]];
        at = t & compiled::kAcStateMask;
        flagged = (t & compiled::kAcHasOutput) != 0;
      }
      INFO("atom " << text);
      CHECK(flagged);
      const uint32_t state = at / k;
      const auto ids = compiled->ac_output_ids.subspan(compiled->ac_outputs[state],
                                                       compiled->ac_outputs[state + 1] - compiled->ac_outputs[state]);
      CHECK(std::find(ids.begin(), ids.end(), atom) != ids.end());
    }
  }
}

TEST_CASE("the token index files a filter under a longer token before a one- or two-letter one", "[compiled]") {
  // "v" and "id" are in a great many URLs: a filter under them is tried for each. "tracker" is shared by three
  // filters, but a URL holds it rarely.
  AbpImport imp = import_abp_list("/v/tracker.gif\n/id/tracker/x\n/tracker/a1b\n/tracker/c2d\n/v/id.php\n", {});
  REQUIRE(imp.trackers.size() == 5);
  auto compiled = compile_list(*imported_list(imp.trackers));
  CHECK(compiled->find_token(token_hash("tracker")).count == 4);
  // A filter whose tokens are all short goes under one of them.
  CHECK(compiled->find_token(token_hash("v")).count + compiled->find_token(token_hash("id")).count == 1);
  CHECK(compiled->untokenized.empty());
}

TEST_CASE("imported EasyPrivacy: the token index agrees with trying every filter in order", "[compiled][easyprivacy]") {
  const char* env = std::getenv("MAILVEIL_EASYPRIVACY");
  const std::string path = env ? env : "/work/shared/bench/easyprivacy.txt";
  const auto urls = top500_urls(agreement_limit());
  if (!file_exists(path) || urls.empty()) {
    WARN("EasyPrivacy or the top-500 requests not found; agreement not checked");
    return;
  }
  AbpImport imp = import_abp_list(read(path), {});
  auto list = imported_list(imp.trackers);
  auto compiled = compile_list(*list);
  Matcher matcher(compiled);
  CHECK(matcher.layout().plain > 7000);  // every non-regex filter is matched without RE2
  CHECK(matcher.layout().untokenized < 20);
  CHECK(matcher.layout().anywhere == 0);
  Reference reference(*list);
  size_t matched = 0;
  for (const auto& s : urls) {
    auto u = parse_url(s);
    if (!u) continue;
    const std::string normalized = u->without_fragment();
    for (bool for_link : {false, true}) {
      INFO(normalized << (for_link ? " (link)" : " (pixel)"));
      auto hit = matcher.match(*u, normalized, for_link);
      const std::string expected = reference.match(*u, normalized, for_link);
      REQUIRE((hit ? hit.tracker->id : std::string()) == expected);
      if (hit) ++matched;
    }
  }
  CHECK(matched > urls.size() / 20);
}
