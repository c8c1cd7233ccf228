#!/usr/bin/env bash
# Throughput of `mailveil-host scan` (issues #9 and #14), side by side in one run: the host of this tree and the
# host of BASE_REV (default e5bc93b, the commit both issues measured against), each with its own bundled list,
# scan the same mails in interleaved rounds. Each round runs, in this order:
#   base, new, new-jobs-1     the list named with --signatures (compiled from its JSON at every run)
#   base-default, new-default `scan DIR` as a user runs it: the list of a fresh signature store (MAILVEIL_HOME, one
#                             per host, warmed by an untimed first run), which for this tree is its compiled cache
# Prints the median wall and CPU (user + sys) times, their spread, and the ratios of mails per second against the
# base run of the same kind.
#
#   tools/bench-scan.sh                       # 10 rounds over ../shared/corpus/dev
#   ROUNDS=20 BASE_REV=HEAD~1 tools/bench-scan.sh
#
# Wall time is what a user waits for; the scan uses one thread per core (at most four), the base one
# thread, so on a loaded machine the wall ratio falls towards the CPU ratio. Run it on a quiet machine and read
# both. Environment: SHARED (default $REPO/../shared), CORPUS (default $SHARED/corpus/dev), ROUNDS (default 10),
# BASE_REV, BUILD_DIR (default build/bench), JOBS (build parallelism, default 2).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
# shellcheck source=tools/bench-common.sh
. "$REPO/tools/bench-common.sh"
CORPUS="${CORPUS:-$SHARED/corpus/dev}"
ROUNDS="${ROUNDS:-10}"
BASE_REV="${BASE_REV:-e5bc93b}"

echo "== building (Release) in $BUILD_DIR" >&2
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" --target mailveil-host >/dev/null
build_base_host "$BASE_REV"

new_host="$BUILD_DIR/native_host/mailveil-host"
base_host="$base_src/build/native_host/mailveil-host"
mails="$(find "$CORPUS" -type f \( -name '*.eml' -o -name '*.mbox' \) | wc -l)"
times="$(mktemp)"
homes="$(mktemp -d)"
trap 'rm -rf "$times" "$times.one" "$homes"' EXIT
mkdir "$homes/base" "$homes/new"
TIMEFORMAT='%R %U %S'
run() {  # label host [args...]
  local label="$1" host="$2"
  shift 2
  { time "$host" scan --json "$@" "$CORPUS" >/dev/null 2>&1; } 2>"$times.one"
  echo "$label $(cat "$times.one")" >>"$times"
}
MAILVEIL_HOME="$homes/base" "$base_host" scan --json "$CORPUS" >/dev/null 2>&1
MAILVEIL_HOME="$homes/new" "$new_host" scan --json "$CORPUS" >/dev/null 2>&1
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $ROUNDS interleaved rounds over $mails mails in $CORPUS" >&2
for i in $(seq "$ROUNDS"); do
  run base "$base_host" --signatures "$base_src/signatures/trackers.json"
  run new "$new_host" --signatures "$REPO/signatures/trackers.json"
  run new-jobs-1 "$new_host" --signatures "$REPO/signatures/trackers.json" --jobs 1
  MAILVEIL_HOME="$homes/base" run base-default "$base_host"
  MAILVEIL_HOME="$homes/new" run new-default "$new_host"
done

echo "base: $BASE_REV ($base_rev); new: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- native_host || echo ' + uncommitted changes'); $(nproc) cores, load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$times" "$mails" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, wall, user, system = line.split()
    rows.setdefault(label, []).append((float(wall), float(user) + float(system)))
mails = int(sys.argv[2])
print(f"{'':13} {'wall median':>12} {'wall range':>14} {'CPU median':>11} {'mails/s':>8} {'x base (wall)':>14} {'x base (CPU)':>13}")
for labels in (("base", "new", "new-jobs-1"), ("base-default", "new-default")):
    base_wall = statistics.median(w for w, _ in rows[labels[0]])
    base_cpu = statistics.median(c for _, c in rows[labels[0]])
    for label in labels:
        walls = [w for w, _ in rows[label]]
        cpus = [c for _, c in rows[label]]
        w, c = statistics.median(walls), statistics.median(cpus)
        print(f"{label:13} {w:11.3f}s {min(walls):6.3f}-{max(walls):6.3f}s {c:10.3f}s {mails / w:8.0f} "
              f"{base_wall / w:14.2f} {base_cpu / c:13.2f}")
EOF
