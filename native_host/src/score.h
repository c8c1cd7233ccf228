/// The per-e-mail privacy score, 0-100 with a letter grade (docs/scoring.md).
#pragma once

#include <string>

namespace mailveil {

/// Inputs to the score: counts derived from the element verdicts.
struct ScoreInputs {
  size_t third_party_leak_companies = 0;  ///< distinct third-party companies receiving an address
  bool first_party_leak = false;          ///< the sender's own domain receives an address
  size_t tracker_pixels = 0;              ///< blocked tracking pixels
  size_t third_party_companies = 0;       ///< distinct third-party companies among trackers and leaks
  size_t tracked_links = 0;
};

/// The score and how it was reached.
struct Score {
  int value = 100;
  std::string grade = "A";
  int leaks = 0;  ///< deductions per component
  int pixels = 0;
  int companies = 0;
  int links = 0;
};

/// Computes the score; deterministic and monotonic in every input.
Score compute_score(const ScoreInputs& in);

/// Letter for a score value.
std::string grade_for(int value);

}  // namespace mailveil
