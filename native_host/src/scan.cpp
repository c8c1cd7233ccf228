#include "scan.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "evidence.h"
#include "html_extract.h"
#include "leak_detector.h"
#include "mime.h"
#include "paths.h"
#include "protocol.h"
#include "public_suffix.h"
#include "report.h"
#include "signature_store.h"
#include "url.h"

namespace mailveil {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;

bool has_extension(const std::string& path, std::initializer_list<const char*> exts) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::any_of(exts.begin(), exts.end(), [&](const char* e) { return ext == e; });
}

std::string shorten(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  return s.substr(0, max - 3) + "...";
}

/// The URL of directory `dir` relative to the file `from` ("packs/" or "../evidence/"), each segment
/// percent-encoded, ending in '/'; a file: URL when no relative path exists (another drive).
std::string relative_href(const std::string& from, const std::string& dir) {
  const fs::path base = fs::absolute(fs::path(from)).lexically_normal().parent_path();
  const fs::path target = fs::absolute(fs::path(dir)).lexically_normal();
  fs::path rel = target.lexically_relative(base);
  std::string href = rel.empty() ? "file://" : "";
  for (const auto& part : rel.empty() ? target : rel) {
    const std::string segment = part.generic_string();
    if (segment.empty() || segment == "/") continue;
    if (segment == ".") continue;
    href += (segment == ".." ? segment : percent_encode(segment)) + "/";
  }
  if (rel.empty()) href.insert(7, "/");
  return href;
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

class TableSink : public ScanSink {
 public:
  explicit TableSink(std::ostream& out) : out_(out) {}

  void on_message(const ScannedMessage& m) override {
    const EmailReport& r = m.report;
    ++messages_;
    if (r.summary.blocked > 0 || r.summary.tracked_links > 0) ++with_trackers_;
    out_ << "== " << m.file;
    if (m.index > 0) out_ << " #" << m.index;
    out_ << "\n   From: " << (m.sender.empty() ? "?" : "[...]@" + address_domain(m.sender))
         << "   Subject: " << shorten(m.subject, 70) << "\n";
    out_ << "   Score " << r.score.value << "/100, grade " << r.score.grade << "   (leaks -" << r.score.leaks
         << ", pixels -" << r.score.pixels << ", companies -" << r.score.companies << ", links -" << r.score.links
         << ")\n";
    size_t shown = 0;
    for (const auto& e : r.elements) {
      if (!e.interesting()) continue;
      if (shown++ == 0) {
        out_ << "   " << pad("VERDICT", 8) << pad("KIND", 15) << pad("COMPANY (TRACKER)", 40) << pad("REASONS", 44)
             << "URL (masked)\n";
      }
      std::string who = e.tracker.empty() ? "-" : e.tracker.company + " (" + e.tracker.id + ")";
      const std::string reasons = join_codes(e.reasons, ",");
      out_ << "   " << pad(to_string(e.verdict), 8) << pad(to_string(e.kind), 15) << pad(shorten(who, 39), 40)
           << pad(shorten(reasons, 43), 44) << shorten(e.evidence_url.empty() ? e.url : e.evidence_url, 110)
           << (e.outlook_only ? "  [Outlook desktop only]" : "") << "\n";
      if (e.verdict == Verdict::kRewrite)
        out_ << "   " << std::string(8, ' ') << "-> " << shorten(e.rewrite_url, 150) << "\n";
      for (const auto& l : e.leaks) {
        out_ << "   " << std::string(8, ' ') << "LEAK " << l.address << " as " << l.encoding << " in " << l.where
             << " to " << l.company << "\n";
      }
    }
    for (const auto& f : r.findings) {
      if (f.code == FindingCode::kAddressLeak) continue;  // shown per element above
      out_ << "   [" << to_string(f.severity) << "] " << to_string(f.code) << ": " << f.message << "\n";
    }
    if (m.skipped_html_bytes > 0 || m.skipped_elements > 0) {
      out_ << "   Not analysed: " << m.skipped_html_bytes << " bytes of HTML past the parser's limits, "
           << m.skipped_elements << " elements past " << kMaxExtractedElements << "\n";
    }
    out_ << "   " << r.summary.elements << " elements: " << r.summary.blocked << " blocked, " << r.summary.rewritten
         << " rewritten, " << r.summary.tracked_links << " tracked links, " << r.summary.leaks << " leaks\n\n";
  }

  void on_error(const std::string& file, const std::string& error) override {
    out_ << "!! " << file << ": " << error << "\n\n";
  }

  void finish() override {
    out_ << "Scanned " << messages_ << " message(s); " << with_trackers_ << " with trackers.\n";
  }

 private:
  std::ostream& out_;
  size_t messages_ = 0;
  size_t with_trackers_ = 0;
};

json element_record(const ElementResult& e) {
  json j = {{"ref", e.ref},
            {"kind", to_string(e.kind)},
            {"url", e.url},
            {"unwrapped_url", e.unwrapped_url},
            {"verdict", to_string(e.verdict)},
            {"reasons", to_strings(e.reasons)},
            {"tracker", e.tracker.empty() ? json(nullptr) : json(e.tracker.id)},
            {"company", e.tracker.empty() ? json(nullptr) : json(e.tracker.company)},
            {"category", e.tracker.empty() ? json(nullptr) : json(e.tracker.category)}};
  if (e.tracked) j["tracked"] = true;
  if (e.outlook_only) j["outlook_only"] = true;  // "Outlook desktop only" in the table
  if (!e.rewrite_url.empty()) j["rewrite_url"] = e.rewrite_url;
  if (!e.evidence_url.empty()) j["evidence_url"] = e.evidence_url;
  if (!e.leaks.empty()) {
    json leaks = json::array();
    for (const auto& l : e.leaks) {
      leaks.push_back({{"encoding", l.encoding}, {"where", l.where}, {"address", l.address}, {"company", l.company}});
    }
    j["leaks"] = std::move(leaks);
  }
  return j;
}

class JsonSink : public ScanSink {
 public:
  explicit JsonSink(std::ostream& out) : out_(out) { out_ << "{\"messages\":["; }

  void on_message(const ScannedMessage& m) override {
    json report = report_to_json(m.report, true, 0);
    report.erase("elements");
    report.erase("truncated");
    json elements = json::array();
    for (size_t i = 0; i < m.report.elements.size(); ++i) {
      json record = element_record(m.report.elements[i]);
      if (i < m.email.elements.size()) {
        const Element& source = m.email.elements[i];
        if (source.declared.width >= 0 || source.declared.height >= 0) {
          record["declared"] = {{"width", source.declared.width}, {"height", source.declared.height}};
        }
        record["visible"] = source.visible;
        if (!source.css_media.empty()) record["css_media"] = source.css_media;
        if (!source.css_selector.empty()) record["css_selector"] = source.css_selector;
      }
      elements.push_back(std::move(record));
    }
    report["elements"] = std::move(elements);
    json recipients = json::array();
    for (const auto& a : m.recipients) recipients.push_back(mask_address(a));
    json j = {{"file", m.file}, {"index", m.index},         {"subject", m.subject},       {"sender", m.sender},
              {"date", m.date}, {"recipients", recipients}, {"result", std::move(report)}};
    if (m.skipped_html_bytes > 0 || m.skipped_elements > 0) {
      j["skipped"] = {{"html_bytes", m.skipped_html_bytes}, {"elements", m.skipped_elements}};
    }
    out_ << (first_ ? "\n" : ",\n") << dump_json(j);
    first_ = false;
  }

  void on_error(const std::string& file, const std::string& error) override {
    errors_.push_back({{"file", file}, {"error", error}});
  }

  void finish() override {
    out_ << "\n],\"errors\":" << dump_json(errors_) << ",\"psl\":" << dump_json(public_suffix_json()) << "}\n";
  }

 private:
  std::ostream& out_;
  bool first_ = true;
  json errors_ = json::array();
};

Email email_from_html(const std::string& html, const std::vector<std::string>& addresses, ScannedMessage* m) {
  Email email;
  email.webmail = "file";
  email.user_addresses = addresses;
  ExtractResult extracted = extract_html(html_to_utf8(html));
  m->skipped_html_bytes += extracted.skipped_bytes;
  m->skipped_elements += extracted.skipped_elements;
  email.elements = std::move(extracted.elements);
  return email;
}

void collect_files(const std::string& input, std::vector<std::string>* files, std::vector<std::string>* missing) {
  std::error_code ec;
  if (fs::is_directory(input, ec)) {
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(input, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && has_extension(it->path().string(), {".eml", ".html", ".htm", ".mbox", ".mbx"})) {
        found.push_back(it->path().string());
      }
    }
    std::sort(found.begin(), found.end());
    files->insert(files->end(), found.begin(), found.end());
  } else if (fs::exists(input, ec)) {
    files->push_back(input);
  } else {
    missing->push_back(input);
  }
}

}  // namespace

std::unique_ptr<ScanSink> make_table_sink(std::ostream& out) {
  return std::make_unique<TableSink>(out);
}
std::unique_ptr<ScanSink> make_json_sink(std::ostream& out) {
  return std::make_unique<JsonSink>(out);
}

namespace {

/// Everything of scan_message but the verdicts: MIME, headers, HTML elements. Thread-safe.
ScannedMessage prepare_message(const std::string& raw, const std::vector<std::string>& extra, const std::string& file,
                               size_t index) {
  ScannedMessage m;
  m.file = file;
  m.index = index;
  ParsedMail mail = parse_mail(raw);
  m.subject = mail.header("Subject");
  m.date = mail.header("Date");
  auto from = extract_addresses(mail.header("From"));
  if (!from.empty()) m.sender = from.front();
  for (const char* h : {"To", "Cc", "Delivered-To", "X-Original-To"}) {
    for (const auto& value : mail.headers_named(h)) {
      for (auto& a : extract_addresses(value)) {
        if (std::find(m.recipients.begin(), m.recipients.end(), a) == m.recipients.end()) m.recipients.push_back(a);
      }
    }
  }
  for (const auto& a : extra) {
    if (std::find(m.recipients.begin(), m.recipients.end(), a) == m.recipients.end()) m.recipients.push_back(a);
  }
  m.email.message_id = mail.header("Message-ID");
  m.email.webmail = "file";
  m.email.sender = m.sender;
  m.email.user_addresses = m.recipients;
  size_t next_ref = 0;
  for (const auto& html : mail.html_parts) {
    ExtractResult extracted = extract_html(html);
    m.skipped_html_bytes += extracted.skipped_bytes;
    m.skipped_elements += extracted.skipped_elements;
    for (auto& e : extracted.elements) {
      e.ref = "e" + std::to_string(next_ref++);
      m.email.elements.push_back(std::move(e));
    }
  }
  return m;
}

/// Prepares messages on worker threads (MIME and HTML tree building are most of a scan's time) and hands them to
/// the sink classified, in input order; errors keep their place among them. At most 2 x workers + 2 messages are
/// in flight, so memory stays bounded on any mailbox.
class OrderedScanner {
 public:
  OrderedScanner(const Engine& engine, ScanSink& sink, size_t workers, std::function<void(const std::string&)> done)
      : engine_(engine), sink_(sink), done_(std::move(done)), window_(2 * workers + 2) {
    for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~OrderedScanner() {
    // Normally after finish(); after an exception, what is still queued is dropped.
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      abandon_ = true;
    }
    work_ready_.notify_all();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  OrderedScanner(const OrderedScanner&) = delete;
  OrderedScanner& operator=(const OrderedScanner&) = delete;

  /// Queues a message; prepare() runs on a worker (inline without workers).
  void message(std::function<ScannedMessage()> prepare) {
    Slot slot;
    slot.prepare = std::move(prepare);
    push(std::move(slot));
  }

  /// Queues an unreadable input, reported in its place.
  void error(std::string file, std::string text) {
    Slot slot;
    slot.error = {std::move(file), std::move(text)};
    push(std::move(slot));
  }

  /// Waits for everything queued and delivers it.
  void finish() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_ready_.notify_all();
    deliver(0);
    for (auto& t : threads_) t.join();
  }

 private:
  struct Slot {
    std::function<ScannedMessage()> prepare;
    std::pair<std::string, std::string> error;  ///< file, text
    std::optional<ScannedMessage> result;
    std::exception_ptr failure;
    bool done = false;
  };

  void push(Slot slot) {
    if (threads_.empty()) {
      run(&slot);
      emit(slot);
      return;
    }
    {
      std::lock_guard lock(mutex_);
      if (!slot.prepare) slot.done = true;
      slots_.push_back(std::move(slot));
    }
    work_ready_.notify_one();
    deliver(window_);
  }

  static void run(Slot* slot) {
    if (!slot->prepare) return;
    try {
      slot->result = slot->prepare();
    } catch (...) {
      slot->failure = std::current_exception();
    }
  }

  void work() {
    std::unique_lock lock(mutex_);
    while (true) {
      work_ready_.wait(lock, [&] {
        // An unreadable input is queued already done, so deliver() may hand it out (and drop it from the
        // front) before any worker reaches it: never index below the front.
        next_job_ = std::max(next_job_, first_);
        return stopping_ || next_job_ < first_ + slots_.size();
      });
      if (abandon_ || next_job_ >= first_ + slots_.size()) return;  // stopping, nothing left
      Slot& slot = slots_[next_job_++ - first_];
      if (slot.done) continue;
      lock.unlock();
      run(&slot);  // deque references stay valid: slots are only added at the back and removed once done
      lock.lock();
      slot.done = true;
      result_ready_.notify_all();
    }
  }

  /// Delivers finished slots from the front while more than `keep` are queued (all of them when keep is 0).
  void deliver(size_t keep) {
    std::unique_lock lock(mutex_);
    while (!slots_.empty() && (keep == 0 || slots_.size() > keep)) {
      result_ready_.wait(lock, [&] { return slots_.front().done; });
      Slot slot = std::move(slots_.front());
      slots_.pop_front();
      ++first_;
      lock.unlock();
      emit(slot);
      lock.lock();
    }
  }

  void emit(Slot& slot) {
    if (slot.failure) std::rethrow_exception(slot.failure);
    if (!slot.result) {
      sink_.on_error(slot.error.first, slot.error.second);
      return;
    }
    ScannedMessage& m = *slot.result;
    m.report = engine_.classify(m.email);
    sink_.on_message(m);
    done_(m.file);
  }

  const Engine& engine_;
  ScanSink& sink_;
  std::function<void(const std::string&)> done_;
  const size_t window_;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable result_ready_;
  std::deque<Slot> slots_;
  size_t first_ = 0;     ///< sequence number of slots_.front()
  size_t next_job_ = 0;  ///< sequence number of the next slot a worker takes
  bool stopping_ = false;
  bool abandon_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

ScannedMessage scan_message(const Engine& engine, const std::string& raw, const std::vector<std::string>& extra,
                            const std::string& file, size_t index) {
  ScannedMessage m = prepare_message(raw, extra, file, index);
  m.report = engine.classify(m.email);
  return m;
}

size_t run_scan(const Engine& engine, const ScanOptions& options, ScanSink& sink) {
  std::vector<std::string> files;
  std::vector<std::string> missing;
  for (const auto& input : options.inputs) collect_files(input, &files, &missing);
  size_t unreadable = 0;
  size_t scanned = 0;
  auto delivered = [&](const std::string& file) {
    ++scanned;
    if (options.progress && (scanned % 100 == 0)) {
      std::cerr << "scan: " << scanned << " messages (" << file << ")\n";
    }
  };
  const size_t workers =
      options.jobs > 0 ? options.jobs - 1 : std::min<size_t>(std::max(std::thread::hardware_concurrency(), 1u), 4);
  OrderedScanner scanner(engine, sink, workers, delivered);
  for (const auto& m : missing) {
    scanner.error(m, "no such file or directory");
    ++unreadable;
  }
  const std::vector<std::string>& extra = options.extra_addresses;
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      scanner.error(file, "cannot open file");
      ++unreadable;
      continue;
    }
    char head[5] = {};
    in.read(head, sizeof(head));
    const bool mbox = looks_like_mbox(std::string_view(head, static_cast<size_t>(in.gcount())));
    in.clear();
    in.seekg(0);
    if (mbox) {
      MboxReader reader(in);
      std::string raw;
      size_t index = 0;
      while (reader.next(&raw)) {
        scanner.message(
            [raw = std::move(raw), &extra, &file, n = ++index] { return prepare_message(raw, extra, file, n); });
        raw.clear();
      }
      if (in.bad()) {
        scanner.error(file, "read error");
        ++unreadable;
      }
      continue;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) {
      scanner.error(file, "read error");
      ++unreadable;
      continue;
    }
    if (has_extension(file, {".html", ".htm"})) {
      scanner.message([html = buf.str(), &extra, &file] {
        ScannedMessage m;
        m.file = file;
        m.recipients = extra;
        m.email = email_from_html(html, extra, &m);
        return m;
      });
    } else {
      scanner.message([raw = buf.str(), &extra, &file] { return prepare_message(raw, extra, file, 0); });
    }
  }
  scanner.finish();
  if (options.progress) std::cerr << "scan: done, " << scanned << " messages\n";
  sink.finish();
  return unreadable;
}

int run_scan_command(const std::vector<std::string>& args) {
  ScanOptions options;
  bool as_json = false;
  bool quiet = false;
  std::string signatures;
  std::string report_path;
  std::string csv_path;
  std::string evidence_dir;
  std::string lang_name = "en";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json") {
      as_json = true;
    } else if (a == "--progress") {
      options.progress = true;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--jobs") {
      if (i + 1 >= args.size() || args[i + 1].empty() ||
          args[i + 1].find_first_not_of("0123456789") != std::string::npos || args[i + 1].size() > 3) {
        std::cerr << "mailveil-host scan: --jobs needs a number\n";
        return 2;
      }
      options.jobs = std::stoul(args[++i]);
    } else if (a == "--address" || a == "--signatures" || a == "--report" || a == "--csv" || a == "--evidence" ||
               a == "--lang") {
      if (i + 1 >= args.size()) {
        std::cerr << "mailveil-host scan: " << a << " needs a value\n";
        return 2;
      }
      const std::string& value = args[++i];
      if (a == "--address") options.extra_addresses.push_back(value);
      if (a == "--signatures") signatures = value;
      if (a == "--report") report_path = value;
      if (a == "--csv") csv_path = value;
      if (a == "--evidence") evidence_dir = value;
      if (a == "--lang") lang_name = value;
    } else if (a.starts_with("--")) {
      std::cerr << "mailveil-host scan: unknown option " << a << "\n";
      return 2;
    } else {
      options.inputs.push_back(a);
    }
  }
  for (auto& a : options.extra_addresses) {
    std::transform(a.begin(), a.end(), a.begin(), [](unsigned char c) { return std::tolower(c); });
  }
  if (options.inputs.empty()) {
    std::cerr << "usage: mailveil-host scan [--json] [--report FILE.html] [--csv FILE.csv] [--quiet] [--progress]\n"
                 "                          [--evidence DIR [--lang en|fr]] [--address ADDR]... [--signatures FILE]\n"
                 "                          [--jobs N] FILE|DIR...\n";
    return 2;
  }
  const std::optional<Lang> lang = lang_from_string(lang_name);
  if (!lang) {
    std::cerr << "mailveil-host scan: --lang takes en or fr\n";
    return 2;
  }
  std::string err;
  ActiveList active;
  if (!signatures.empty()) {
    if (auto parsed = load_signature_list(signatures, &err)) active.list = compile_list(*parsed);
  } else {
    active = load_active_list(signature_store_dir(), bundled_signatures_path(), &err);  // with the user list
  }
  std::shared_ptr<const CompiledList> list = active.list;
  if (!list) {
    std::cerr << "mailveil-host scan: " << err << "\n";
    return 2;
  }
  // Report files are opened before scanning so that a bad path fails at once, not after a long scan.
  std::ofstream report_file, csv_file;
  for (auto [path, file] : {std::pair{&report_path, &report_file}, std::pair{&csv_path, &csv_file}}) {
    if (path->empty()) continue;
    file->open(*path, std::ios::binary | std::ios::trunc);
    if (!*file) {
      std::cerr << "mailveil-host scan: cannot write " << *path << "\n";
      return 2;
    }
  }
  if (!evidence_dir.empty()) {
    std::error_code ec;
    fs::create_directories(evidence_dir, ec);
    if (ec || !fs::is_directory(evidence_dir, ec)) {
      std::cerr << "mailveil-host scan: cannot create the evidence directory " << evidence_dir << "\n";
      return 2;
    }
  }
  // Long audits show progress on stderr when someone watches it.
  if (!report_path.empty() || !csv_path.empty() || !evidence_dir.empty()) {
    options.progress = options.progress || ::isatty(2) == 1;
  }
  Engine engine(list, active.user_list, active.user_exceptions);
  std::vector<std::unique_ptr<ScanSink>> owned;
  if (!quiet || as_json) owned.push_back(as_json ? make_json_sink(std::cout) : make_table_sink(std::cout));
  ReportVersions versions;
  versions.list_version = list->list_version;
  versions.list_published = list->published;
  versions.psl = public_suffix_text();
  // The evidence sink finishes before the report, whose sender rows link to the packs written.
  EvidenceSink* evidence = nullptr;
  if (!evidence_dir.empty()) {
    auto sink = std::make_unique<EvidenceSink>(evidence_dir, *lang, versions, std::cerr);
    evidence = sink.get();
    owned.push_back(std::move(sink));
  }
  if (!report_path.empty()) {
    std::function<EvidenceLinks()> links;
    if (evidence) {
      links = [evidence, prefix = relative_href(report_path, evidence_dir)] {
        EvidenceLinks out;
        for (const auto& [sender, file] : evidence->files()) out.emplace(sender, prefix + percent_encode(file));
        return out;
      };
    }
    owned.push_back(make_html_report_sink(report_file, options.inputs, versions, std::move(links)));
  }
  if (!csv_path.empty()) owned.push_back(make_csv_sink(csv_file));
  std::vector<ScanSink*> sinks;
  for (auto& s : owned) sinks.push_back(s.get());
  auto sink = make_tee_sink(std::move(sinks));
  size_t unreadable = run_scan(engine, options, *sink);
  std::cout.flush();
  for (auto [path, file] : {std::pair{&report_path, &report_file}, std::pair{&csv_path, &csv_file}}) {
    if (path->empty()) continue;
    file->close();
    if (!*file) {
      std::cerr << "mailveil-host scan: error writing " << *path << "\n";
      return 2;
    }
  }
  if (evidence && evidence->failed()) return 2;
  if (quiet && !as_json) {
    std::cerr << "scan: " << (report_path.empty() ? "" : "report " + report_path + " ")
              << (csv_path.empty() ? "" : "csv " + csv_path + " ")
              << (evidence ? std::to_string(evidence->written()) + " evidence pack(s) in " + evidence_dir + " " : "")
              << "written\n";
  }
  return unreadable == 0 ? 0 : 1;
}

}  // namespace mailveil
