#include "scan.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
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
#include <unordered_set>

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
        out_ << "   " << std::string(8, ' ') << "LEAK " << l.address << " as " << to_string(l.encoding) << " in "
             << l.where << " to " << l.company << "\n";
      }
    }
    for (const auto& f : r.findings) {
      if (f.code == FindingCode::kAddressLeak) continue;  // shown per element above
      out_ << "   [" << to_string(f.severity) << "] " << to_string(f.code) << ": " << f.message << "\n";
    }
    for (const auto& w : skipped_warnings(m.skipped)) out_ << "   !! " << w << "\n";
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

/// One element of a `scan --json` record, written as text (JsonObjectWriter: keys in sorted order): the verdict
/// and, from the extracted element, its declared size, visibility and CSS origin.
void write_element_record(std::string* out, const ElementResult& e, const Element* source) {
  JsonObjectWriter o(out);
  auto string_or_null = [&](std::string_view k, const std::string& v) {
    if (e.tracker.empty()) {
      o.null(k);
    } else {
      o.string(k, v);
    }
  };
  string_or_null("category", e.tracker.category);
  string_or_null("company", e.tracker.company);
  if (source && !source->css_media.empty()) o.string("css_media", source->css_media);
  if (source && !source->css_selector.empty()) o.string("css_selector", source->css_selector);
  if (source && (source->declared.width >= 0 || source->declared.height >= 0)) {
    JsonObjectWriter d(o.key("declared"));
    d.number("height", static_cast<long long>(source->declared.height));
    d.number("width", static_cast<long long>(source->declared.width));
  }
  if (!e.evidence_url.empty()) o.string("evidence_url", e.evidence_url);
  o.string("kind", to_string(e.kind));
  if (!e.leaks.empty()) o.array("leaks", e.leaks, write_leak);
  if (e.outlook_only) o.boolean("outlook_only", true);  // "Outlook desktop only" in the table
  write_reasons(&o, e.reasons);
  o.string("ref", e.ref);
  if (!e.rewrite_url.empty()) o.string("rewrite_url", e.rewrite_url);
  if (e.tracked) o.boolean("tracked", true);
  string_or_null("tracker", e.tracker.id);
  o.string("unwrapped_url", e.unwrapped_url);
  o.string("url", e.url);
  o.string("verdict", to_string(e.verdict));
  if (source) o.boolean("visible", source->visible);
}

/// One message of `scan --json`, written as text: the file, the date, the masked sender and recipients, the subject
/// with any address in it masked, the verdicts, and what the scan's limits left out. URLs stay as the mail has
/// them (the labelled evaluation matches them); each element's evidence_url is the masked form.
std::string scan_record(const ScannedMessage& m) {
  std::string out;
  out.reserve(1024 + m.report.elements.size() * 400);
  JsonObjectWriter j(&out);
  j.string("date", m.date);
  j.string("file", m.file);
  j.number("index", m.index);
  j.array("recipients", m.recipients,
          [](std::string* out, const std::string& a) { append_json_string(out, mask_address(a)); });
  {
    JsonObjectWriter result(j.key("result"));
    std::string* elements = result.key("elements");
    elements->push_back('[');
    for (size_t i = 0; i < m.report.elements.size(); ++i) {
      if (i > 0) elements->push_back(',');
      write_element_record(elements, m.report.elements[i],
                           i < m.email.elements.size() ? &m.email.elements[i] : nullptr);
    }
    elements->push_back(']');
    write_report_members(&result, m.report, 0);  // every element is listed
  }
  j.string("sender", m.sender.empty() ? std::string() : mask_address(m.sender));
  if (m.skipped.any()) {
    JsonObjectWriter s(j.key("skipped"));
    s.number("bytes", static_cast<size_t>(m.skipped.bytes));
    s.number("elements", static_cast<size_t>(m.skipped.elements));
    s.number("html_bytes", static_cast<size_t>(m.skipped.html_bytes));
    s.number("mime_parts", static_cast<size_t>(m.skipped.mime_parts));
    s.number("nested_parts", static_cast<size_t>(m.skipped.nested_parts));
    s.number("recipients", static_cast<size_t>(m.skipped.recipients));
  }
  j.string("subject", mask_addresses_in_text(m.subject));
  if (m.skipped.any()) j.strings("warnings", skipped_warnings(m.skipped));
  return out;
}

class JsonSink : public ScanSink {
 public:
  explicit JsonSink(std::ostream& out) : out_(out) { out_ << "{\"messages\":["; }

  void on_message(const ScannedMessage& m) override {
    out_ << (first_ ? "\n" : ",\n") << scan_record(m);
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

/// The reader's addresses for one message, at most kMaxUserAddresses: the --address ones first when there
/// are more, since the user asked for them. *skipped counts those left out.
std::vector<std::string> watched_addresses(const std::vector<std::string>& from_headers,
                                           const std::vector<std::string>& extra, size_t* skipped) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  auto add = [&](const std::string& a) {
    if (!seen.insert(a).second) return;
    if (out.size() < kMaxUserAddresses) {
      out.push_back(a);
    } else {
      ++*skipped;
    }
  };
  if (from_headers.size() + extra.size() > kMaxUserAddresses) {
    for (const auto& a : extra) add(a);
    for (const auto& a : from_headers) add(a);
  } else {
    for (const auto& a : from_headers) add(a);
    for (const auto& a : extra) add(a);
  }
  return out;
}

/// Appends the elements of one HTML body, keeping at most kMaxElements in all in *out; counts what the
/// extractor left out (elements past the cap, HTML past the parser's limits) in *skipped.
void append_elements(std::string_view html, std::vector<Element>* out, ScanSkipped* skipped) {
  ExtractOptions options;
  options.max_elements = kMaxElements - out->size();
  ExtractResult extracted = extract_html(html, options);
  skipped->elements += extracted.skipped_elements;
  skipped->html_bytes += extracted.skipped_bytes;
  for (auto& e : extracted.elements) {
    e.ref = "e" + std::to_string(out->size());
    out->push_back(std::move(e));
  }
}

const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

/// Opens a file to scan. Only regular files are opened: a device or a FIFO is refused before open() (which
/// could block, or read forever), and the descriptor is checked again after it. -1 with *err otherwise.
int open_regular_file(const std::string& path, uint64_t* size, std::string* err) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    *err = std::string("cannot open file: ") + std::strerror(errno);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    *err = std::string("skipped: ") + file_type_name(st.st_mode) + ", not a regular file";
    return -1;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    *err = std::string("cannot open file: ") + std::strerror(errno);
    return -1;
  }
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {  // replaced in between
    *err = std::string("skipped: ") + file_type_name(st.st_mode) + ", not a regular file";
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

/// Closes a descriptor at scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

/// A std::istream source over a file descriptor, read in 64 KiB blocks.
class FdReadBuf : public std::streambuf {
 public:
  explicit FdReadBuf(int fd) : fd_(fd) {}
  bool failed() const { return failed_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    ssize_t n;
    do {
      n = ::read(fd_, buffer_, sizeof(buffer_));
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
      failed_ = n < 0;
      return traits_type::eof();
    }
    setg(buffer_, buffer_, buffer_ + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  int fd_;
  bool failed_ = false;
  char buffer_[64 * 1024];
};

/// Files from this size are read into a string sized from fstat (read_prefix).
constexpr uint64_t kExactReadBytes = 512 * 1024;

/// Reads at most `max` bytes from the start of a file of about `size_hint` bytes. False on a read error.
bool read_prefix(int fd, uint64_t max, uint64_t size_hint, std::string* out) {
  out->clear();
  // A large file is read straight into a string of its size: grown by appends, its bytes would be copied at each
  // doubling, every copy on fresh pages (a 2.6 MB mail took 2,600 page faults). Small files are read by chunks,
  // into strings of doubling capacities that the allocator hands out again from one mail to the next.
  if (size_hint >= kExactReadBytes) {
    out->resize(static_cast<size_t>(std::min<uint64_t>(size_hint, max)));
    size_t have = 0;
    while (have < out->size()) {
      const ssize_t n = ::read(fd, out->data() + have, out->size() - have);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      if (n == 0) break;
      have += static_cast<size_t>(n);
    }
    const bool whole = have == out->size();
    out->resize(have);
    if (!whole) return true;  // the file shrank meanwhile
  }
  char chunk[64 * 1024];  // a file that grew meanwhile reads on, up to max
  while (out->size() < max) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof(chunk), max - out->size()));
    const ssize_t n = ::read(fd, chunk, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    out->append(chunk, static_cast<size_t>(n));
  }
  return true;
}

void collect_files(const std::string& input, std::vector<std::string>* files, std::vector<std::string>* missing) {
  std::error_code ec;
  if (fs::is_directory(input, ec)) {
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(input, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      // Everything with a mail file's name but a directory: a FIFO, a device or a broken link named *.eml is
      // reported when it is opened, not skipped silently.
      std::error_code type_error;
      if (!it->is_directory(type_error) &&
          has_extension(it->path().string(), {".eml", ".html", ".htm", ".mbox", ".mbx"})) {
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

std::vector<std::string> skipped_warnings(const ScanSkipped& s) {
  std::vector<std::string> out;
  if (s.bytes) {
    out.push_back("message too large: only its first " + std::to_string(kMaxScanMessageBytes >> 20) +
                  " MiB were read, " + std::to_string(s.bytes) + " bytes skipped");
  }
  if (s.html_bytes) {
    out.push_back(std::to_string(s.html_bytes) + " bytes of HTML past the parser's limits not analysed (at most " +
                  std::to_string(kMaxHtmlBytes >> 20) + " MiB per body, and a budget of tree-building work)");
  }
  if (s.elements) {
    out.push_back("message too large, " + std::to_string(s.elements) + " elements skipped (at most " +
                  std::to_string(kMaxElements) + " per message)");
  }
  if (s.mime_parts) {
    out.push_back(std::to_string(s.mime_parts) + " MIME parts skipped (at most " + std::to_string(kMaxMimeParts) +
                  " per message)");
  }
  if (s.nested_parts) {
    out.push_back(std::to_string(s.nested_parts) + " MIME parts nested deeper than " + std::to_string(kMaxMimeDepth) +
                  " levels skipped");
  }
  if (s.recipients) {
    out.push_back(std::to_string(s.recipients) + " recipient addresses not watched for leaks (at most " +
                  std::to_string(kMaxUserAddresses) + " per message)");
  }
  return out;
}

namespace {

/// Everything of scan_message but the verdicts: MIME, headers, HTML elements. Thread-safe.
ScannedMessage prepare_message(const std::string& raw, const std::vector<std::string>& extra, const std::string& file,
                               size_t index, uint64_t skipped_bytes) {
  ScannedMessage m;
  m.file = file;
  m.index = index;
  m.skipped.bytes = skipped_bytes;
  ParsedMail mail = parse_mail(raw);
  m.subject = mail.header("Subject");
  m.date = mail.header("Date");
  auto from = extract_addresses(mail.header("From"));
  if (!from.empty()) m.sender = from.front();
  std::vector<std::string> from_headers;
  for (const char* h : {"To", "Cc", "Delivered-To", "X-Original-To"}) {
    for (const auto& value : mail.headers_named(h)) {
      for (auto& a : extract_addresses(value)) from_headers.push_back(std::move(a));
    }
  }
  m.recipients = watched_addresses(from_headers, extra, &m.skipped.recipients);
  m.email.message_id = mail.header("Message-ID");
  m.email.webmail = "file";
  m.email.sender = m.sender;
  m.email.user_addresses = m.recipients;
  for (const auto& html : mail.html_parts) append_elements(html, &m.email.elements, &m.skipped);
  m.skipped.mime_parts = mail.parts_skipped;
  m.skipped.nested_parts = mail.deep_parts_skipped;
  return m;
}

/// A .html file as a message: decoded as a browser sniffs it, the --address addresses watched.
ScannedMessage prepare_html_file(const std::string& html, const std::vector<std::string>& extra,
                                 const std::string& file, uint64_t skipped_bytes) {
  ScannedMessage m;
  m.file = file;
  m.recipients = watched_addresses({}, extra, &m.skipped.recipients);
  m.skipped.bytes = skipped_bytes;
  m.email.webmail = "file";
  m.email.user_addresses = m.recipients;
  append_elements(html_to_utf8(html), &m.email.elements, &m.skipped);
  return m;
}

/// A file that could not be read when its message was prepared: reported in the message's place.
struct ScanReadError {
  std::string text;
};

/// Prepares and classifies messages on worker threads and hands them to the sink in input order; errors keep their
/// place among them. Memory stays bounded on any mailbox (each message is at most kMaxScanMessageBytes and
/// kMaxElements): at most kMaxSlots messages are queued, at most kMaxBytesInFlight of their raw bytes beyond the
/// first one, and threads start no new message while the finished ones waiting for delivery hold more than
/// kMaxElementsInFlight elements. Bounds in bytes and elements rather than in messages let the threads run ahead of
/// one large message (a 2.6 MB mail takes as long as two hundred ordinary ones) instead of waiting behind it.
///
/// A mail file is queued by name and size, and read by the thread that prepares it; messages cut from an mbox are
/// queued with their bytes. The threads take the queued messages in order, except that the largest queued message
/// of kLargeMessageBytes or more goes first: started late, one such mail would keep one core busy alone at the end.
/// The calling thread, which queues and delivers, prepares messages too whenever it would otherwise wait, so that
/// the workers and it are one per core.
class OrderedScanner {
 public:
  OrderedScanner(std::shared_future<ScanTarget> target, size_t workers, std::function<void(const std::string&)> done)
      : target_(std::move(target)), done_(std::move(done)) {
    // Each thread waits on its own copy of the future (one shared_future object is not for concurrent use).
    for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this, target = target_] { work(target); });
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

  /// Queues a message of `bytes` raw bytes (held by prepare); prepare() runs on a worker (inline without workers).
  void message(size_t bytes, std::function<ScannedMessage()> prepare) {
    Slot slot;
    slot.prepare = std::move(prepare);
    slot.bytes = bytes;
    slot.size = bytes;
    push(std::move(slot));
  }

  /// Queues the message of `file`, of about `size` bytes, which prepare() reads: a ScanReadError it throws is
  /// reported as the file's error.
  void file_message(const std::string& file, uint64_t size, std::function<ScannedMessage()> prepare) {
    Slot slot;
    slot.prepare = std::move(prepare);
    slot.error.first = file;
    slot.size = size;
    push(std::move(slot));
  }

  /// Queues an unreadable input, reported in its place.
  void error(std::string file, std::string text) {
    Slot slot;
    slot.error = {std::move(file), std::move(text)};
    push(std::move(slot));
  }

  /// The target's sink (waits for it).
  ScanSink& sink() const { return *checked(target_).sink; }

  /// Inputs delivered as errors (unreadable, missing, not regular files).
  size_t errors() const { return errors_; }

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
    size_t bytes = 0;     ///< raw bytes the slot holds until it is prepared and delivered
    uint64_t size = 0;    ///< raw bytes of its message, held or still to read
    size_t elements = 0;  ///< elements of its result, held until it is delivered
    bool taken = false;
    bool done = false;
  };

  static constexpr size_t kMaxSlots = 1024;
  /// Five messages at the element cap; ordinary mails have tens of elements each.
  static constexpr size_t kMaxElementsInFlight = 5 * kMaxElements;
  /// Messages held in memory and not yet taken, beyond which the queuing thread prepares one itself: messages read
  /// far ahead would each land on fresh pages, where one read just in time reuses the memory of the last one freed.
  static constexpr size_t kReadAhead = 4;
  /// Size from which a queued message is taken before the ones ahead of it.
  static constexpr uint64_t kLargeMessageBytes = 256 * 1024;
  static constexpr size_t kNone = static_cast<size_t>(-1);

  static const ScanTarget& checked(const std::shared_future<ScanTarget>& target) {
    const ScanTarget& t = target.get();
    if (!t.engine || !t.sink) throw ScanSetupError(t.error);
    return t;
  }

  /// Raw message bytes queued beyond which the front is delivered first (with a 32 MiB message queued, that
  /// still lets the workers run ahead on ordinary ones).
  static constexpr size_t kMaxBytesInFlight = 2 * kMaxScanMessageBytes;

  void push(Slot slot) {
    if (threads_.empty()) {
      run(&slot, target_);
      emit(slot);
      return;
    }
    {
      std::unique_lock lock(mutex_);
      if (!slot.prepare) slot.done = true;
      if (!slot.done && slot.size >= kLargeMessageBytes) ++large_waiting_;
      const bool held = slot.bytes > 0;
      bytes_in_flight_ += slot.bytes;
      if (held) ++held_waiting_;
      slots_.push_back(std::move(slot));
      work_ready_.notify_one();
      while (held_waiting_ > kReadAhead) {
        const size_t seq = pick();
        if (seq == kNone) break;
        take_and_run(lock, target_, seq);
      }
    }
    deliver(kMaxSlots);
  }

  /// Prepares and classifies a message (on a worker: classification is a quarter of a scan's CPU time, and the
  /// engine is safe to share between threads).
  static void run(Slot* slot, const std::shared_future<ScanTarget>& target) {
    if (!slot->prepare) return;
    try {
      slot->result = slot->prepare();
      slot->result->report = checked(target).engine->classify(slot->result->email);
    } catch (const ScanReadError& e) {
      slot->result.reset();
      slot->error.second = e.text;
    } catch (...) {
      slot->failure = std::current_exception();
    }
    slot->prepare = nullptr;  // frees the raw message now, not when the slot is delivered
  }

  /// The sequence number of the slot to take now, or kNone (mutex_ held): the largest waiting message of
  /// kLargeMessageBytes or more, else the first waiting one. While the finished messages waiting for delivery hold
  /// kMaxElementsInFlight elements, only the front may be taken, so that delivery, which frees them, never waits.
  size_t pick() {
    const size_t end = first_ + slots_.size();
    next_job_ = std::max(next_job_, first_);
    while (next_job_ < end && (slots_[next_job_ - first_].taken || slots_[next_job_ - first_].done)) ++next_job_;
    if (next_job_ >= end) return kNone;
    if (elements_in_flight_ >= kMaxElementsInFlight) return next_job_ == first_ ? first_ : kNone;
    size_t best = next_job_;
    if (large_waiting_ > 0) {
      for (size_t seq = next_job_; seq < end; ++seq) {
        const Slot& s = slots_[seq - first_];
        if (!s.taken && !s.done && s.size >= kLargeMessageBytes && s.size > slots_[best - first_].size) best = seq;
      }
    }
    return best;
  }

  /// Takes slot `seq` and runs it with the mutex released.
  void take_and_run(std::unique_lock<std::mutex>& lock, const std::shared_future<ScanTarget>& target, size_t seq) {
    Slot& slot = slots_[seq - first_];
    slot.taken = true;
    if (slot.size >= kLargeMessageBytes) --large_waiting_;
    if (slot.bytes > 0) --held_waiting_;
    lock.unlock();
    run(&slot, target);  // deque references stay valid: slots are only added at the back and removed once done
    lock.lock();
    slot.done = true;
    if (slot.result) {
      slot.elements = slot.result->email.elements.size();
      elements_in_flight_ += slot.elements;
    }
    result_ready_.notify_all();
  }

  void work(const std::shared_future<ScanTarget>& target) {
    std::unique_lock lock(mutex_);
    while (true) {
      size_t seq = kNone;
      work_ready_.wait(lock, [&] {
        if (abandon_) return true;
        seq = pick();
        return seq != kNone || (stopping_ && next_job_ >= first_ + slots_.size());
      });
      if (abandon_ || seq == kNone) return;  // stopping, nothing left
      take_and_run(lock, target, seq);
    }
  }

  /// Delivers the finished slots at the front, and waits for the front while more than `keep` are queued or more
  /// than kMaxBytesInFlight of raw bytes are (all of them when keep is 0). Rather than sleep until the front is
  /// done, this thread prepares a waiting message itself.
  void deliver(size_t keep) {
    std::unique_lock lock(mutex_);
    while (!slots_.empty()) {
      const bool over =
          keep == 0 || slots_.size() > keep || (slots_.size() > 1 && bytes_in_flight_ > kMaxBytesInFlight);
      if (!over && !slots_.front().done) break;
      if (!slots_.front().done) {
        size_t seq = pick();
        if (seq == kNone) {
          result_ready_.wait(lock, [&] { return slots_.front().done || (seq = pick()) != kNone; });
        }
        if (seq != kNone) take_and_run(lock, target_, seq);
        continue;
      }
      Slot slot = std::move(slots_.front());
      slots_.pop_front();
      ++first_;
      bytes_in_flight_ -= slot.bytes;
      elements_in_flight_ -= slot.elements;
      work_ready_.notify_all();  // the front moved, and the element budget may have room again
      lock.unlock();
      emit(slot);
      lock.lock();
    }
  }

  void emit(Slot& slot) {
    if (slot.failure) std::rethrow_exception(slot.failure);
    if (!slot.result) {
      ++errors_;
      sink().on_error(slot.error.first, slot.error.second);
      return;
    }
    ScannedMessage& m = *slot.result;
    sink().on_message(m);
    done_(m.file);
  }

  std::shared_future<ScanTarget> target_;
  std::function<void(const std::string&)> done_;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable result_ready_;
  std::deque<Slot> slots_;
  size_t first_ = 0;               ///< sequence number of slots_.front()
  size_t next_job_ = 0;            ///< sequence number of the first slot that may still be waiting
  size_t bytes_in_flight_ = 0;     ///< raw bytes of the queued slots
  size_t elements_in_flight_ = 0;  ///< elements of the finished slots not yet delivered
  size_t large_waiting_ = 0;       ///< waiting slots of kLargeMessageBytes or more
  size_t held_waiting_ = 0;        ///< waiting slots that hold their raw bytes
  size_t errors_ = 0;              ///< error slots delivered (the calling thread's)
  bool stopping_ = false;
  bool abandon_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

ScannedMessage scan_message(const Engine& engine, const std::string& raw, const std::vector<std::string>& extra,
                            const std::string& file, size_t index, uint64_t skipped_bytes) {
  ScannedMessage m = prepare_message(raw, extra, file, index, skipped_bytes);
  m.report = engine.classify(m.email);
  return m;
}

size_t run_scan(const Engine& engine, const ScanOptions& options, ScanSink& sink) {
  std::promise<ScanTarget> ready;
  ready.set_value({&engine, &sink, {}});
  return run_scan(ready.get_future().share(), options);
}

size_t run_scan(std::shared_future<ScanTarget> target, const ScanOptions& options) {
  std::vector<std::string> files;
  std::vector<std::string> missing;
  for (const auto& input : options.inputs) collect_files(input, &files, &missing);
  size_t scanned = 0;
  auto delivered = [&](const std::string& file) {
    ++scanned;
    if (options.progress && (scanned % 100 == 0)) {
      std::cerr << "scan: " << scanned << " messages (" << file << ")\n";
    }
  };
  const size_t workers =
      (options.jobs > 0 ? options.jobs : std::min<size_t>(std::max(std::thread::hardware_concurrency(), 1u), 4)) - 1;
  OrderedScanner scanner(target, workers, delivered);
  for (const auto& m : missing) scanner.error(m, "no such file or directory");
  const std::vector<std::string>& extra = options.extra_addresses;
  for (const std::string& file : files) {
    uint64_t size = 0;
    std::string error;
    const int fd = open_regular_file(file, &size, &error);
    if (fd < 0) {
      scanner.error(file, error);
      continue;
    }
    FdCloser closer{fd};
    char head[5] = {};
    const ssize_t got = ::pread(fd, head, sizeof(head), 0);
    const bool mbox = got > 0 && looks_like_mbox(std::string_view(head, static_cast<size_t>(got)));
    if (mbox) {
      // One message at a time, each cut at kMaxScanMessageBytes: memory stays flat whatever the file's size.
      FdReadBuf buffer(fd);
      std::istream in(&buffer);
      MboxReader reader(in, kMaxScanMessageBytes);
      std::string raw;
      size_t index = 0;
      while (reader.next(&raw)) {
        const size_t bytes = raw.size();
        scanner.message(bytes, [raw = std::move(raw), &extra, &file, n = ++index, cut = reader.skipped_bytes()] {
          return prepare_message(raw, extra, file, n, cut);
        });
        raw.clear();
      }
      if (buffer.failed()) scanner.error(file, std::string("read error: ") + std::strerror(errno));
      continue;
    }
    // A single message is read by the thread that prepares it (opened again: it may have changed meanwhile).
    scanner.file_message(file, size, [&extra, &file] {
      uint64_t size = 0;
      std::string error;
      const int fd = open_regular_file(file, &size, &error);
      if (fd < 0) throw ScanReadError{error};
      FdCloser closer{fd};
      std::string raw;
      if (!read_prefix(fd, kMaxScanMessageBytes, size, &raw)) {
        throw ScanReadError{std::string("read error: ") + std::strerror(errno)};
      }
      const uint64_t skipped_bytes = size > raw.size() ? size - raw.size() : 0;
      return has_extension(file, {".html", ".htm"}) ? prepare_html_file(raw, extra, file, skipped_bytes)
                                                    : prepare_message(raw, extra, file, 0, skipped_bytes);
    });
  }
  scanner.finish();
  if (options.progress) std::cerr << "scan: done, " << scanned << " messages\n";
  scanner.sink().finish();
  return scanner.errors();
}

int run_scan_command(const std::vector<std::string>& args) {
  // A scan allocates and frees the same few megabytes per mail on each worker thread: keep up to 32 MiB of freed
  // memory per malloc arena instead of returning it (and faulting it in again), and serve blocks up to 4 MiB from
  // the arenas rather than from fresh mappings. A tenth fewer page faults and 6% less CPU on the dev corpus; the
  // peak stays within scan_limits_test's budget. Larger blocks (whole messages) are still mapped and unmapped.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
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
  std::ofstream report_file, csv_file;
  // Long audits show progress on stderr when someone watches it.
  if (!report_path.empty() || !csv_path.empty() || !evidence_dir.empty()) {
    options.progress = options.progress || ::isatty(2) == 1;
  }
  // The list loads and the outputs are made on a thread of their own while the first messages are read and parsed
  // (a list compiled from JSON takes some 20 ms, a tenth of a scan of 400 mails).
  struct Setup {
    std::unique_ptr<Engine> engine;
    std::vector<std::unique_ptr<ScanSink>> owned;
    std::unique_ptr<ScanSink> sink;
    EvidenceSink* evidence = nullptr;
  } setup;
  auto make_target = [&]() -> ScanTarget {
    std::string err;
    ActiveList active;
    if (!signatures.empty()) {
      // A list named here is the user's own, as one named by $MAILVEIL_SIGNATURES: its patterns are parsed, and one
      // that parses but does not compile is left out by the Matcher (PatternCheck::kParse), not compiled twice.
      if (auto parsed = load_signature_list(signatures, &err, PatternCheck::kParse))
        active.list = compile_list(*parsed);
    } else {
      active = load_active_list(signature_store_dir(), bundled_signatures_path(), &err);  // with the user list
    }
    std::shared_ptr<const CompiledList> list = active.list;
    if (!list) return {nullptr, nullptr, err};
    // Report files are opened before the first message is delivered, so that a bad path fails at once, not after
    // a long scan (and only once the list is known good: a failed run leaves an earlier report as it was).
    for (auto [path, file] : {std::pair{&report_path, &report_file}, std::pair{&csv_path, &csv_file}}) {
      if (path->empty()) continue;
      file->open(*path, std::ios::binary | std::ios::trunc);
      if (!*file) return {nullptr, nullptr, "cannot write " + *path};
    }
    if (!evidence_dir.empty()) {
      std::error_code ec;
      fs::create_directories(evidence_dir, ec);
      if (ec || !fs::is_directory(evidence_dir, ec)) {
        return {nullptr, nullptr, "cannot create the evidence directory " + evidence_dir};
      }
    }
    setup.engine = std::make_unique<Engine>(list, active.user_list, active.user_exceptions);
    if (!quiet || as_json) setup.owned.push_back(as_json ? make_json_sink(std::cout) : make_table_sink(std::cout));
    ReportVersions versions;
    versions.list_version = list->list_version;
    versions.list_published = list->published;
    versions.psl = public_suffix_text();
    // The evidence sink finishes before the report, whose sender rows link to the packs written.
    if (!evidence_dir.empty()) {
      auto sink = std::make_unique<EvidenceSink>(evidence_dir, *lang, versions, std::cerr);
      setup.evidence = sink.get();
      setup.owned.push_back(std::move(sink));
    }
    if (!report_path.empty()) {
      std::function<EvidenceLinks()> links;
      if (setup.evidence) {
        links = [evidence = setup.evidence, prefix = relative_href(report_path, evidence_dir)] {
          EvidenceLinks out;
          for (const auto& [sender, file] : evidence->files()) out.emplace(sender, prefix + percent_encode(file));
          return out;
        };
      }
      setup.owned.push_back(make_html_report_sink(report_file, options.inputs, versions, std::move(links)));
    }
    if (!csv_path.empty()) setup.owned.push_back(make_csv_sink(csv_file));
    std::vector<ScanSink*> sinks;
    for (auto& s : setup.owned) sinks.push_back(s.get());
    setup.sink = make_tee_sink(std::move(sinks));
    return {setup.engine.get(), setup.sink.get(), {}};
  };
  std::shared_future<ScanTarget> target = std::async(std::launch::async, make_target).share();
  size_t unreadable = 0;
  try {
    unreadable = run_scan(target, options);
  } catch (const ScanSetupError& e) {
    std::cerr << "mailveil-host scan: " << e.what() << "\n";
    return 2;
  }
  EvidenceSink* evidence = setup.evidence;
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
