// `mailveil-host scan ARGS...` in a process of its own that reports its peak RSS: the scan-limits tests spawn it on
// hostile inputs and check that memory stays flat. It prints the scan's output on stdout, then
// "peak_rss_kib <VmHWM>" as the last line on stderr, and exits with the scan's status. VmHWM is read from /proc
// just before exit, from this process only (a spawned child's rusage can carry its parent's peak).
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "logging.h"
#include "scan.h"

int main(int argc, char** argv) {
  mailveil::init_null_logging();
  const int status = mailveil::run_scan_command(std::vector<std::string>(argv + 1, argv + argc));
  std::cout.flush();
  std::ifstream proc("/proc/self/status");
  std::string line;
  long kib = -1;
  while (std::getline(proc, line)) {
    if (line.rfind("VmHWM:", 0) == 0) kib = std::stol(line.substr(6));
  }
  std::cerr << "peak_rss_kib " << kib << "\n";
  return status;
}
