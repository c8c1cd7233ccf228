// matcher_compare: MailVeil's side of tools/bench-vs-ghostery.sh.
//
//   matcher_compare export-abp LIST.json OUT.txt
//       Writes the list in Adblock Plus syntax (native_host/src/abp_export.h) for the Ghostery side.
//   matcher_compare abp-subset FILTERS.txt OUT.txt
//       Writes the filters of an ABP list that MailVeil's importer keeps, with the options it reads as always
//       true in webmail ($third-party, $domain=~x) removed: the same rules, with the same meaning, for Ghostery.
//   matcher_compare run (--list LIST.json | --abp FILTERS.txt) --urls URLS.tsv --verdicts OUT.tsv
//                       [--passes N] [--loads N] [--cache OUT.cache]
//       Loads the rules (timed, with the memory they take), matches every URL N+1 times (the first pass warms
//       up), writes one verdict line per URL and prints a JSON summary on stdout. With --cache, also writes the
//       compiled cache file the host would keep in its store for these rules (list_cache.h).
//   matcher_compare load-cache FILE.cache [--loads N]
//       The host's start-up path: maps and checks a cache file and builds the matchers on it (timed, first in
//       this fresh process then the median of N, with the heap and RSS it takes); prints a JSON summary. This is
//       the counterpart of Ghostery's FiltersEngine.deserialize.
//
// URLS.tsv lines: type<TAB>url<TAB>source url<TAB>origin, type as in webRequest ("image", "main_frame", ...).
// A URL is judged as a link (Matcher::match(..., for_link = true)) when its type is main_frame, as a fetched
// resource otherwise: the same split as the extension's. What is timed per URL is what the host does for one
// URL: parse it, build the normalised form, match; Ghostery's side times Request.fromRawDetails + match.

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "abp_export.h"
#include "abp_import.h"
#include "compiled_list.h"
#include "list_cache.h"
#include "matcher.h"
#include "signature_list.h"
#include "url.h"

namespace {

using mailveil::Matcher;
using mailveil::SignatureList;
using Clock = std::chrono::steady_clock;

struct Request {
  std::string type;
  std::string url;
};

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return static_cast<bool>(in) || in.eof();
}

long rss_kb() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

size_t heap_bytes() {
  return mallinfo2().uordblks;
}

/// The rules as the host holds them: trackers, plus exceptions for an imported ABP list.
struct Rules {
  std::shared_ptr<const SignatureList> trackers;
  std::shared_ptr<const SignatureList> exceptions;
  std::string source;  ///< the bytes the rules were read from
  std::unique_ptr<Matcher> matcher;
  std::unique_ptr<Matcher> exception_matcher;
  size_t entries = 0;
  std::string error;
};

/// Loads a MailVeil JSON list the way the host does at start-up (parse-only pattern check, then compile).
Rules load_list(const std::string& path) {
  Rules r;
  std::string& text = r.source;
  if (!read_file(path, &text)) {
    r.error = "cannot read " + path;
    return r;
  }
  r.trackers = mailveil::parse_signature_list(text, &r.error, mailveil::PatternCheck::kParse);
  if (!r.trackers) return r;
  r.matcher = std::make_unique<Matcher>(r.trackers);
  r.entries = r.trackers->trackers.size();
  return r;
}

/// Loads an ABP list through the importer (`mailveil-host update --import-abp`) and builds the matchers the
/// host would serve: text to ready matcher, as Ghostery's FiltersEngine.parse goes from text to engine.
Rules load_abp(const std::string& path) {
  Rules r;
  std::string& text = r.source;
  if (!read_file(path, &text)) {
    r.error = "cannot read " + path;
    return r;
  }
  mailveil::AbpImport import = mailveil::import_abp_list(text, {});
  r.trackers = mailveil::imported_list(import.trackers);
  if (!import.exceptions.empty()) {
    r.exceptions = mailveil::imported_list(import.exceptions);
    r.exception_matcher = std::make_unique<Matcher>(r.exceptions);
  }
  r.matcher = std::make_unique<Matcher>(r.trackers);
  r.entries = r.trackers->trackers.size();
  return r;
}

/// One URL through the matcher: the verdict and the tracker id ("" when allowed).
const mailveil::Tracker* judge(const Rules& rules, const Request& req) {
  auto url = mailveil::parse_url(req.url);
  if (!url) return nullptr;
  const std::string normalized = url->without_fragment();
  const bool for_link = req.type == "main_frame" || req.type == "document";
  mailveil::SignatureMatch m = rules.matcher->match(*url, normalized, for_link);
  if (m && rules.exception_matcher && rules.exception_matcher->match(*url, normalized, for_link)) return nullptr;
  return m.tracker;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

int export_abp_command(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    std::cerr << "usage: matcher_compare export-abp LIST.json OUT.txt\n";
    return 2;
  }
  std::string err;
  auto list = mailveil::load_signature_list(args[0], &err);
  if (!list) {
    std::cerr << "matcher_compare: " << err << "\n";
    return 2;
  }
  mailveil::AbpExport ex = mailveil::export_abp(*list, "MailVeil e-mail trackers");
  std::ofstream out(args[1], std::ios::binary);
  out << ex.text;
  if (!out.flush()) {
    std::cerr << "matcher_compare: cannot write " << args[1] << "\n";
    return 2;
  }
  std::cerr << "exported " << list->trackers.size() << " trackers as " << ex.filters << " filters to " << args[1]
            << " (" << ex.skipped.size() << " pattern(s) not expressible)\n";
  for (const auto& s : ex.skipped) std::cerr << "  skipped " << s << "\n";
  return 0;
}

/// The filter with the meaning MailVeil's importer gives it, spelt for a uBlock Origin / Ghostery engine: options
/// the importer reads as always true in webmail are dropped (`third-party`/`3p`: every remote request of a mail is
/// third-party to the webmail page; negated-only `domain=~a|~b`: never the webmail's site), and the type options
/// are replaced by the importer's reading: fetched resources only -> `~document`, links only -> `document`, both
/// -> none (these engines read "no type option" as every type, documents included). Exceptions get no type option.
std::string webmail_equivalent(const mailveil::AbpFilter& f) {
  static const std::vector<std::string> kTypes = {"image",       "media",          "object",    "object-subrequest",
                                                  "subdocument", "frame",          "other",     "document",
                                                  "doc",         "popup",          "script",    "stylesheet",
                                                  "css",         "xmlhttprequest", "xhr",       "font",
                                                  "ping",        "beacon",         "websocket", "webrtc",
                                                  "all"};
  const std::string& filter = f.filter;
  const size_t dollar = filter.rfind('$');
  const bool has_options = dollar != std::string::npos && !(dollar + 1 < filter.size() && filter[dollar + 1] == '/');
  std::string kept;
  if (has_options) {
    std::istringstream options(filter.substr(dollar + 1));
    for (std::string o; std::getline(options, o, ',');) {
      const std::string name = o.empty() || o[0] != '~' ? o : o.substr(1);
      if (o == "third-party" || o == "3p" || o.rfind("domain=~", 0) == 0 || o.rfind("from=~", 0) == 0) continue;
      if (std::find(kTypes.begin(), kTypes.end(), name) != kTypes.end()) continue;
      kept += (kept.empty() ? "" : ",") + o;
    }
  }
  const bool pixel = f.entry.applies_to_pixel, link = f.entry.applies_to_link;
  // Exceptions keep no type option: the importer reads `@@...$~document` as a page-level exception and drops it.
  if (pixel != link && !f.exception) kept += std::string(kept.empty() ? "" : ",") + (pixel ? "~document" : "document");
  return filter.substr(0, has_options ? dollar : filter.size()) + (kept.empty() ? "" : "$" + kept);
}

int abp_subset_command(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    std::cerr << "usage: matcher_compare abp-subset FILTERS.txt OUT.txt\n";
    return 2;
  }
  std::string text;
  if (!read_file(args[0], &text)) {
    std::cerr << "matcher_compare: cannot read " << args[0] << "\n";
    return 2;
  }
  mailveil::AbpImport import = mailveil::import_abp_list(text, {});
  std::ofstream out(args[1], std::ios::binary);
  out << "[Adblock Plus 2.0]\n! Title: " << import.title << " (the filters MailVeil imports)\n";
  for (const auto* v : {&import.trackers, &import.exceptions}) {
    for (const auto& f : *v) out << webmail_equivalent(f) << "\n";
  }
  if (!out.flush()) {
    std::cerr << "matcher_compare: cannot write " << args[1] << "\n";
    return 2;
  }
  std::cerr << import.stats.filters << " filters: " << import.stats.imported << " imported, " << import.stats.exceptions
            << " exceptions, " << import.stats.duplicates << " duplicates, " << import.stats.unsupported
            << " unsupported\n";
  return 0;
}

/// Writes the cache file the host keeps for these rules (bound to this build and the source's hash).
bool write_cache(const Rules& rules, const std::string& path, std::string* err) {
  mailveil::CacheBinding binding;
  binding.build_id = std::string(mailveil::this_build_id());
  binding.source_sha256 = mailveil::source_hash(rules.source);
  mailveil::CachedLists lists{mailveil::compile_list(*rules.trackers),
                              rules.exceptions ? mailveil::compile_list(*rules.exceptions) : nullptr};
  return mailveil::write_list_cache(path, binding, lists, {}, err);
}

int load_cache_command(const std::vector<std::string>& args) {
  if (args.empty() || args.size() % 2 != 1) {
    std::cerr << "usage: matcher_compare load-cache FILE.cache [--loads N]\n";
    return 2;
  }
  const std::string path = args[0];
  int loads = 10;
  if (args.size() == 3 && args[1] == "--loads") loads = std::max(1, std::stoi(args[2]));
  struct Loaded {
    std::unique_ptr<Matcher> matcher;
    std::unique_ptr<Matcher> exceptions;
    size_t bytes = 0;
    size_t entries = 0;
  };
  auto load = [&](std::string* why) {
    Loaded l;
    mailveil::CachedLists lists;
    mailveil::CacheBinding binding;
    if (mailveil::read_list_cache(path, mailveil::this_build_id(), &lists, &binding, why) !=
        mailveil::CacheProblem::kNone) {
      return l;
    }
    l.bytes = lists.list->byte_size() + (lists.exceptions ? lists.exceptions->byte_size() : 0);
    l.entries = lists.list->size();
    l.matcher = std::make_unique<Matcher>(lists.list);
    if (lists.exceptions) l.exceptions = std::make_unique<Matcher>(lists.exceptions);
    return l;
  };
  const long rss_before = rss_kb();
  const size_t heap_before = heap_bytes();
  std::string why;
  auto t0 = Clock::now();
  Loaded first = load(&why);
  const double first_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  if (!first.matcher) {
    std::cerr << "matcher_compare: " << path << ": " << why << "\n";
    return 2;
  }
  const long rss_after = rss_kb();
  const size_t heap_after = heap_bytes();
  std::vector<double> times = {first_ms};
  for (int i = 1; i < loads; ++i) {
    auto t = Clock::now();
    Loaded again = load(&why);
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  nlohmann::json summary = {{"cache_load_ms_first", first_ms},
                            {"cache_load_ms_median", percentile(times, 0.5)},
                            {"cache_bytes", first.bytes},
                            {"entries", first.entries},
                            {"memory_heap_kb", static_cast<double>(heap_after - heap_before) / 1024.0},
                            {"memory_rss_kb", rss_after - rss_before}};
  std::cout << summary.dump(2) << "\n";
  return 0;
}

int run_command(const std::vector<std::string>& args) {
  std::string list_path, abp_path, urls_path, verdicts_path, cache_path;
  int passes = 5;
  int loads = 10;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    const std::string& k = args[i];
    const std::string& v = args[i + 1];
    if (k == "--list")
      list_path = v;
    else if (k == "--abp")
      abp_path = v;
    else if (k == "--urls")
      urls_path = v;
    else if (k == "--verdicts")
      verdicts_path = v;
    else if (k == "--passes")
      passes = std::max(1, std::stoi(v));
    else if (k == "--loads")
      loads = std::max(1, std::stoi(v));
    else if (k == "--cache")
      cache_path = v;
    else {
      std::cerr << "matcher_compare: unknown option " << k << "\n";
      return 2;
    }
  }
  if ((list_path.empty() == abp_path.empty()) || urls_path.empty() || verdicts_path.empty() || args.size() % 2) {
    std::cerr << "usage: matcher_compare run (--list LIST.json | --abp FILTERS.txt) --urls URLS.tsv "
                 "--verdicts OUT.tsv [--passes N] [--loads N] [--cache OUT.cache]\n";
    return 2;
  }
  auto load = [&] { return list_path.empty() ? load_abp(abp_path) : load_list(list_path); };

  // Memory of the first load, in a process that has not loaded anything yet.
  const long rss_before = rss_kb();
  const size_t heap_before = heap_bytes();
  auto t0 = Clock::now();
  Rules rules = load();
  const double first_load_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  if (!rules.matcher) {
    std::cerr << "matcher_compare: " << rules.error << "\n";
    return 2;
  }
  const long rss_after = rss_kb();
  const size_t heap_after = heap_bytes();
  std::string cache_error;
  if (!cache_path.empty() && !write_cache(rules, cache_path, &cache_error)) {
    std::cerr << "matcher_compare: cannot write " << cache_path << ": " << cache_error << "\n";
    return 2;
  }
  std::vector<double> load_ms = {first_load_ms};
  for (int i = 1; i < loads; ++i) {
    auto t = Clock::now();
    Rules again = load();
    load_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }

  std::string text;
  if (!read_file(urls_path, &text)) {
    std::cerr << "matcher_compare: cannot read " << urls_path << "\n";
    return 2;
  }
  std::vector<Request> requests;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t t1 = line.find('\t');
    if (t1 == std::string::npos) continue;
    const size_t t2 = line.find('\t', t1 + 1);
    requests.push_back({line.substr(0, t1), line.substr(t1 + 1, t2 == std::string::npos ? t2 : t2 - t1 - 1)});
  }

  // Timer cost, to read the per-URL figures against.
  std::vector<double> empty;
  for (int i = 0; i < 10000; ++i) {
    auto a = Clock::now();
    auto b = Clock::now();
    empty.push_back(std::chrono::duration<double, std::nano>(b - a).count());
  }

  std::vector<std::vector<double>> samples(requests.size());
  std::vector<const mailveil::Tracker*> verdicts(requests.size());
  double measured_total_ms = 0;
  for (int pass = 0; pass <= passes; ++pass) {
    auto pass_start = Clock::now();
    for (size_t i = 0; i < requests.size(); ++i) {
      auto a = Clock::now();
      const mailveil::Tracker* t = judge(rules, requests[i]);
      auto b = Clock::now();
      if (pass == 0) {
        verdicts[i] = t;
      } else {
        samples[i].push_back(std::chrono::duration<double, std::nano>(b - a).count());
      }
    }
    if (pass > 0) measured_total_ms += std::chrono::duration<double, std::milli>(Clock::now() - pass_start).count();
  }
  std::vector<double> per_url;
  per_url.reserve(requests.size());
  for (auto& s : samples) per_url.push_back(percentile(s, 0.5));

  std::ofstream out(verdicts_path, std::ios::binary);
  size_t matched = 0;
  for (const auto* t : verdicts) {
    if (t) {
      ++matched;
      out << "1\t" << t->id << "\n";
    } else {
      out << "0\t\n";
    }
  }
  if (!out.flush()) {
    std::cerr << "matcher_compare: cannot write " << verdicts_path << "\n";
    return 2;
  }

  double mean = 0;
  for (double v : per_url) mean += v;
  mean = per_url.empty() ? 0 : mean / static_cast<double>(per_url.size());
  nlohmann::json summary = {{"engine", "mailveil"},
                            {"rules", list_path.empty() ? abp_path : list_path},
                            {"entries", rules.entries},
                            {"exceptions", rules.exceptions ? rules.exceptions->trackers.size() : 0},
                            {"skipped_entries", rules.trackers->skipped.size()},
                            {"patterns_left_out_of_set", rules.matcher->set_errors().size()},
                            {"load_ms_first", first_load_ms},
                            {"load_ms_median", percentile(load_ms, 0.5)},
                            {"load_ms_all", load_ms},
                            {"memory_rss_kb", rss_after - rss_before},
                            {"memory_heap_kb", static_cast<double>(heap_after - heap_before) / 1024.0},
                            {"urls", requests.size()},
                            {"matched", matched},
                            {"passes", passes},
                            {"per_url_ns_median", percentile(per_url, 0.5)},
                            {"per_url_ns_p99", percentile(per_url, 0.99)},
                            {"per_url_ns_mean", mean},
                            {"per_url_ns_max", per_url.empty() ? 0 : *std::max_element(per_url.begin(), per_url.end())},
                            {"pass_ms_mean", measured_total_ms / passes},
                            {"timer_overhead_ns_median", percentile(empty, 0.5)}};
  std::cout << summary.dump(2) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << "usage: matcher_compare export-abp LIST.json OUT.txt | abp-subset IN.txt OUT.txt | run ... | "
                 "load-cache FILE.cache ...\n";
    return 2;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "export-abp") return export_abp_command(args);
    if (command == "abp-subset") return abp_subset_command(args);
    if (command == "run") return run_command(args);
    if (command == "load-cache") return load_cache_command(args);
  } catch (const std::exception& e) {
    std::cerr << "matcher_compare: " << e.what() << "\n";
    return 2;
  }
  std::cerr << "matcher_compare: unknown command " << command << "\n";
  return 2;
}
