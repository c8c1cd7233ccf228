/// The long-lived native-messaging session: reads frames, dispatches actions, writes replies, and swaps the
/// signature engine when an update lands, without restarting.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "classifier.h"
#include "framing.h"
#include "protocol.h"
#include "updater.h"

namespace mailveil {

/// Session settings, decided by main from argv and the environment.
struct HostConfig {
  std::string caller;          ///< origin or add-on id that launched us
  bool caller_allowed = true;  ///< false: every request gets forbidden_caller
  UpdateConfig update;
  std::string log_file;
};

class Host {
 public:
  Host(HostConfig config, ActiveList list, FrameWriter& writer);
  ~Host();  ///< waits for a running update to finish
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  /// Serves frames until EOF or a truncated frame. Returns the process exit status (0). `idle`, when given, says
  /// whether no request is waiting. Before each read, while it says so, the host does the work that would
  /// otherwise fall on the first mails (idle_work), so that a mail opened later is judged as fast as the next ones.
  int serve(FrameReader& reader, const std::function<bool()>& idle = {});
  /// Runs one made-up classify request (kWarmUpRequest in host.cpp) through the request path (parse, classify,
  /// reply) and drops the reply: the code, the lazily built parts of the engine and the heap pages that every
  /// classify needs are then ready. Answers nothing, logs at debug level. False if the request was refused (a bug).
  bool warm_up();
  /// One turn of serve()'s work between requests, each step only while `idle()` says no request is waiting:
  /// - before the first classify, warm_up();
  /// - then the patterns of the active lists that are still compiled lazily (Engine::prepare_rest), one at a
  ///   time: a request that arrives meanwhile waits for one pattern at most. After an update, the new list's;
  /// - once they are all compiled, the heap a mail's request writes (prefault_heap).
  void idle_work(const std::function<bool()>& idle);
  /// Handles one payload and writes its reply (or replies, for update).
  void handle(std::string_view payload);

  /// The engine serving now (shared: an update may replace it while a request holds the old one).
  std::shared_ptr<const Engine> engine() const;

 private:
  using Handler = void (Host::*)(const Request&);
  struct Action {
    std::string_view name;
    Handler handler;
  };
  static const Action kActions[];

  void on_hello(const Request& req);
  void on_classify(const Request& req);
  void on_status(const Request& req);
  void on_rules(const Request& req);
  void on_report(const Request& req);
  void on_update(const Request& req);
  void on_evidence(const Request& req);

  void send(const nlohmann::json& reply);
  void send_error(const nlohmann::json& id, std::string_view action, ErrorCode code, std::string message);
  nlohmann::json signatures_json() const;
  void install(ActiveList list);

  HostConfig config_;
  FrameWriter& writer_;
  mutable std::mutex mutex_;  // guards engine_ and active_
  std::shared_ptr<const Engine> engine_;
  ActiveList active_;
  std::thread update_thread_;
  std::atomic<bool> updating_{false};
  bool warm_ = false;  ///< a classify was served, or warm_up ran: nothing left for warm_up to do
  std::weak_ptr<const Engine> compiled_engine_;  ///< the engine whose patterns idle_work compiled them all
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> errors_{0};
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace mailveil
