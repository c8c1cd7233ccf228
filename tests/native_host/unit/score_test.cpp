#include "score.h"

#include <catch2/catch.hpp>
#include <string>

using namespace mailveil;

TEST_CASE("a mail without trackers scores 100, grade A", "[score]") {
  Score s = compute_score({});
  CHECK(s.value == 100);
  CHECK(s.grade == "A");
}

TEST_CASE("kGradeBands drives grade_for: each band covers min..max, best first, every score has a letter",
          "[score][grades]") {
  REQUIRE(kGradeBands.size() == 6);
  CHECK(kGradeBands.front().grade == "A");
  CHECK(kGradeBands.back().min == 0);
  for (size_t i = 0; i < kGradeBands.size(); ++i) {
    const GradeBand& band = kGradeBands[i];
    CAPTURE(band.grade);
    CHECK(grade_for(band.min) == band.grade);
    CHECK(grade_for(grade_band_max(i)) == band.grade);
    if (i + 1 < kGradeBands.size()) CHECK(grade_for(band.min - 1) == kGradeBands[i + 1].grade);
    if (i > 0) CHECK(grade_band_max(i) == kGradeBands[i - 1].min - 1);
  }
  CHECK(grade_band_max(0) == 100);
  // Every score 0-100 falls in exactly the band the table gives; out-of-range values are clamped.
  for (int v = 0; v <= 100; ++v) {
    size_t hits = 0;
    for (size_t i = 0; i < kGradeBands.size(); ++i) {
      if (v >= kGradeBands[i].min && v <= grade_band_max(i)) {
        ++hits;
        CHECK(grade_for(v) == kGradeBands[i].grade);
      }
    }
    CHECK(hits == 1);
  }
  CHECK(grade_for(-5) == "F");
  CHECK(grade_for(250) == "A");
  // The thresholds as documented in docs/scoring.md §6.
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

  // A plain third-party pixel: 100 - 25 - 8 = 67 (C).
  ScoreInputs plain_pixel;
  plain_pixel.tracker_pixels = 1;
  plain_pixel.third_party_companies = 1;
  CHECK(compute_score(plain_pixel).value == 67);
  CHECK(compute_score(plain_pixel).grade == "C");

  // The same pixel carrying the address: 100 - 60 - 25 - 8 = 7 (F).
  ScoreInputs leaking_pixel = plain_pixel;
  leaking_pixel.third_party_leak_companies = 1;
  s = compute_score(leaking_pixel);
  CHECK(s.leaks == 60);
  CHECK(s.value == 7);
  CHECK(s.grade == "F");

  // Bouygues-style: leaks to two third parties, two pixels, two companies, many links -> 0 (F).
  ScoreInputs bouygues;
  bouygues.third_party_leak_companies = 2;
  bouygues.tracker_pixels = 2;
  bouygues.third_party_companies = 2;
  bouygues.tracked_links = 6;
  s = compute_score(bouygues);
  CHECK(s.leaks == 70);
  CHECK(s.pixels == 30);
  CHECK(s.companies == 16);
  CHECK(s.links == 12);
  CHECK(s.value == 0);
  CHECK(s.grade == "F");

  // A tracked link that sends the address to a third party when clicked: 100 - 60 - 8 - 3 = 29 (E).
  ScoreInputs click_leak;
  click_leak.third_party_leak_companies = 1;
  click_leak.third_party_companies = 1;
  click_leak.tracked_links = 1;
  CHECK(compute_score(click_leak).value == 29);
  CHECK(compute_score(click_leak).grade == "E");

  // The sender's own pixel carrying the address: 100 - 25 - 25 = 50 (D); without the address: 75 (B).
  ScoreInputs sender_pixel;
  sender_pixel.tracker_pixels = 1;
  CHECK(compute_score(sender_pixel).value == 75);
  sender_pixel.first_party_leak = true;
  CHECK(compute_score(sender_pixel).value == 50);
  CHECK(compute_score(sender_pixel).grade == "D");
}

TEST_CASE("a mail that gives the address to a third party is E at best, F when it happens on opening", "[score]") {
  // Whatever else the mail does, the cheapest ways to leak: one untracked link (the company still counts), one
  // tracked link, one pixel (a leaking fetched element is always a blocked pixel of a company).
  for (size_t links = 0; links < 20; ++links) {
    ScoreInputs on_click;
    on_click.third_party_leak_companies = 1;
    on_click.third_party_companies = 1;
    on_click.tracked_links = links;
    CHECK(compute_score(on_click).value <= grade_band_max(4));  // E or F
    ScoreInputs on_open = on_click;
    on_open.tracker_pixels = 1;
    CHECK(compute_score(on_open).grade == "F");
  }
}

TEST_CASE("each component is capped and leaks weigh most", "[score]") {
  ScoreInputs many;
  many.third_party_leak_companies = 10;
  many.first_party_leak = true;
  many.tracker_pixels = 100;
  many.third_party_companies = 50;
  many.tracked_links = 1000;
  Score s = compute_score(many);
  CHECK(s.leaks == 85);
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
  CHECK(compute_score(first_party).value == 75);
  // A leak costs more than the most pixels can.
  CHECK(compute_score(leak_only).leaks > compute_score(many).pixels);
}

TEST_CASE("score is monotonic: more tracking never scores higher", "[score]") {
  for (size_t leaks = 0; leaks < 4; ++leaks) {
    for (size_t pixels = 0; pixels < 12; ++pixels) {
      for (size_t links = 0; links < 8; ++links) {
        for (bool sender : {false, true}) {
          ScoreInputs a;
          a.third_party_leak_companies = leaks;
          a.first_party_leak = sender;
          a.tracker_pixels = pixels;
          a.tracked_links = links;
          a.third_party_companies = leaks;
          ScoreInputs b = a;
          b.tracker_pixels += 1;
          CHECK(compute_score(b).value <= compute_score(a).value);
          b = a;
          b.tracked_links += 1;
          CHECK(compute_score(b).value <= compute_score(a).value);
          b = a;
          b.third_party_leak_companies += 1;
          CHECK(compute_score(b).value <= compute_score(a).value);
          b = a;
          b.third_party_companies += 1;
          CHECK(compute_score(b).value <= compute_score(a).value);
          b = a;
          b.first_party_leak = true;
          CHECK(compute_score(b).value <= compute_score(a).value);
        }
      }
    }
  }
}
