#include "score.h"

#include <catch2/catch.hpp>

using namespace mailveil;

TEST_CASE("a mail without trackers scores 100, grade A", "[score]") {
  Score s = compute_score({});
  CHECK(s.value == 100);
  CHECK(s.grade == "A");
}

TEST_CASE("documented examples of docs/scoring.md hold", "[score]") {
  // One ESP pixel and four tracked links, one company: 100 - 25 - 8 - 12 = 55 (C).
  ScoreInputs newsletter;
  newsletter.tracker_pixels = 1;
  newsletter.third_party_companies = 1;
  newsletter.tracked_links = 4;
  Score s = compute_score(newsletter);
  CHECK(s.value == 55);
  CHECK(s.grade == "C");
  CHECK(s.pixels == 25);
  CHECK(s.companies == 8);
  CHECK(s.links == 12);

  // Bouygues-style: leak to one third party, two pixels, two companies, many links -> 0 (F).
  ScoreInputs bouygues;
  bouygues.third_party_leak_companies = 1;
  bouygues.tracker_pixels = 2;
  bouygues.third_party_companies = 2;
  bouygues.tracked_links = 6;
  s = compute_score(bouygues);
  CHECK(s.leaks == 50);
  CHECK(s.pixels == 30);
  CHECK(s.companies == 16);
  CHECK(s.links == 12);
  CHECK(s.value == 0);
  CHECK(s.grade == "F");
}

TEST_CASE("each component is capped and leaks weigh most", "[score]") {
  ScoreInputs many;
  many.third_party_leak_companies = 10;
  many.first_party_leak = true;
  many.tracker_pixels = 100;
  many.third_party_companies = 50;
  many.tracked_links = 1000;
  Score s = compute_score(many);
  CHECK(s.leaks == 65);
  CHECK(s.pixels == 40);
  CHECK(s.companies == 24);
  CHECK(s.links == 12);
  CHECK(s.value == 0);

  ScoreInputs leak_only;
  leak_only.third_party_leak_companies = 1;
  ScoreInputs pixel_only;
  pixel_only.tracker_pixels = 1;
  ScoreInputs first_party;
  first_party.first_party_leak = true;
  CHECK(compute_score(leak_only).value < compute_score(pixel_only).value);
  CHECK(compute_score(first_party).value == 90);
}

TEST_CASE("score is monotonic: more tracking never scores higher", "[score]") {
  for (size_t pixels = 0; pixels < 12; ++pixels) {
    for (size_t links = 0; links < 8; ++links) {
      ScoreInputs a;
      a.tracker_pixels = pixels;
      a.tracked_links = links;
      ScoreInputs b = a;
      b.tracker_pixels += 1;
      CHECK(compute_score(b).value <= compute_score(a).value);
      b = a;
      b.tracked_links += 1;
      CHECK(compute_score(b).value <= compute_score(a).value);
    }
  }
  CHECK(grade_for(90) == "A");
  CHECK(grade_for(89) == "B");
  CHECK(grade_for(75) == "B");
  CHECK(grade_for(74) == "C");
  CHECK(grade_for(55) == "C");
  CHECK(grade_for(54) == "D");
  CHECK(grade_for(35) == "D");
  CHECK(grade_for(34) == "E");
  CHECK(grade_for(15) == "E");
  CHECK(grade_for(14) == "F");
}
