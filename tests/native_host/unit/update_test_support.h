// Helpers for the signature-update tests: temp dirs, signed fixture lists, a fake HTTP client, and the
// python fault server (tests/update/fault_server.py) run as a child process.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "http_client.h"
#include "signing.h"
#include "updater.h"

namespace mailveil::test {

namespace fs = std::filesystem;

inline std::string test_data(const std::string& rel) {
  return std::string(MAILVEIL_TEST_DATA) + "/" + rel;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void spit(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << data;
}

/// A fresh directory under $TMPDIR, removed (recursively) at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mailveil-upd-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

/// The test-only public key, read from tests/data/keys.
inline std::vector<PublicKey> test_keys() {
  PublicKey key{};
  std::string err;
  if (!parse_public_key_pem(slurp(test_data("keys/test-only-ed25519-public.pem")), &key, &err)) {
    throw std::runtime_error(err);
  }
  return {key};
}

/// Signature file text for `data`, made with the test-only private key.
inline std::string test_sign(const std::string& data) {
  std::string sig;
  std::string err;
  if (!sign_data(data, slurp(test_data("keys/test-only-ed25519-private.pem")), &sig, &err)) {
    throw std::runtime_error(err);
  }
  return sig;
}

/// A valid list with one tracker per id (domain <id>.example).
inline std::string list_json(int64_t version, const std::vector<std::string>& ids = {"alpha", "beta"},
                             const std::string& extra_entry = "") {
  std::string s = "{\n  \"format_version\": 1,\n  \"list_version\": " + std::to_string(version) +
                  ",\n  \"published\": \"2026-11-23\",\n  \"expires\": \"2099-12-31\",\n  \"trackers\": [\n";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ",\n";
    s += "    {\"id\": \"" + ids[i] + "\", \"name\": \"" + ids[i] + "\", \"company\": \"Co " + ids[i] +
         "\", \"category\": \"esp\", \"domains\": [\"" + ids[i] + ".example\"], \"patterns\": [\"^https?://cdn\\\\." +
         ids[i] + "\\\\.example/open/\"]}";
  }
  if (!extra_entry.empty()) s += ",\n    " + extra_entry;
  return s + "\n  ]\n}\n";
}

/// An entry whose pattern RE2 rejects (a back-reference).
inline const char* kRe2RejectedEntry =
    R"({"id": "bad-regex", "name": "Bad", "company": "Bad", "category": "esp", "patterns": ["^https://(a)\\1/"]})";

/// Writes FILE and FILE.sig (test key) into dir.
inline void write_signed(const std::string& dir, const std::string& name, const std::string& json) {
  spit(dir + "/" + name, json);
  spit(dir + "/" + name + ".sig", test_sign(json));
}

/// Every regular file of a directory with its content: "intact" means equal snapshots. Compiled caches
/// (*.cache) are left out: they are derived from the lists and rewritten whenever a load finds one missing or
/// stale (signature_store_test checks them).
inline std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().filename() != ".lock" && e.path().extension() != ".cache") {
      out[e.path().filename().string()] = slurp(e.path());
    }
  }
  return out;
}

/// An UpdateConfig for a temp store, trusting only the test key.
inline UpdateConfig test_config(const std::string& store_dir, const std::string& bundled_path, const std::string& url) {
  UpdateConfig c;
  c.list_url = url;
  c.store_dir = store_dir;
  c.bundled_path = bundled_path;
  c.trusted_keys = test_keys();
  c.allow_loopback_http = true;
  c.timeout_seconds = 5;
  c.connect_timeout_seconds = 2;
  c.stall_seconds = 1;
  c.max_bytes = 1 << 20;
  return c;
}

/// HttpClient returning canned responses per URL and recording the requests.
class FakeHttpClient : public HttpClient {
 public:
  struct Canned {
    bool transport_ok = true;
    std::string error;
    HttpResponse response;
  };
  std::map<std::string, Canned> routes;
  std::vector<HttpRequest> requests;

  void serve(const std::string& url, long status, std::string body, std::string etag = "") {
    Canned c;
    c.response.status = status;
    c.response.body = std::move(body);
    c.response.etag = std::move(etag);
    routes[url] = std::move(c);
  }
  void fail(const std::string& url, std::string error) {
    Canned c;
    c.transport_ok = false;
    c.error = std::move(error);
    routes[url] = std::move(c);
  }

  bool get(const HttpRequest& request, const TransferProgressFn& progress, HttpResponse* response,
           std::string* err) override {
    requests.push_back(request);
    auto it = routes.find(request.url);
    if (it == routes.end()) {
      *response = HttpResponse{};
      response->status = 404;
      return true;
    }
    if (!it->second.transport_ok) {
      *err = it->second.error;
      return false;
    }
    *response = it->second.response;
    if (!request.if_none_match.empty() && request.if_none_match == response->etag) {
      response->status = 304;
      response->body.clear();
      return true;
    }
    if (progress && !response->body.empty()) {
      progress(response->body.size() / 2, response->body.size());
      progress(response->body.size(), response->body.size());
    }
    return true;
  }
};

/// tests/update/fault_server.py running on 127.0.0.1 for the lifetime of the object.
class FaultServer {
 public:
  explicit FaultServer(const std::string& root) {
    int in_pipe[2];
    int out_pipe[2];
    if (::pipe(in_pipe) != 0 || ::pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
    std::string script = std::string(MAILVEIL_TEST_DATA) + "/../update/fault_server.py";
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(in_pipe[0], 0);
      ::dup2(out_pipe[1], 1);
      ::close(in_pipe[1]);
      ::close(out_pipe[0]);
      ::execlp("python3", "python3", script.c_str(), "--root", root.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    stdin_fd_ = in_pipe[1];
    std::string line;
    char c;
    while (::read(out_pipe[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out_pipe[0]);
    if (line.rfind("PORT ", 0) != 0) {
      stop();
      throw std::runtime_error("fault server did not start: '" + line + "'");
    }
    port_ = std::stoi(line.substr(5));
  }
  ~FaultServer() { stop(); }
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  /// http://127.0.0.1:<port>/<mode>/<file>
  std::string url(const std::string& mode, const std::string& file) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + mode + "/" + file;
  }
  int port() const { return port_; }

 private:
  void stop() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int port_ = 0;
};

/// Lowers the file size limit (RLIMIT_FSIZE) for the scope: writes past it fail with EFBIG, like a full disk.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    ::getrlimit(RLIMIT_FSIZE, &old_);
    rlimit lim = old_;
    lim.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &lim);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    ::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  sighandler_t old_handler_;
};

/// The fault server shared by all tests of one process: python start-up costs about a second on a busy
/// machine, so it is started once, on first use, and stopped at exit.
struct SharedFaultServer {
  TempDir root;
  FaultServer server{root.path()};
  int directories = 0;
};

inline SharedFaultServer& shared_fault_server() {
  static SharedFaultServer shared;
  return shared;
}

/// A directory of its own under the shared server's root; a file F written there is served at url(mode, F).
class ServedDir {
 public:
  ServedDir() : shared_(shared_fault_server()), name_("rig-" + std::to_string(++shared_.directories)) {
    fs::create_directory(path());
  }
  ~ServedDir() {
    std::error_code ec;
    fs::remove_all(path(), ec);
  }
  ServedDir(const ServedDir&) = delete;
  ServedDir& operator=(const ServedDir&) = delete;
  std::string path() const { return shared_.root / name_; }
  std::string operator/(const std::string& rel) const { return path() + "/" + rel; }
  std::string url(const std::string& mode, const std::string& file) const {
    return shared_.server.url(mode, name_ + "/" + file);
  }

 private:
  SharedFaultServer& shared_;
  std::string name_;
};

/// A loopback port with nothing listening (bound, then closed).
inline int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("cannot find a free port");
  }
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

}  // namespace mailveil::test
