/// Measures the classifier against the labelled evaluation set (tests/data/eval): per-URL precision and recall
/// for tracking pixels and tracked links, leak detection, destination recovery and per-e-mail grade agreement.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "classifier.h"

namespace mailveil {

/// Pixel targets the `eval` command enforces (issue #5): recall at least kEvalMinPixelRecall at precision at
/// least kEvalMinPixelPrecision.
inline constexpr double kEvalMinPixelRecall = 0.95;
inline constexpr double kEvalMinPixelPrecision = 0.98;

/// An expected leak: the labelled URL carries the reader's address in this encoding, to this company.
struct LabelledLeak {
  std::string url;
  std::string encoding;
  std::string company;
};

/// Ground truth for one mail of the set (tests/data/eval/README.md).
struct LabelledMail {
  std::string file;
  std::string type;  ///< "tracker", "heuristic", "clean", "tricky"
  std::string recipient;
  std::string expected_grade;
  int expected_score = -1;
  std::vector<std::string> pixels;         ///< fetched URLs that must be blocked
  std::vector<std::string> tracked_links;  ///< links that go through a click tracker
  std::vector<LabelledLeak> leaks;
  std::map<std::string, std::string> destinations;  ///< tracked link -> decoded destination
};

/// Parses labels.json. nullopt with *err when it is not the expected shape.
std::optional<std::vector<LabelledMail>> parse_eval_labels(const std::string& json_text, std::string* err);

/// Binary counts for one question ("is this URL a tracking pixel?").
struct Confusion {
  size_t tp = 0;
  size_t fp = 0;
  size_t fn = 0;
  size_t tn = 0;
  /// tp / (tp + fp); 1 when nothing was predicted positive.
  double precision() const;
  /// tp / (tp + fn); 1 when there is no positive.
  double recall() const;
};

/// One disagreement with the labels, for the printout.
struct EvalCase {
  std::string file;
  std::string url;     ///< as labelled or as found in the mail (unmasked: the set is synthetic)
  std::string detail;  ///< verdict, reasons, expected vs got
};

/// Everything the evaluation measured.
struct EvalResult {
  size_t mails = 0;
  size_t unreadable = 0;  ///< labelled mails whose file could not be read
  Confusion pixels;       ///< per distinct fetched URL of each mail
  Confusion links;        ///< per distinct link URL of each mail: tracked or not
  Confusion leaks;        ///< per (URL, encoding): tn unused
  size_t leak_company_mismatches = 0;
  size_t destinations = 0;     ///< labelled destinations
  size_t destinations_ok = 0;  ///< rewritten to exactly the labelled destination
  size_t grades_agree = 0;
  size_t scores_agree = 0;
  /// Per mail type: {mails, grades agreeing}.
  std::map<std::string, std::pair<size_t, size_t>> grades_by_type;
  std::vector<EvalCase> pixel_false_positives, pixel_misses;
  std::vector<EvalCase> link_false_positives, link_misses;
  std::vector<EvalCase> leak_misses, leak_false_positives;
  std::vector<EvalCase> destination_errors;
  std::vector<EvalCase> grade_mismatches;
  std::vector<EvalCase> label_errors;  ///< missing mail files, labelled URLs absent from their mail

  /// True when the pixel targets are met and every labelled mail was read.
  bool meets_targets() const;
};

/// Classifies every labelled mail of `data_dir` (the reader's address is the label's `recipient`) and compares.
EvalResult evaluate(const Engine& engine, const std::vector<LabelledMail>& labels, const std::string& data_dir);

/// Human-readable summary: the metric table, then every disagreement.
void print_eval(const EvalResult& result, std::ostream& out);

/// `mailveil-host eval [--data DIR] [--signatures FILE]`: prints the evaluation; exit 0 when the pixel targets
/// are met, 1 when not, 2 on usage or data errors. The list defaults to the bundled one (not an installed
/// update) so that the figures only depend on the source tree.
int run_eval_command(const std::vector<std::string>& args);

}  // namespace mailveil
