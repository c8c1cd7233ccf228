#!/usr/bin/env bash
# Prints the host's performance figures (issue #2, point 10): classify a typical ~60-element mail and a
# 5,000-element mail, load the signature list, and spawn the host as a browser does up to its first reply
# (with its peak RSS). Release build, Google Benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DMAILVEIL_BUILD_BENCH=ON >/dev/null
cmake --build build/bench -j"$(nproc)" --target mailveil_bench mailveil-host
build/bench/tests/mailveil_bench --benchmark_counters_tabular=true "$@"
