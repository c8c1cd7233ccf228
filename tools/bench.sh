#!/usr/bin/env bash
# The host's performance figures (issues #2 and #11), side by side in one run:
#
#  1. mailveil_startup_bench (tests/native_host/bench/startup_bench.cpp): spawn -> first verdict for the floor
#     program (tests/native_host/bench/floor_host.cpp: reads a frame, writes a reply) and the host, with the
#     bundled list and with EasyPrivacy imported, in interleaved rounds, as ratios to the floor within each round;
#     the first request in a fresh host apart from the steady state; the in-process first classify; requests over
#     the open port; the first start ever (no compiled cache). Real mails from the dev corpus, picked by element
#     count, JSON in and out.
#  2. With BASE_REV (a commit, e.g. HEAD~1 or main), the host built at that commit runs in the same rounds, so
#     that "before" and "after" are read from one run.
#  3. mailveil_bench (Google Benchmark, in process): classify a synthetic 60-element and 5,000-element mail, load
#     the shipped list.
#
#   tools/bench.sh                     # all of the above
#   BASE_REV=HEAD~1 tools/bench.sh     # and the host of HEAD~1 in the same rounds
#
# Environment: SHARED (default $REPO/../shared: corpus/dev and bench/easyprivacy.txt, read in place, never
# copied), ROUNDS (default 15), BUILD_DIR (default build/bench), JOBS (default 2). Extra arguments go to
# mailveil_bench (e.g. --benchmark_filter=Typical).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
# shellcheck source=tools/bench-common.sh
. "$REPO/tools/bench-common.sh"
ROUNDS="${ROUNDS:-15}"

echo "== building (Release) in $BUILD_DIR" >&2
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DMAILVEIL_BUILD_BENCH=ON "${launcher[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" --target mailveil_bench mailveil_startup_bench bench_floor mailveil-host >/dev/null

base_args=()
if [ -n "${BASE_REV:-}" ]; then
  build_base_host "$BASE_REV"
  base_args=(--base-host "$base_src/build/native_host/mailveil-host" --base-label "host at $base_rev")
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "== start-up and first request ($ROUNDS interleaved rounds)" >&2
echo "host: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- native_host || echo ' + uncommitted changes')"
"$BUILD_DIR/tests/mailveil_startup_bench" --host "$BUILD_DIR/native_host/mailveil-host" \
  --floor "$BUILD_DIR/tests/bench_floor" --signatures "$REPO/signatures/trackers.json" --work "$work" \
  --corpus "$SHARED/corpus/dev" --easyprivacy "$SHARED/bench/easyprivacy.txt" --rounds "$ROUNDS" "${base_args[@]}"

echo
echo "== in-process micro-benchmarks (Google Benchmark; synthetic mails)" >&2
"$BUILD_DIR/tests/mailveil_bench" --benchmark_counters_tabular=true \
  --benchmark_filter='BM_Classify|BM_Load' "$@"
