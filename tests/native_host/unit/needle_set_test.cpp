#include "needle_set.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <stdexcept>
#include <tuple>

using namespace mailveil;

namespace {

using Match = std::tuple<uint32_t, size_t, size_t>;  // tag, begin, end

std::vector<Match> matches_of(const NeedleSet& set, std::string_view text) {
  std::vector<Match> out;
  set.for_each_match(text, [&](uint32_t tag, size_t begin, size_t end) { out.emplace_back(tag, begin, end); });
  return out;
}

char fold(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// The reference: every needle compared at every position.
std::vector<Match> naive(const std::vector<std::string>& needles, std::string_view text, bool ci) {
  std::vector<Match> out;
  for (size_t end = 1; end <= text.size(); ++end) {
    for (uint32_t tag = 0; tag < needles.size(); ++tag) {
      const std::string& n = needles[tag];
      if (n.empty() || n.size() > end) continue;
      const size_t begin = end - n.size();
      bool same = true;
      for (size_t k = 0; k < n.size() && same; ++k) {
        same = ci ? fold(text[begin + k]) == fold(n[k]) : text[begin + k] == n[k];
      }
      if (same) out.emplace_back(tag, begin, end);
    }
  }
  return out;
}

/// `count` strings of `min_length` to `max_length` bytes drawn from `alphabet`.
std::vector<std::string> random_strings(std::mt19937& rng, const std::string& alphabet, size_t count, size_t min_length,
                                        size_t max_length) {
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<size_t> length(min_length, max_length);
  std::vector<std::string> out(count);
  for (auto& s : out) {
    s.resize(length(rng));
    for (char& c : s) c = alphabet[pick(rng)];
  }
  return out;
}

}  // namespace

TEST_CASE("NeedleSet reports every occurrence of every needle, overlapping ones included", "[needle_set]") {
  NeedleSet set;
  const std::vector<std::string> needles = {"he", "she", "his", "hers", "e"};
  for (uint32_t i = 0; i < needles.size(); ++i) set.add(needles[i], i);
  set.build();
  auto got = matches_of(set, "ushers");
  // In order of end; at one end, longest first.
  CHECK(got == std::vector<Match>{{1, 1, 4}, {0, 2, 4}, {4, 3, 4}, {3, 2, 6}});
  CHECK(matches_of(set, "").empty());
  CHECK(matches_of(set, "xyz").empty());
  CHECK(set.contains_any("this"));
  CHECK_FALSE(set.contains_any("tax"));
}

TEST_CASE("NeedleSet: one needle under several tags reports each; case folding is ASCII only", "[needle_set]") {
  NeedleSet folded(true);
  folded.add("Jane@Example.org", 7);
  folded.add("jane@example.org", 9);
  folded.add("\xc3\x89t\xc3\xa9", 3);  // "Été": bytes over 0x7f are compared as they are
  folded.build();
  auto got = matches_of(folded, "x JANE@EXAMPLE.ORG y");
  REQUIRE(got.size() == 2);
  CHECK(std::get<1>(got[0]) == 2);
  CHECK(std::get<2>(got[0]) == 18);
  std::vector<uint32_t> tags = {std::get<0>(got[0]), std::get<0>(got[1])};
  std::sort(tags.begin(), tags.end());
  CHECK(tags == std::vector<uint32_t>{7, 9});
  CHECK(matches_of(folded, "\xc3\x89t\xc3\xa9").size() == 1);
  CHECK(matches_of(folded, "\xc3\xa9t\xc3\xa9").empty());

  NeedleSet exact(false);
  exact.add("aGVsbG8", 1);
  exact.build();
  CHECK(matches_of(exact, "xxaGVsbG8").size() == 1);
  CHECK(matches_of(exact, "xxAGVSBG8").empty());
}

TEST_CASE("NeedleSet agrees with a naive search on random needles and texts", "[needle_set]") {
  std::mt19937 rng(12345);
  for (bool ci : {false, true}) {
    for (int round = 0; round < 200; ++round) {
      // A small alphabet makes overlaps, shared prefixes and suffix links common.
      const std::string alphabet = round % 2 ? "abAB" : "ab@.Zz\x80";
      const std::vector<std::string> needles = random_strings(rng, alphabet, 1 + rng() % 12, 1, 6);
      const std::string text = random_strings(rng, alphabet, 1, 0, 63)[0];
      NeedleSet set(ci);
      for (uint32_t i = 0; i < needles.size(); ++i) set.add(needles[i], i);
      set.build();
      auto got = matches_of(set, text);
      auto want = naive(needles, text, ci);
      // The same matches; the order within one end may differ between needles of one length.
      std::sort(got.begin(), got.end());
      std::sort(want.begin(), want.end());
      INFO("text: " << text << " case-insensitive: " << ci);
      REQUIRE(got == want);
    }
  }
}

TEST_CASE("NeedleSet refuses needles after build and ignores empty ones", "[needle_set]") {
  NeedleSet set;
  set.add("", 1);
  CHECK(set.empty());
  set.add("a", 2);
  set.build();
  CHECK_THROWS_AS(set.add("b", 3), std::logic_error);
  CHECK(matches_of(set, "aa").size() == 2);
}

TEST_CASE("NeedleSet: the bit-set search and the automaton report the same matches in the same order", "[needle_set]") {
  // Needles of 4 bytes or more take the bit-set search; one shorter needle puts the set on the automaton. Both
  // must report every match by end, the longest first, one text's tags in the order they were added.
  std::mt19937 rng(2024);
  for (bool ci : {false, true}) {
    for (int round = 0; round < 400; ++round) {
      const std::string alphabet = round % 3 == 0 ? "aA" : (round % 3 == 1 ? "abAB" : "ab@.Zz\x80\xff");
      std::vector<std::string> needles = random_strings(rng, alphabet, 1 + rng() % 16, 4, 10);
      if (rng() % 4 == 0) needles.push_back(needles[rng() % needles.size()]);  // one text under two tags
      std::string text = random_strings(rng, alphabet, 1, 0, 95)[0];
      // Plant a few needles so that most rounds have matches.
      for (int k = 0; k < 3 && !text.empty(); ++k) {
        const std::string& n = needles[rng() % needles.size()];
        const size_t at = rng() % text.size();
        text.replace(at, std::min(n.size(), text.size() - at), n.substr(0, text.size() - at));
      }
      auto want = naive(needles, text, ci);
      std::stable_sort(want.begin(), want.end(), [](const Match& a, const Match& b) {
        if (std::get<2>(a) != std::get<2>(b)) return std::get<2>(a) < std::get<2>(b);
        return std::get<2>(a) - std::get<1>(a) > std::get<2>(b) - std::get<1>(b);
      });
      for (bool with_short : {false, true}) {
        NeedleSet set(ci);
        for (uint32_t i = 0; i < needles.size(); ++i) set.add(needles[i], i);
        // A needle that never matches (a byte outside the alphabet) but is short: the automaton.
        if (with_short) set.add("#", static_cast<uint32_t>(needles.size()));
        set.build();
        INFO("text: " << text << " case-insensitive: " << ci << " automaton: " << with_short);
        CHECK(matches_of(set, text) == want);
      }
    }
  }
}

TEST_CASE("NeedleSet: the bit-set search is used only while few needles share their first bytes", "[needle_set]") {
  // A hostile text that repeats a start shared by many needles would make the bit-set search compare each of them
  // at every position: such a set takes the automaton, and finds the same matches.
  NeedleSet few(false);
  NeedleSet many(false);
  std::vector<std::string> needles;
  for (int i = 0; i < 12; ++i) needles.push_back("QUFB" + std::string(static_cast<size_t>(i + 1), 'Q') + "x");
  for (uint32_t i = 0; i < needles.size(); ++i) {
    if (i < 8) few.add(needles[i], i);
    many.add(needles[i], i);
  }
  few.build();
  many.build();
  CHECK(few.searches_by_gram());
  CHECK_FALSE(many.searches_by_gram());
  const std::string text = "QUFB" + std::string(20, 'Q') + "x" + needles[0] + needles[3] + needles[7] + needles[10];
  const std::vector<std::string> first8(needles.begin(), needles.begin() + 8);
  CHECK(matches_of(few, text).size() == 3);
  CHECK(matches_of(few, text) == naive(first8, text, false));
  auto got = matches_of(many, text);
  auto want = naive(needles, text, false);
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  CHECK(got.size() == 4);
  CHECK(got == want);
  NeedleSet short_one(true);
  short_one.add("a@b", 1);
  short_one.build();
  CHECK_FALSE(short_one.searches_by_gram());
}
