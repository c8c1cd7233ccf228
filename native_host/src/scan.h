/// The offline audit: `mailveil-host scan FILE|DIR...` over .eml, .html and mbox files.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "classifier.h"

namespace mailveil {

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
  size_t skipped_html_bytes = 0;  ///< HTML not parsed (over the size or tree-building budget: html_extract.h)
  size_t skipped_elements = 0;    ///< elements over the per-body cap
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

/// Scans every input (directories recursively, in name order). MIME decoding and HTML tree building run on worker
/// threads; verdicts and the sink run on the calling thread, in input order. Returns the number of unreadable
/// inputs.
size_t run_scan(const Engine& engine, const ScanOptions& options, ScanSink& sink);

/// Builds the Email for one raw RFC 5322 message (used by scan and tests).
ScannedMessage scan_message(const Engine& engine, const std::string& raw, const std::vector<std::string>& extra,
                            const std::string& file, size_t index);

/// `mailveil-host scan ...` entry point: parses args, loads the list, writes to stdout. Exit status:
/// 0 when every input was read, 1 when some input was unreadable, 2 on usage errors.
int run_scan_command(const std::vector<std::string>& args);

}  // namespace mailveil
