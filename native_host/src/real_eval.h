/// Scoring the host on hand-labelled real mail, in the TSV format of `../shared/eval/score.py`
/// (`file<TAB>url-prefix<TAB>tracker|clean<TAB>img|link`, and leaks `file<TAB>address<TAB>encoding<TAB>substring`),
/// so that `mailveil-host eval --labels` gives the same figures as the shared scorer (docs/evaluation.md).
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "classifier.h"

namespace mailveil {

struct TsvLabel {
  std::string file;
  std::string prefix;
  bool tracker = false;  ///< "tracker", else "clean"
  bool link = false;     ///< family "link", else "img"
};

struct TsvLeak {
  std::string file;
  std::string address;
  std::string encoding;
  std::string substring;
};

/// Reads a TSV of `columns` tab-separated columns (comments `#` and blank lines skipped). nullopt with *err
/// naming the line when a row has another number of columns.
std::optional<std::vector<std::vector<std::string>>> read_tsv_rows(const std::string& text, size_t columns,
                                                                   std::string* err);
/// Labels and leak rows from their TSV texts; nullopt with *err on a malformed row or an unknown label.
std::optional<std::vector<TsvLabel>> parse_tsv_labels(const std::string& text, std::string* err);
std::optional<std::vector<TsvLeak>> parse_tsv_leaks(const std::string& text, std::string* err);

/// One row per miss, as score.py's --details writes them.
struct RealEvalMiss {
  std::string file;
  std::string family;   ///< "img", "link", "leak"
  std::string label;    ///< "tracker", "clean", or the leak's encoding
  std::string outcome;  ///< "miss", "miss-unmatched", "false-positive", "clean-unmatched", "leak-missed", …
  std::string verdict;
  std::string reasons;
  std::string url;  ///< the label's prefix or substring
};

/// The figures score.py prints.
struct RealEvalResult {
  size_t files = 0;
  size_t unreadable = 0;
  size_t img_trackers = 0, img_caught = 0, img_unmatched = 0, img_clean = 0, img_false_positives = 0;
  size_t link_trackers = 0, link_caught = 0, link_recovered = 0, link_unmatched = 0, link_clean = 0,
         link_false_positives = 0, link_params_only = 0;
  size_t leaks = 0, leaks_found = 0, leaks_unmatched = 0;
  std::vector<RealEvalMiss> misses;
};

/// Scans every labelled file under `corpus_dir` (with the leak rows' addresses as the reader's) and scores the
/// labels exactly as score.py does.
RealEvalResult evaluate_real(const Engine& engine, const std::string& corpus_dir, const std::vector<TsvLabel>& labels,
                             const std::vector<TsvLeak>& leaks);

/// score.py's summary lines.
void print_real_eval(const RealEvalResult& result, std::ostream& out);
/// score.py's --details TSV.
void write_real_eval_details(const RealEvalResult& result, std::ostream& out);

}  // namespace mailveil
