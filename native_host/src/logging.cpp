#include "logging.h"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>

namespace mailveil {

bool init_file_logging(const std::string& path) {
  try {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    // 1 MiB x 3 files: enough history for a bug report, bounded on disk.
    auto logger = spdlog::rotating_logger_mt("mailveil", path, 1 << 20, 3);
    // UTC: unambiguous in a bug report, and no time-zone file to read at start.
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l [%P] %v", spdlog::pattern_time_type::utc);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
    return true;
  } catch (const spdlog::spdlog_ex&) {
    init_null_logging();
    return false;
  }
}

void init_null_logging() {
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("mailveil", std::make_shared<spdlog::sinks::null_sink_mt>()));
}

}  // namespace mailveil
