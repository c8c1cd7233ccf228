#include "score.h"

#include <algorithm>

namespace mailveil {
namespace {

int capped(size_t count, int first, int each_more, int cap) {
  if (count == 0) return 0;
  int64_t v = first + static_cast<int64_t>(count - 1) * each_more;
  return static_cast<int>(std::min<int64_t>(v, cap));
}

}  // namespace

std::string grade_for(int value) {
  if (value >= 90) return "A";
  if (value >= 75) return "B";
  if (value >= 55) return "C";
  if (value >= 35) return "D";
  if (value >= 15) return "E";
  return "F";
}

Score compute_score(const ScoreInputs& in) {
  Score s;
  s.leaks = std::min(65, capped(in.third_party_leak_companies, 50, 15, 65) + (in.first_party_leak ? 10 : 0));
  s.pixels = capped(in.tracker_pixels, 25, 5, 40);
  s.companies = capped(in.third_party_companies, 8, 8, 24);
  s.links = capped(in.tracked_links, 3, 3, 12);
  s.value = std::max(0, 100 - s.leaks - s.pixels - s.companies - s.links);
  s.grade = grade_for(s.value);
  return s;
}

}  // namespace mailveil
