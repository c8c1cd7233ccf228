/// The offline audit: `mailveil-host scan FILE|DIR...` over .eml, .html and mbox files.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "classifier.h"

namespace mailveil {

/// The most bytes `scan` reads of one message (an .eml, an .html file, one message of an mbox); the rest is
/// counted and reported, never held. Together with kMaxElements and the MIME limits (mime.h), this bounds the
/// memory of a scan whatever its input.
inline constexpr uint64_t kMaxScanMessageBytes = 32u << 20;

/// What `scan` left out of one message to stay within its limits (all 0 for ordinary mail).
struct ScanSkipped {
  uint64_t bytes = 0;       ///< past kMaxScanMessageBytes
  uint64_t html_bytes = 0;  ///< HTML not parsed: past kMaxHtmlBytes or the tree builder's budget (html_extract.h)
  size_t elements = 0;      ///< past kMaxElements
  size_t mime_parts = 0;    ///< past kMaxMimeParts
  size_t nested_parts = 0;  ///< nested deeper than kMaxMimeDepth
  size_t recipients = 0;    ///< addresses past kMaxUserAddresses, not watched for leaks
  bool any() const { return bytes || html_bytes || elements || mime_parts || nested_parts || recipients; }
};

/// One sentence per limit the message reached ("message too large, 12000 elements skipped ..."), for the
/// outputs; empty for ordinary mail.
std::vector<std::string> skipped_warnings(const ScanSkipped& skipped);

/// One scanned message, as handed to the output sinks.
struct ScannedMessage {
  std::string file;  ///< path as given
  size_t index = 0;  ///< position within an mbox (0 for single-message files)
  std::string subject;
  std::string sender;  ///< From address (a company's, usually)
  std::string date;
  std::vector<std::string> recipients;  ///< addresses used for leak detection
  Email email;
  EmailReport report;
  ScanSkipped skipped;
};

/// Receives messages as they are scanned (streaming: nothing is kept by the scanner itself).
class ScanSink {
 public:
  virtual ~ScanSink() = default;
  virtual void on_message(const ScannedMessage& message) = 0;
  /// Called for a file that could not be read.
  virtual void on_error(const std::string& file, const std::string& error) = 0;
  /// Called once at the end.
  virtual void finish() = 0;
};

/// Human-readable table per message (default output).
std::unique_ptr<ScanSink> make_table_sink(std::ostream& out);
/// One JSON document {"messages": [...], "errors": [...]} written incrementally.
std::unique_ptr<ScanSink> make_json_sink(std::ostream& out);

/// Options of a scan run.
struct ScanOptions {
  std::vector<std::string> inputs;           ///< files or directories
  std::vector<std::string> extra_addresses;  ///< --address
  bool progress = false;                     ///< progress lines on stderr
  size_t jobs = 0;  ///< threads: 1 = everything on the calling thread; 0 = as many as cores (at most 5)
};

/// Scans every input (directories recursively, in name order). MIME decoding, HTML tree building and verdicts run
/// on worker threads; the sink runs on the calling thread, in input order. Returns the number of unreadable inputs:
/// those missing, unreadable, or not regular files (devices, FIFOs, sockets are never opened for reading).
size_t run_scan(const Engine& engine, const ScanOptions& options, ScanSink& sink);

/// What a scan judges with and reports to, when it is still being made (the signature list loads while the first
/// messages are read and parsed, which need neither). No engine: `error` says why.
struct ScanTarget {
  const Engine* engine = nullptr;
  ScanSink* sink = nullptr;
  std::string error;
};
/// Thrown by run_scan when its target came without an engine.
struct ScanSetupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
/// As above; workers wait for `target` before classifying, the calling thread before delivering.
size_t run_scan(std::shared_future<ScanTarget> target, const ScanOptions& options);

/// Builds the Email for one raw RFC 5322 message (used by scan and tests). `skipped_bytes`: how much of the
/// message was past kMaxScanMessageBytes and not read.
ScannedMessage scan_message(const Engine& engine, const std::string& raw, const std::vector<std::string>& extra,
                            const std::string& file, size_t index, uint64_t skipped_bytes = 0);

/// `mailveil-host scan ...` entry point: parses args, loads the list, writes to stdout. Exit status:
/// 0 when every input was read, 1 when some input was unreadable, 2 on usage errors.
int run_scan_command(const std::vector<std::string>& args);

}  // namespace mailveil
