#include "evaluation.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "digest.h"
#include "paths.h"
#include "real_eval.h"
#include "scan.h"
#include "signature_list.h"
#include "text_util.h"
#include "url.h"

namespace mailveil {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;

/// Leak encodings compared across spellings: "url-encoded" and "urlencoded" are one, hex case is ignored. When
/// an address's base64 and base64url forms are the same text (no '+' or '/'), the two names are one as well: no
/// detector can tell which one the sender meant.
std::string normalise_encoding(std::string_view encoding, bool base64_forms_equal) {
  std::string e = ascii_lower(encoding);
  if (e == "url-encoded" || e == "url_encoded") return "urlencoded";
  if (e == "base64url" && base64_forms_equal) return "base64";
  return e;
}

bool base64_forms_equal(const std::string& address) {
  std::string plain = base64_encode(address), url = base64url_encode(address);
  while (!plain.empty() && plain.back() == '=') plain.pop_back();
  while (!url.empty() && url.back() == '=') url.pop_back();
  return plain == url;
}

bool is_remote(const std::string& url) {
  auto parsed = parse_url(url);
  return parsed && (parsed->scheme == "http" || parsed->scheme == "https");
}

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string describe(const ElementResult& e) {
  std::string d = std::string(to_string(e.verdict));
  if (e.tracked) d += " (tracked)";
  if (!e.tracker.empty()) d += " by " + e.tracker.id;
  if (!e.reasons.empty()) d += " [" + join_codes(e.reasons, ",") + "]";
  return d;
}

/// The most telling result among elements sharing a URL: a blocking or tracking one wins.
void keep_strongest(std::map<std::string, const ElementResult*>* by_url, const ElementResult& e) {
  auto [it, inserted] = by_url->emplace(e.url, &e);
  if (inserted) return;
  const ElementResult* old = it->second;
  const bool stronger =
      (e.verdict == Verdict::kBlock && old->verdict != Verdict::kBlock) || (e.tracked && !old->tracked);
  if (stronger) it->second = &e;
}

std::string ratio(double v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.3f", v);
  return buf;
}

std::string share(size_t part, size_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%zu/%zu (%.1f%%)", part, whole,
                whole == 0 ? 100.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

void print_cases(std::ostream& out, const char* title, const std::vector<EvalCase>& cases) {
  if (cases.empty()) return;
  out << "\n" << title << " (" << cases.size() << "):\n";
  for (const auto& c : cases) {
    out << "  " << c.file << "\n    " << c.url << "\n    " << c.detail << "\n";
  }
}

std::optional<std::vector<LabelledMail>> parse_labels_or_throw(const std::string& json_text, std::string* err);

std::string default_data_dir() {
  std::error_code ec;
  if (fs::is_regular_file("tests/data/eval/labels.json", ec)) return "tests/data/eval";
  return (fs::path(MAILVEIL_SOURCE_DIR) / "tests/data/eval").string();
}

}  // namespace

double Confusion::precision() const {
  return tp + fp == 0 ? 1.0 : static_cast<double>(tp) / static_cast<double>(tp + fp);
}
double Confusion::recall() const {
  return tp + fn == 0 ? 1.0 : static_cast<double>(tp) / static_cast<double>(tp + fn);
}

bool EvalResult::meets_targets() const {
  return unreadable == 0 && mails > 0 && pixels.recall() >= kEvalMinPixelRecall &&
         pixels.precision() >= kEvalMinPixelPrecision;
}

std::optional<std::vector<LabelledMail>> parse_eval_labels(const std::string& json_text, std::string* err) {
  try {
    return parse_labels_or_throw(json_text, err);
  } catch (const json::exception& e) {  // a field of the wrong type
    *err = std::string("labels: ") + e.what();
    return std::nullopt;
  }
}

namespace {

std::optional<std::vector<LabelledMail>> parse_labels_or_throw(const std::string& json_text, std::string* err) {
  json doc = json::parse(json_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("mails") || !doc["mails"].is_array()) {
    *err = "labels: not a JSON object with a \"mails\" array";
    return std::nullopt;
  }
  std::vector<LabelledMail> out;
  size_t index = 0;
  auto strings = [](const json& j, const char* key, std::vector<std::string>* dest) {
    if (!j.contains(key)) return true;
    if (!j[key].is_array()) return false;
    for (const auto& v : j[key]) {
      if (!v.is_string()) return false;
      dest->push_back(v.get<std::string>());
    }
    return true;
  };
  for (const auto& m : doc["mails"]) {
    const std::string where = "labels: mail " + std::to_string(index++);
    if (!m.is_object() || !m.contains("file") || !m["file"].is_string()) {
      *err = where + ": no \"file\"";
      return std::nullopt;
    }
    LabelledMail l;
    l.file = m["file"].get<std::string>();
    l.type = m.value("type", "");
    l.recipient = m.value("recipient", "");
    l.expected_grade = m.value("expected_grade", "");
    l.expected_score = m.value("expected_score", -1);
    if (!strings(m, "pixels", &l.pixels) || !strings(m, "tracked_links", &l.tracked_links)) {
      *err = where + " (" + l.file + "): pixels/tracked_links must be arrays of strings";
      return std::nullopt;
    }
    if (m.contains("leaks")) {
      if (!m["leaks"].is_array()) {
        *err = where + " (" + l.file + "): leaks must be an array";
        return std::nullopt;
      }
      for (const auto& k : m["leaks"]) {
        if (!k.is_object() || !k.contains("url") || !k["url"].is_string()) {
          *err = where + " (" + l.file + "): a leak needs a url";
          return std::nullopt;
        }
        l.leaks.push_back({k["url"].get<std::string>(), k.value("encoding", ""), k.value("company", "")});
      }
    }
    if (m.contains("destinations") && m["destinations"].is_object()) {
      for (const auto& [k, v] : m["destinations"].items()) {
        if (v.is_string()) l.destinations[k] = v.get<std::string>();
      }
    }
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace

EvalResult evaluate(const Engine& engine, const std::vector<LabelledMail>& labels, const std::string& data_dir) {
  EvalResult r;
  for (const LabelledMail& label : labels) {
    const std::string path = (fs::path(data_dir) / label.file).string();
    std::ifstream in(path, std::ios::binary);
    std::ostringstream raw;
    raw << in.rdbuf();
    if (!in || raw.str().empty()) {
      ++r.unreadable;
      r.label_errors.push_back({label.file, "", "cannot read " + path});
      continue;
    }
    ++r.mails;
    std::vector<std::string> addresses;
    if (!label.recipient.empty()) addresses.push_back(ascii_lower(label.recipient));
    const ScannedMessage m = scan_message(engine, raw.str(), addresses, label.file, 0);

    std::map<std::string, const ElementResult*> fetched, links;
    for (const auto& e : m.report.elements) {
      if (!is_remote(e.url)) continue;
      keep_strongest(is_fetched_on_open(e.kind) ? &fetched : &links, e);
    }

    // Pixels: every distinct fetched URL is a positive (labelled) or a negative.
    const std::set<std::string> pixel_set(label.pixels.begin(), label.pixels.end());
    for (const auto& [url, e] : fetched) {
      const bool positive = pixel_set.count(url) > 0;
      const bool blocked = e->verdict == Verdict::kBlock;
      if (positive && blocked) ++r.pixels.tp;
      if (positive && !blocked) {
        ++r.pixels.fn;
        r.pixel_misses.push_back({label.file, url, describe(*e)});
      }
      if (!positive && blocked) {
        ++r.pixels.fp;
        r.pixel_false_positives.push_back({label.file, url, describe(*e)});
      }
      if (!positive && !blocked) ++r.pixels.tn;
    }
    for (const auto& url : pixel_set) {
      if (fetched.count(url)) continue;
      ++r.pixels.fn;  // the pipeline did not even extract it
      r.pixel_misses.push_back(
          {label.file, url,
           links.count(url) ? "extracted as a link, not as a fetched element" : "not extracted from the mail"});
    }

    // Tracked links.
    const std::set<std::string> link_set(label.tracked_links.begin(), label.tracked_links.end());
    for (const auto& [url, e] : links) {
      const bool positive = link_set.count(url) > 0;
      if (positive && e->tracked) ++r.links.tp;
      if (positive && !e->tracked) {
        ++r.links.fn;
        r.link_misses.push_back({label.file, url, describe(*e)});
      }
      if (!positive && e->tracked) {
        ++r.links.fp;
        r.link_false_positives.push_back({label.file, url, describe(*e)});
      }
      if (!positive && !e->tracked) ++r.links.tn;
    }
    for (const auto& url : link_set) {
      if (links.count(url)) continue;
      ++r.links.fn;
      r.link_misses.push_back({label.file, url, "not extracted from the mail"});
    }

    // Leaks, per (URL, encoding).
    const bool same_b64 = base64_forms_equal(ascii_lower(label.recipient));
    std::map<std::pair<std::string, std::string>, std::string> found;  // -> company
    for (const auto& e : m.report.elements) {
      for (const auto& l : e.leaks)
        found.emplace(std::pair{e.url, normalise_encoding(to_string(l.encoding), same_b64)}, l.company);
    }
    std::set<std::pair<std::string, std::string>> expected;
    for (const auto& l : label.leaks) {
      auto key = std::pair{l.url, normalise_encoding(l.encoding, same_b64)};
      expected.insert(key);
      auto it = found.find(key);
      if (it == found.end()) {
        ++r.leaks.fn;
        std::string got;
        for (const auto& [k, company] : found) {
          if (k.first == l.url) got += (got.empty() ? "" : ",") + k.second;
        }
        r.leak_misses.push_back({label.file, l.url, "expected " + l.encoding + (got.empty() ? "" : ", found " + got)});
        continue;
      }
      ++r.leaks.tp;
      if (!l.company.empty() && it->second != l.company) {
        ++r.leak_company_mismatches;
        r.leak_misses.push_back({label.file, l.url, "company: expected " + l.company + ", got " + it->second});
      }
    }
    for (const auto& [key, company] : found) {
      if (expected.count(key)) continue;
      ++r.leaks.fp;
      r.leak_false_positives.push_back({label.file, key.first, key.second + " to " + company});
    }

    // Destinations of tracked links.
    for (const auto& [link, destination] : label.destinations) {
      ++r.destinations;
      auto it = links.find(link);
      if (it != links.end() && it->second->verdict == Verdict::kRewrite && it->second->rewrite_url == destination) {
        ++r.destinations_ok;
        continue;
      }
      std::string got = it == links.end()                          ? "link not extracted"
                        : it->second->verdict == Verdict::kRewrite ? "rewritten to " + it->second->rewrite_url
                                                                   : describe(*it->second);
      r.destination_errors.push_back({label.file, link, "expected " + destination + "; " + got});
    }

    // Grade and score.
    auto& by_type = r.grades_by_type[label.type];
    ++by_type.first;
    const Score& s = m.report.score;
    if (s.grade == label.expected_grade) {
      ++r.grades_agree;
      ++by_type.second;
    }
    if (s.value == label.expected_score) ++r.scores_agree;
    if (s.grade != label.expected_grade || s.value != label.expected_score) {
      r.grade_mismatches.push_back(
          {label.file, "",
           "expected " + label.expected_grade + " " + std::to_string(label.expected_score) + ", got " + s.grade + " " +
               std::to_string(s.value) + " (leaks -" + std::to_string(s.leaks) + ", pixels -" +
               std::to_string(s.pixels) + ", companies -" + std::to_string(s.companies) + " [" +
               join(m.report.summary.companies) + "], links -" + std::to_string(s.links) + ")"});
    }
  }
  return r;
}

void print_eval(const EvalResult& r, std::ostream& out) {
  auto line = [&](const char* name, const Confusion& c, bool with_tn) {
    char buf[160];
    std::snprintf(buf, sizeof(buf), "%-22s %5zu %5zu %5zu %5s %10s %8s\n", name, c.tp, c.fp, c.fn,
                  with_tn ? std::to_string(c.tn).c_str() : "-", ratio(c.precision()).c_str(),
                  ratio(c.recall()).c_str());
    out << buf;
  };
  out << "MailVeil evaluation: " << r.mails << " mail(s)";
  if (r.unreadable) out << ", " << r.unreadable << " unreadable";
  out << "\n\n";
  char head[160];
  std::snprintf(head, sizeof(head), "%-22s %5s %5s %5s %5s %10s %8s\n", "per URL", "TP", "FP", "FN", "TN", "precision",
                "recall");
  out << head;
  line("tracking pixels", r.pixels, true);
  line("tracked links", r.links, true);
  line("address leaks", r.leaks, false);
  out << "\nleak company correct:  " << share(r.leaks.tp - r.leak_company_mismatches, r.leaks.tp) << "\n";
  out << "destinations recovered: " << share(r.destinations_ok, r.destinations) << "\n";
  out << "grade agreement:        " << share(r.grades_agree, r.mails) << "\n";
  for (const auto& [type, counts] : r.grades_by_type) {
    out << "  " << (type.empty() ? "(untyped)" : type) << ": " << share(counts.second, counts.first) << "\n";
  }
  out << "exact score:            " << share(r.scores_agree, r.mails) << "\n";
  out << "\ntarget: pixel recall " << ratio(r.pixels.recall()) << " >= " << kEvalMinPixelRecall << ", precision "
      << ratio(r.pixels.precision()) << " >= " << kEvalMinPixelPrecision << ": "
      << (r.meets_targets() ? "MET" : "NOT MET") << "\n";
  print_cases(out, "pixel misses", r.pixel_misses);
  print_cases(out, "pixel false positives", r.pixel_false_positives);
  print_cases(out, "tracked-link misses", r.link_misses);
  print_cases(out, "tracked-link false positives", r.link_false_positives);
  print_cases(out, "leak misses", r.leak_misses);
  print_cases(out, "leak false positives", r.leak_false_positives);
  print_cases(out, "destination errors", r.destination_errors);
  print_cases(out, "grade or score disagreements", r.grade_mismatches);
  print_cases(out, "label errors", r.label_errors);
}

namespace {

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return std::nullopt;
  return text.str();
}

/// The signature list for an evaluation, or nullptr after printing why it cannot be loaded.
std::shared_ptr<const SignatureList> load_list_for_eval(const std::string& signatures) {
  std::string err;
  auto list = load_signature_list(signatures, &err);
  if (!list) std::cerr << "mailveil-host eval: " << err << "\n";
  return list;
}

/// `eval --labels`: the shared scorer's figures (score.py) from the product itself.
int run_real_eval(const std::string& labels_path, const std::string& leaks_path, std::string corpus,
                  const std::string& details, const std::string& signatures) {
  if (corpus.empty()) corpus = fs::path(labels_path).parent_path().string();
  std::string err;
  auto labels_text = read_text_file(labels_path);
  std::optional<std::string> leaks_text = leaks_path.empty() ? std::string() : read_text_file(leaks_path);
  if (!labels_text || !leaks_text) {
    std::cerr << "mailveil-host eval: cannot read " << (!labels_text ? labels_path : leaks_path) << "\n";
    return 2;
  }
  auto labels = parse_tsv_labels(*labels_text, &err);
  auto leaks = labels ? parse_tsv_leaks(*leaks_text, &err) : std::nullopt;
  if (!labels || !leaks) {
    std::cerr << "mailveil-host eval: " << (!labels ? labels_path : leaks_path) << ": " << err << "\n";
    return 2;
  }
  auto list = load_list_for_eval(signatures);
  if (!list) return 2;
  Engine engine(list);
  RealEvalResult result = evaluate_real(engine, corpus, *labels, *leaks);
  print_real_eval(result, std::cout);
  if (!details.empty()) {
    std::ofstream out(details, std::ios::binary);
    write_real_eval_details(result, out);
    if (!out) {
      std::cerr << "mailveil-host eval: cannot write " << details << "\n";
      return 2;
    }
  }
  return result.unreadable > 0 ? 2 : 0;
}

}  // namespace

int run_eval_command(const std::vector<std::string>& args) {
  std::string data_dir;
  std::string signatures;
  std::string tsv_labels, leaks, corpus, details;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string* target = a == "--data"         ? &data_dir
                          : a == "--signatures" ? &signatures
                          : a == "--labels"     ? &tsv_labels
                          : a == "--leaks"      ? &leaks
                          : a == "--corpus"     ? &corpus
                          : a == "--details"    ? &details
                                                : nullptr;
    if (target && i + 1 < args.size()) {
      *target = args[++i];
    } else {
      std::cerr
          << "usage: mailveil-host eval [--data DIR] [--signatures FILE]\n"
             "       mailveil-host eval --labels LABELS.tsv [--leaks LEAKS.tsv] [--corpus DIR] [--details OUT.tsv]"
             " [--signatures FILE]\n";
      return 2;
    }
  }
  if (signatures.empty()) signatures = bundled_signatures_path();
  if (!tsv_labels.empty()) return run_real_eval(tsv_labels, leaks, corpus, details, signatures);
  if (data_dir.empty()) data_dir = default_data_dir();
  std::ifstream in(fs::path(data_dir) / "labels.json", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    std::cerr << "mailveil-host eval: cannot read " << (fs::path(data_dir) / "labels.json").string() << "\n";
    return 2;
  }
  std::string err;
  auto labels = parse_eval_labels(text.str(), &err);
  if (!labels) {
    std::cerr << "mailveil-host eval: " << err << "\n";
    return 2;
  }
  auto list = load_list_for_eval(signatures);
  if (!list) return 2;
  Engine engine(list);
  EvalResult result = evaluate(engine, *labels, data_dir);
  std::cout << "data " << data_dir << ", list " << signatures << " (version " << list->list_version << ", "
            << list->trackers.size() << " trackers)\n";
  print_eval(result, std::cout);
  if (result.unreadable > 0) return 2;
  return result.meets_targets() ? 0 : 1;
}

}  // namespace mailveil
