#include "score.h"

#include <algorithm>
#include <cstdint>

namespace mailveil {
namespace {

static_assert(kGradeBands.back().min == 0, "every score needs a band");
static_assert(
    [] {
      for (size_t i = 1; i < kGradeBands.size(); ++i) {
        if (kGradeBands[i].min >= kGradeBands[i - 1].min) return false;
      }
      return kGradeBands.front().min <= 100;
    }(),
    "bands go from best to worst with strictly decreasing minimums");

/// The deductions of docs/scoring.md §6, in points.
constexpr int kLeakFirstCompany = 60;  // the first third-party company that receives the address
constexpr int kLeakEachMore = 10;      // each further one
constexpr int kLeakSenderOnOpen = 25;  // the sender's own servers receive it when the mail is opened
constexpr int kLeakCap = 85;
constexpr int kPixelFirst = 25;
constexpr int kPixelEachMore = 5;
constexpr int kPixelCap = 40;
constexpr int kCompanyEach = 8;
constexpr int kCompanyCap = 24;
constexpr int kLinkEach = 3;
constexpr int kLinkCap = 12;

int capped(size_t count, int first, int each_more, int cap) {
  if (count == 0) return 0;
  int64_t v = first + static_cast<int64_t>(count - 1) * each_more;
  return static_cast<int>(std::min<int64_t>(v, cap));
}

}  // namespace

std::string grade_for(int value) {
  for (const GradeBand& band : kGradeBands) {
    if (value >= band.min) return std::string(band.grade);
  }
  return std::string(kGradeBands.back().grade);
}

Score compute_score(const ScoreInputs& in) {
  Score s;
  s.leaks = std::min(kLeakCap, capped(in.third_party_leak_companies, kLeakFirstCompany, kLeakEachMore, kLeakCap) +
                                   (in.first_party_leak ? kLeakSenderOnOpen : 0));
  s.pixels = capped(in.tracker_pixels, kPixelFirst, kPixelEachMore, kPixelCap);
  s.companies = capped(in.third_party_companies, kCompanyEach, kCompanyEach, kCompanyCap);
  s.links = capped(in.tracked_links, kLinkEach, kLinkEach, kLinkCap);
  s.value = std::max(0, 100 - s.leaks - s.pixels - s.companies - s.links);
  s.grade = grade_for(s.value);
  return s;
}

}  // namespace mailveil
