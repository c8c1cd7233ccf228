#include "real_eval.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "report.h"
#include "scan.h"
#include "text_util.h"

namespace mailveil {
namespace {

namespace fs = std::filesystem;

/// An element as score.py sees it in `scan --json`.
struct Seen {
  std::string url;
  std::string unwrapped_url;
  bool link = false;
  Verdict verdict = Verdict::kAllow;
  bool tracked = false;
  bool leaks = false;
  std::vector<Signal> reasons;
};

/// Keeps every element of every message of one file.
class CollectSink : public ScanSink {
 public:
  explicit CollectSink(std::vector<Seen>* out) : out_(out) {}
  void on_message(const ScannedMessage& m) override {
    for (const auto& e : m.report.elements) {
      out_->push_back({e.url, e.unwrapped_url, e.kind == ElementKind::kLink || e.kind == ElementKind::kForm, e.verdict,
                       e.tracked, !e.leaks.empty(), e.reasons});
    }
  }
  void on_error(const std::string&, const std::string&) override { failed = true; }
  void finish() override {}
  bool failed = false;

 private:
  std::vector<Seen>* out_;
};

/// A rewrite that only strips parameters or unwraps a webmail proxy: the redirector stays (score.py PARAMS_ONLY).
bool params_only(const Seen& e) {
  if (e.verdict != Verdict::kRewrite) return false;
  return std::all_of(e.reasons.begin(), e.reasons.end(), [](Signal r) {
    return r == Signal::kTrackingParams || r == Signal::kWebmailProxy || r == Signal::kAddressLeak;
  });
}

bool is_hit(const Seen& e, bool link) {
  if (!link) return e.verdict == Verdict::kBlock;
  return e.verdict == Verdict::kBlock || (e.verdict == Verdict::kRewrite && !params_only(e)) || e.tracked;
}

/// The elements a label names: same family, `url` equal to the prefix, else containing it, else an
/// `unwrapped_url` containing it.
std::vector<const Seen*> named(const std::vector<Seen>& all, const std::string& prefix, bool link) {
  std::vector<const Seen*> out;
  for (int pass = 0; pass < 3 && out.empty(); ++pass) {
    for (const auto& e : all) {
      if (e.link != link) continue;
      const bool ok = pass == 0   ? e.url == prefix
                      : pass == 1 ? e.url.find(prefix) != std::string::npos
                                  : e.unwrapped_url.find(prefix) != std::string::npos;
      if (ok) out.push_back(&e);
    }
  }
  return out;
}

RealEvalMiss miss_row(const std::string& file, const char* family, const std::string& label, const char* outcome,
                      const Seen* e, const std::string& url) {
  return {file, family, label, outcome, e ? to_string(e->verdict) : "", e ? join_codes(e->reasons, ",") : "", url};
}

std::string ratio(size_t a, size_t b) {
  if (b == 0) return "n/a";
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.3f", static_cast<double>(a) / static_cast<double>(b));
  return buf;
}

}  // namespace

std::optional<std::vector<std::vector<std::string>>> read_tsv_rows(const std::string& text, size_t columns,
                                                                   std::string* err) {
  std::vector<std::vector<std::string>> rows;
  size_t start = 0;
  for (size_t line_no = 1; start < text.size(); ++line_no) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#' || line.find_first_not_of(" \t") == std::string_view::npos) continue;
    std::vector<std::string> cols;
    for (std::string_view col : split_views(line, '\t')) cols.emplace_back(col);
    if (cols.size() != columns) {
      *err = "line " + std::to_string(line_no) + ": expected " + std::to_string(columns) +
             " tab-separated columns, got " + std::to_string(cols.size());
      return std::nullopt;
    }
    rows.push_back(std::move(cols));
  }
  return rows;
}

std::optional<std::vector<TsvLabel>> parse_tsv_labels(const std::string& text, std::string* err) {
  auto rows = read_tsv_rows(text, 4, err);
  if (!rows) return std::nullopt;
  std::vector<TsvLabel> labels;
  for (auto& r : *rows) {
    if ((r[2] != "tracker" && r[2] != "clean") || (r[3] != "img" && r[3] != "link")) {
      *err = "bad label " + r[2] + " / family " + r[3] + " for " + r[0];
      return std::nullopt;
    }
    labels.push_back({std::move(r[0]), std::move(r[1]), r[2] == "tracker", r[3] == "link"});
  }
  return labels;
}

std::optional<std::vector<TsvLeak>> parse_tsv_leaks(const std::string& text, std::string* err) {
  auto rows = read_tsv_rows(text, 4, err);
  if (!rows) return std::nullopt;
  std::vector<TsvLeak> leaks;
  for (auto& r : *rows) leaks.push_back({std::move(r[0]), std::move(r[1]), std::move(r[2]), std::move(r[3])});
  return leaks;
}

RealEvalResult evaluate_real(const Engine& engine, const std::string& corpus_dir, const std::vector<TsvLabel>& labels,
                             const std::vector<TsvLeak>& leaks) {
  RealEvalResult res;
  std::map<std::string, std::set<std::string>> addresses;
  for (const auto& l : labels) addresses[l.file];
  for (const auto& l : leaks) addresses[l.file].insert(l.address);
  std::map<std::string, std::vector<Seen>> per_file;
  for (const auto& [file, addrs] : addresses) {
    ScanOptions options;
    options.inputs = {(fs::path(corpus_dir) / file).string()};
    options.extra_addresses.assign(addrs.begin(), addrs.end());
    std::vector<Seen>& seen = per_file[file];
    CollectSink sink(&seen);
    run_scan(engine, options, sink);
    ++res.files;
    res.unreadable += sink.failed;
  }

  for (const auto& l : labels) {
    const auto els = named(per_file[l.file], l.prefix, l.link);
    std::vector<const Seen*> hits;
    for (const Seen* e : els) {
      if (is_hit(*e, l.link)) hits.push_back(e);
    }
    const Seen* shown = !hits.empty() ? hits.front() : !els.empty() ? els.front() : nullptr;
    const char* family = l.link ? "link" : "img";
    if (l.tracker) {
      (l.link ? res.link_trackers : res.img_trackers)++;
      if (!hits.empty()) {
        (l.link ? res.link_caught : res.img_caught)++;
        if (l.link && std::any_of(hits.begin(), hits.end(),
                                  [](const Seen* e) { return e->verdict == Verdict::kRewrite && !params_only(*e); })) {
          ++res.link_recovered;
        }
      } else {
        if (els.empty()) (l.link ? res.link_unmatched : res.img_unmatched)++;
        res.misses.push_back(
            miss_row(l.file, family, "tracker", els.empty() ? "miss-unmatched" : "miss", shown, l.prefix));
      }
    } else {
      (l.link ? res.link_clean : res.img_clean)++;
      if (l.link && std::any_of(els.begin(), els.end(), [](const Seen* e) { return params_only(*e); })) {
        ++res.link_params_only;
      }
      if (!hits.empty()) {
        (l.link ? res.link_false_positives : res.img_false_positives)++;
        res.misses.push_back(miss_row(l.file, family, "clean", "false-positive", shown, l.prefix));
      } else if (els.empty()) {
        res.misses.push_back(miss_row(l.file, family, "clean", "clean-unmatched", nullptr, l.prefix));
      }
    }
  }

  for (const auto& l : leaks) {
    const auto& pool = per_file[l.file];
    std::vector<const Seen*> els;
    for (const auto& e : pool) {
      if (e.url == l.substring) els.push_back(&e);
    }
    if (els.empty()) {
      for (const auto& e : pool) {
        if (e.url.find(l.substring) != std::string::npos) els.push_back(&e);
      }
    }
    const bool found = std::any_of(els.begin(), els.end(), [](const Seen* e) { return e->leaks; });
    ++res.leaks;
    res.leaks_found += found;
    res.leaks_unmatched += els.empty();
    if (!found) {
      res.misses.push_back(miss_row(l.file, "leak", l.encoding, els.empty() ? "leak-unmatched" : "leak-missed",
                                    els.empty() ? nullptr : els.front(), l.substring));
    }
  }
  return res;
}

void print_real_eval(const RealEvalResult& r, std::ostream& out) {
  out << "images: trackers blocked " << r.img_caught << "/" << r.img_trackers << " (recall "
      << ratio(r.img_caught, r.img_trackers) << "; " << r.img_unmatched << " not in the host's output); clean images "
      << "blocked " << r.img_false_positives << "/" << r.img_clean << "\n";
  out << "links:  click trackers recognised " << r.link_caught << "/" << r.link_trackers << " (recall "
      << ratio(r.link_caught, r.link_trackers) << "; " << r.link_unmatched << " not in the host's output); "
      << "destination recovered " << r.link_recovered << "/" << r.link_trackers << "\n";
  out << "        clean links taken for trackers " << r.link_false_positives << "/" << r.link_clean << " ("
      << r.link_params_only << " more only had tracking parameters stripped, not counted)\n";
  out << "leaks:  reported " << r.leaks_found << "/" << r.leaks << " (" << r.leaks_unmatched
      << " not in the host's output)\n";
  out << "files: " << r.files << " scanned, " << r.unreadable << " unreadable\n";
}

void write_real_eval_details(const RealEvalResult& r, std::ostream& out) {
  out << "file\tfamily\tlabel\toutcome\tverdict\treasons\turl\n";
  for (const auto& m : r.misses) {
    out << m.file << '\t' << m.family << '\t' << m.label << '\t' << m.outcome << '\t' << m.verdict << '\t' << m.reasons
        << '\t' << mask_addresses_in_text(m.url) << '\n';
  }
}

}  // namespace mailveil
