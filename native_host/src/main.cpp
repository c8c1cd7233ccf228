// mailveil-host: the native-messaging host (started by the browser) and the offline CLI.
// Thin on purpose: everything lives in mailveil_core.

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "callers.h"
#include "evaluation.h"
#include "framing.h"
#include "heap.h"
#include "host.h"
#include "logging.h"
#include "paths.h"
#include "protocol.h"
#include "public_suffix.h"
#include "scan.h"
#include "signature_store.h"
#include "signing.h"
#include "update_cli.h"

namespace {

/// Keeps `helper` off the core this thread runs on, when another is allowed. Left to the scheduler, a thread started
/// here waited 1.5–2 ms for a core on the test VM: this thread keeps its own core busy until the first verdict, so
/// the helper ran only after the work it was there to take over.
void run_beside_this_thread(std::jthread& helper) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  const int here = sched_getcpu();
  if (here < 0 || pthread_getaffinity_np(pthread_self(), sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2) {
    return;
  }
  CPU_CLR(here, &allowed);
  pthread_setaffinity_np(helper.native_handle(), sizeof allowed, &allowed);
}

constexpr const char* kUsage =
    "usage:\n"
    "  mailveil-host chrome-extension://<id>/       (started by Chrome/Chromium: native messaging on stdio)\n"
    "  mailveil-host <manifest.json> <addon-id>     (started by Firefox)\n"
    "  mailveil-host scan [--json] [--report FILE.html] [--csv FILE.csv] [--evidence DIR [--lang en|fr]]\n"
    "                     [--address ADDR]... FILE|DIR...\n"
    "  mailveil-host eval [--data DIR]               (precision/recall on the labelled set)\n"
    "  mailveil-host eval --labels L.tsv [--leaks K.tsv] [--corpus DIR] [--details OUT.tsv]\n"
    "                                                 (hand-labelled real mail, score.py's figures)\n"
    "  mailveil-host update [--rollback] [--url URL] [--import-abp FILE]\n"
    "  mailveil-host version\n";

int serve_browser(const std::string& caller) {
  using namespace mailveil;
  mailveil::HostConfig config;
  config.log_file = log_file_path();
  init_file_logging(config.log_file);
  config.caller = caller;
  config.caller_allowed =
      is_allowed_caller(load_allowed_callers(executable_dir() + "/mailveil-host.callers.json"), caller);
  config.update = default_update_config();
  spdlog::info("host {} started by {} (allowed: {})", MAILVEIL_VERSION, caller, config.caller_allowed);

  // The first requests need the public suffix list (hello reports its date), the regex sets every URL tries
  // (Engine::prepare, once the list is loaded) and the link heuristics' phrase sets: a helper thread builds them in
  // that order while this one loads the list and answers hello. One thread for all: a second one would fault in a
  // malloc arena of its own.
  std::promise<std::shared_ptr<const Engine>> engine_ready;
  std::jthread warm_up([ready = engine_ready.get_future()]() mutable {
    public_suffix_info();
    try {
      ready.get()->prepare();
    } catch (const std::exception& e) {  // no engine (start-up failed): nothing to prepare
      spdlog::debug("regex sets not prepared: {}", e.what());
    }
    prepare_first_message();
  });
  run_beside_this_thread(warm_up);
  std::string err;
  ActiveList active = load_active_list(config.update.store_dir, config.update.bundled_path, &err);
  // After the load: compiling a list from its JSON (a first start, an imported list) grows large blocks, which
  // malloc's own adaptive thresholds serve better.
  serve_heap_policy();
  if (!err.empty()) spdlog::warn("signature list: {}", err);
  if (active.list) {
    spdlog::info("signature list {} ({} trackers, {} skipped) from {}", active.list->list_version, active.list->size(),
                 active.list->skipped.size(), active.path);
    for (const auto& s : active.list->skipped) spdlog::warn("skipped entry {} '{}': {}", s.index, s.id, s.reason);
  }

  // stdout carries frames only: no iostream buffering surprises, binary-safe.
  std::ios::sync_with_stdio(false);
  FrameReader reader(std::cin, kMaxInboundFrame);
  FrameWriter writer(std::cout, kMaxOutboundFrame);
  Host host(std::move(config), std::move(active), writer);
  engine_ready.set_value(host.engine());
  // Idle: nothing buffered and nothing on the pipe. The browser starts the host when the user opens the webmail
  // and sends the first classify when a mail is opened, usually much later; a classify already waiting is served
  // first and the warm-up then has nothing left to do.
  return host.serve(reader, [] {
    pollfd in{STDIN_FILENO, POLLIN, 0};
    return std::cin.rdbuf()->in_avail() == 0 && ::poll(&in, 1, 0) == 0;
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cerr << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string& command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "scan") return mailveil::run_scan_command(rest);
  if (command == "eval") return mailveil::run_eval_command(rest);
  if (command == "update") return mailveil::run_update_command(rest);
  if (command == "version" || command == "--version") {
    std::cout << "mailveil-host " << MAILVEIL_VERSION << " (protocol " << mailveil::kProtocolVersion << ")"
              << (mailveil::kTestKeysBuild ? " TEST BUILD: trusts the public test-only signing key" : "") << "\n";
    return 0;
  }
  std::string caller = mailveil::caller_from_args(args);
  if (!caller.empty()) return serve_browser(caller);
  std::cerr << "mailveil-host: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
