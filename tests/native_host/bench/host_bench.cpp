// Google Benchmark targets for the host (issue #2, point 10):
//   BM_ClassifyTypical   one typical marketing mail, ~60 elements, against the shipped list
//   BM_Classify5000      a 5,000-element mail
//   BM_LoadSignatures    parse + validate + compile the shipped list
//   BM_ColdStartToFirstVerdict  spawn mailveil-host as a browser does, send hello and the typical mail, read
//                        both replies (process start + list load + first classify; manual time, the child's
//                        exit is not counted); reports peak RSS
// Run: tools/bench.sh (prints the figures), or build/tests/mailveil_bench directly.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "classifier.h"
#include "email.h"
#include "signature_list.h"

namespace {

using mailveil::Element;
using mailveil::ElementKind;
using mailveil::Email;

std::string shipped_list_path() {
  return std::string(MAILVEIL_SOURCE_DIR) + "/signatures/trackers.json";
}

std::shared_ptr<const mailveil::SignatureList> shipped_list() {
  static auto list = [] {
    std::string err;
    auto l = mailveil::load_signature_list(shipped_list_path(), &err);
    if (!l) throw std::runtime_error(err);
    return l;
  }();
  return list;
}

Element make(ElementKind kind, std::string url, int w = -1, int h = -1) {
  Element e;
  e.kind = kind;
  e.url = std::move(url);
  e.declared = {w, h};
  return e;
}

/// A realistic newsletter: brand images, a hero, social icons, tracked links, two pixels, a Gmail-proxied URL.
Email typical_email() {
  Email m;
  m.sender = "news@shop.example";
  m.webmail = "gmail";
  m.user_addresses = {"jane.doe@example.org", "jane@work.example"};
  for (int i = 0; i < 18; ++i) {
    m.elements.push_back(make(ElementKind::kImg,
                              "https://ci3.googleusercontent.com/proxy/AbC" + std::to_string(i) +
                                  "=s0-d-e1-ft#https://img.shop.example/2024/11/product-" + std::to_string(i) + ".jpg",
                              280, 280));
  }
  for (int i = 0; i < 6; ++i) {
    m.elements.push_back(
        make(ElementKind::kImg, "https://cdn.shop.example/icons/social-" + std::to_string(i) + ".png", 32, 32));
  }
  for (int i = 0; i < 30; ++i) {
    m.elements.push_back(make(
        ElementKind::kLink, "https://shop.us4.list-manage.com/track/click?u=2f0d8e1b4c&id=" + std::to_string(1000 + i) +
                                "&e=a8Fk29dLq0&url=https%3A%2F%2Fshop.example%2Fp%2F" + std::to_string(i) +
                                "%3Futm_source%3Dnewsletter%26utm_medium%3Demail"));
  }
  m.elements.push_back(make(
      ElementKind::kImg, "https://shop.us4.list-manage.com/track/open.php?u=2f0d8e1b4c&id=9a8b7c&e=a8Fk29dLq0", 1, 1));
  m.elements.push_back(make(
      ElementKind::kImg,
      "https://www.google-analytics.com/collect?v=1&tid=UA-1234-5&cid=1234567890.1700000000&t=event&ec=email&ea=open",
      1, 1));
  m.elements.push_back(
      make(ElementKind::kImg,
           "https://tlc.solution.weborama.fr/fcgi-bin/"
           "dispatch.fcgi?a.A=ev&g.cv=7f73355bf032dcbb8e5a3f51f1e4a8ba92ef1344de2d95382634cf91da6d6181",
           1, 1));
  m.elements.push_back(make(ElementKind::kCssBackground, "https://img.shop.example/bg/pattern.png"));
  m.elements.push_back(make(ElementKind::kLink, "https://shop.example/unsubscribe?e=jane.doe%40example.org"));
  m.elements.push_back(make(ElementKind::kLink, "mailto:help@shop.example"));
  for (size_t i = 0; i < m.elements.size(); ++i) m.elements[i].ref = "e" + std::to_string(i);
  return m;
}

Email big_email(size_t n) {
  Email base = typical_email();
  Email m = base;
  m.elements.clear();
  for (size_t i = 0; i < n; ++i) {
    Element e = base.elements[i % base.elements.size()];
    e.url += (e.url.find('?') == std::string::npos ? "?n=" : "&n=") + std::to_string(i);
    e.ref = "e" + std::to_string(i);
    m.elements.push_back(std::move(e));
  }
  return m;
}

void BM_ClassifyTypical(benchmark::State& state) {
  mailveil::Engine engine(shipped_list());
  Email m = typical_email();
  for (auto _ : state) {
    auto report = engine.classify(m);
    benchmark::DoNotOptimize(report);
  }
  state.counters["elements"] = static_cast<double>(m.elements.size());
}
BENCHMARK(BM_ClassifyTypical)->Unit(benchmark::kMicrosecond)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_Classify5000(benchmark::State& state) {
  mailveil::Engine engine(shipped_list());
  Email m = big_email(5000);
  for (auto _ : state) {
    auto report = engine.classify(m);
    benchmark::DoNotOptimize(report);
  }
}
BENCHMARK(BM_Classify5000)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_LoadSignatures(benchmark::State& state) {
  std::ifstream in(shipped_list_path());
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  for (auto _ : state) {
    std::string err;
    auto list = mailveil::parse_signature_list(text, &err);
    mailveil::Engine engine(list);
    benchmark::DoNotOptimize(engine);
  }
}
BENCHMARK(BM_LoadSignatures)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);

/// The typical mail as a classify request, built once.
const std::string& typical_classify_frame() {
  static const std::string frame = [] {
    Email m = typical_email();
    nlohmann::json elements = nlohmann::json::array();
    for (const auto& e : m.elements) {
      elements.push_back({{"ref", e.ref},
                          {"kind", mailveil::to_string(e.kind)},
                          {"url", e.url},
                          {"declared", {{"width", e.declared.width}, {"height", e.declared.height}}}});
    }
    nlohmann::json req = {
        {"id", 2},
        {"action", "classify"},
        {"message",
         {{"webmail", "gmail"}, {"sender", m.sender}, {"user_addresses", m.user_addresses}, {"elements", elements}}}};
    return req.dump();
  }();
  return frame;
}

void append_frame(std::string* out, const std::string& payload) {
  uint32_t n = static_cast<uint32_t>(payload.size());
  out->append(reinterpret_cast<const char*>(&n), 4);
  out->append(payload);
}

/// VmHWM of a live process, in KiB (0 if unreadable). Not the child's rusage: after posix_spawn (vfork) the
/// kernel carries the parent's peak RSS into the child's ru_maxrss.
long peak_rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::stol(line.substr(6));
  }
  return 0;
}

/// One spawned host: the time from spawning it to reading both replies, and its peak RSS.
struct ColdStart {
  double seconds = -1;  ///< negative when the host did not answer both
  long max_rss_kib = 0;
};

/// Spawns the host as Chrome does (posix_spawn, stdio pipes, the extension origin as argument), writes hello
/// and the first classify, and stops the clock when both replies have been read: process start, list load and
/// first verdict. Closing stdin and reaping the child come after the clock (the user waits for the verdict, not
/// for the exit).
ColdStart spawn_until_first_verdict() {
  ColdStart result;
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  static const std::string home = "MAILVEIL_HOME=/tmp/mailveil-bench-home";
  static const std::string signatures = "MAILVEIL_SIGNATURES=" + shipped_list_path();
  char* const envp[] = {const_cast<char*>(home.c_str()), const_cast<char*>(signatures.c_str()), nullptr};
  char* const argv[] = {const_cast<char*>(MAILVEIL_HOST_BINARY),
                        const_cast<char*>("chrome-extension://celkdkpfmogfmihpiofdidjkhbcliejm/"), nullptr};
  std::string frames;
  append_frame(&frames, R"({"id":1,"action":"hello","protocol":1})");
  append_frame(&frames, typical_classify_frame());

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  int spawned = posix_spawn(&pid, MAILVEIL_HOST_BINARY, &actions, nullptr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  int replies = 0;
  if (spawned == 0 && write(in_pipe[1], frames.data(), frames.size()) == static_cast<ssize_t>(frames.size())) {
    std::string buf;
    char chunk[65536];
    while (replies < 2) {
      pollfd p{out_pipe[0], POLLIN, 0};
      if (poll(&p, 1, 5000) <= 0) break;
      ssize_t r = read(out_pipe[0], chunk, sizeof(chunk));
      if (r <= 0) break;
      buf.append(chunk, static_cast<size_t>(r));
      while (buf.size() >= 4) {
        uint32_t len = 0;
        std::memcpy(&len, buf.data(), 4);
        if (buf.size() < 4 + static_cast<size_t>(len)) break;
        buf.erase(0, 4 + static_cast<size_t>(len));
        ++replies;
      }
    }
  }
  const auto stop = std::chrono::steady_clock::now();
  if (spawned == 0) result.max_rss_kib = peak_rss_kib(pid);  // still alive, waiting for the next frame
  close(in_pipe[1]);                                         // EOF: the host exits
  close(out_pipe[0]);
  if (spawned != 0) return result;
  int status = 0;
  waitpid(pid, &status, 0);
  if (replies == 2) result.seconds = std::chrono::duration<double>(stop - start).count();
  return result;
}

void BM_ColdStartToFirstVerdict(benchmark::State& state) {
  long max_rss = 0;
  for (auto _ : state) {
    ColdStart run = spawn_until_first_verdict();
    if (run.seconds < 0) {
      state.SkipWithError("host did not answer hello + classify");
      break;
    }
    state.SetIterationTime(run.seconds);
    max_rss = std::max(max_rss, run.max_rss_kib);
  }
  state.counters["peak_rss_MiB"] = static_cast<double>(max_rss) / 1024.0;
}
BENCHMARK(BM_ColdStartToFirstVerdict)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(30)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
