/// The per-e-mail privacy score, 0-100 with a letter grade (docs/scoring.md §6).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "codes.h"

namespace mailveil {

/// One letter of the grade scale: a score gets the first band (in table order) whose `min` it reaches.
struct GradeBand {
  std::string_view grade;
  int min;  ///< lowest score of the band; the band ends one below the previous band's min (100 for the first)
};

/// The grade scale, the one place its thresholds are written: best band first, `min` strictly decreasing, the
/// last band's min 0 so that every score 0-100 has a letter. Used by grade_for(), the audit report's legend and
/// histogram, the evidence pack, and sent to the extension in `hello` (`result.grades`), which draws its legend
/// from it and never computes a grade itself.
inline constexpr std::array<GradeBand, 6> kGradeBands = {{
    {"A", 90},
    {"B", 75},
    {"C", 55},
    {"D", 35},
    {"E", 15},
    {"F", 0},
}};

/// Highest score of band `i` of kGradeBands.
constexpr int grade_band_max(size_t i) {
  return i == 0 ? 100 : kGradeBands[i - 1].min - 1;
}

/// Inputs to the score: counts derived from the element verdicts.
struct ScoreInputs {
  size_t third_party_leak_companies = 0;  ///< distinct third-party companies receiving an address (open or click)
  bool first_party_leak = false;          ///< an element fetched on open sends an address to the sender's own servers
  size_t tracker_pixels = 0;              ///< blocked tracking pixels
  size_t third_party_companies = 0;       ///< distinct third-party companies among trackers and leaks
  size_t tracked_links = 0;
};

/// One sentence saying why a mail has its grade (docs/scoring.md §7). `code` is stable and `count` is the
/// number the sentence uses (companies, or 0), so that the extension can localise it; `text` is English.
struct ScoreReason {
  ReasonCode code = ReasonCode::kNoTracking;
  size_t count = 0;
  std::vector<std::string> companies;  ///< the companies the sentence counts, by the name people know (brand)
  std::string text;
};

/// The score and how it was reached: value = max(0, 100 - leaks - pixels - companies - links).
struct Score {
  int value = 100;
  std::string grade = "A";
  int leaks = 0;  ///< deductions per component
  int pixels = 0;
  int companies = 0;
  int links = 0;
  ScoreReason reason;  ///< filled by the classifier once the whole message is judged
};

/// Computes the score; deterministic and monotonic in every input.
Score compute_score(const ScoreInputs& in);

/// Letter for a score value (values outside 0-100 are clamped).
std::string grade_for(int value);

}  // namespace mailveil
