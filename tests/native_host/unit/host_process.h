// Runs the real mailveil-host binary as the browser does (pipes on stdin/stdout, caller in argv) for
// integration tests.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mailveil::test {

class HostProcess {
 public:
  /// Starts the host with `args` (default: launched by our Chrome extension) and extra environment.
  explicit HostProcess(std::vector<std::string> args = {"chrome-extension://celkdkpfmogfmihpiofdidjkhbcliejm/"},
                       std::map<std::string, std::string> env = {}) {
    int in_pipe[2], out_pipe[2];
    if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
    char home_template[] = "/tmp/mailveil-test-XXXXXX";
    home_ = mkdtemp(home_template);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in_pipe[0], 0);
      dup2(out_pipe[1], 1);
      close(in_pipe[1]);
      close(out_pipe[0]);
      setenv("MAILVEIL_HOME", home_.c_str(), 1);
      if (!env.count("MAILVEIL_SIGNATURES")) {
        setenv("MAILVEIL_SIGNATURES", (std::string(MAILVEIL_TEST_DATA) + "/signatures/test-list.json").c_str(), 1);
      }
      for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
      std::vector<char*> argv;
      std::string bin = MAILVEIL_HOST_BINARY;
      argv.push_back(bin.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    to_host_ = in_pipe[1];
    from_host_ = out_pipe[0];
    signal(SIGPIPE, SIG_IGN);
  }

  ~HostProcess() {
    close_stdin();
    if (from_host_ >= 0) close(from_host_);
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::string cmd = "rm -rf '" + home_ + "'";
    if (std::system(cmd.c_str()) != 0) {
    }
  }

  const std::string& home() const { return home_; }

  /// The host's process id (while it runs).
  pid_t pid() const { return pid_; }

  void send_raw(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = write(to_host_, bytes.data() + off, bytes.size() - off);
      if (n <= 0) throw std::runtime_error("write to host failed");
      off += static_cast<size_t>(n);
    }
  }
  void send_frame(const std::string& payload) {
    uint32_t n = static_cast<uint32_t>(payload.size());
    send_raw(std::string(reinterpret_cast<const char*>(&n), 4) + payload);
  }
  void send(const nlohmann::json& j) { send_frame(j.dump()); }

  /// A guard against a hung host, not a performance bound: it only has to end a test that would otherwise wait
  /// forever. Generous, because the suite runs under sanitizers on shared, loaded 2-core machines.
  static constexpr std::chrono::milliseconds kHangGuard = std::chrono::seconds(180);

  /// Next reply frame as JSON; nullopt on EOF or after `timeout`.
  std::optional<nlohmann::json> receive(std::chrono::milliseconds timeout = kHangGuard) {
    std::string prefix;
    if (!read_exact(4, &prefix, timeout)) return std::nullopt;
    uint32_t n = 0;
    std::memcpy(&n, prefix.data(), 4);
    last_frame_size_ = n;
    std::string body;
    if (!read_exact(n, &body, timeout)) return std::nullopt;
    return nlohmann::json::parse(body);
  }

  void close_stdin() {
    if (to_host_ >= 0) {
      close(to_host_);
      to_host_ = -1;
    }
  }

  /// Waits for exit; returns the exit status, or -1 on timeout/abnormal exit.
  int wait_exit(std::chrono::milliseconds timeout = kHangGuard) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      usleep(10000);
    }
    return -1;
  }

  uint32_t last_frame_size() const { return last_frame_size_; }

 private:
  bool read_exact(size_t n, std::string* out, std::chrono::milliseconds timeout) {
    out->clear();
    out->reserve(n);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[65536];
    while (out->size() < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{from_host_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      ssize_t r = read(from_host_, buf, std::min(sizeof(buf), n - out->size()));
      if (r <= 0) return false;
      out->append(buf, static_cast<size_t>(r));
    }
    return true;
  }

  pid_t pid_ = -1;
  int to_host_ = -1;
  int from_host_ = -1;
  bool exited_ = false;
  std::string home_;
  uint32_t last_frame_size_ = 0;
};

}  // namespace mailveil::test
