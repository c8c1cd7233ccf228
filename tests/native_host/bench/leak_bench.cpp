// Google Benchmark targets for the leak detector's cost (issue 12, finding 2): it must stay linear in the URL and
// in the addresses watched.
//   BM_LeakDetectorBuild/N   build a detector for N addresses (every hash and encoding of each)
//   BM_LeakScanHexUrls/N     find() over 200 URLs of 4 KiB of hex (the worst case: every byte is in a hex and a
//                            base64 run) with N addresses watched
// Run: build/tests/mailveil_bench --benchmark_filter=Leak
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "leak_detector.h"
#include "url.h"

namespace {

std::vector<std::string> addresses(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back("reader" + std::to_string(i) + "@example.org");
  return out;
}

void BM_LeakDetectorBuild(benchmark::State& state) {
  const auto list = addresses(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    mailveil::LeakDetector d(list);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_LeakDetectorBuild)->Arg(1)->Arg(10)->Arg(100)->Unit(benchmark::kMicrosecond);

void BM_LeakScanHexUrls(benchmark::State& state) {
  const mailveil::LeakDetector d(addresses(static_cast<size_t>(state.range(0))));
  std::vector<mailveil::Url> urls;
  for (int i = 0; i < 200; ++i) {
    std::string hex;
    for (int k = 0; k < 4096; ++k) hex.push_back("0123456789abcdef"[(k * 7 + i) % 16]);
    urls.push_back(*mailveil::parse_url("https://t.example/o/" + hex + ".gif?u=" + hex.substr(0, 512)));
  }
  for (auto _ : state) {
    size_t found = 0;
    for (const auto& u : urls) found += d.find(u).size();
    benchmark::DoNotOptimize(found);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 200 * (4096 + 512));
}
BENCHMARK(BM_LeakScanHexUrls)->Arg(1)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

}  // namespace
