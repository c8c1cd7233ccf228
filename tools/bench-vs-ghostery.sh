#!/usr/bin/env bash
# MailVeil's matcher against Ghostery's @ghostery/adblocker (npm), in one run, on the same rules and the same URLs
# (issues #5 and #11, docs/evaluation.md): start-up (text to engine; compiled form to engine, against Ghostery's
# deserialise), memory, match time per URL (median, p99) and verdict agreement, with the ratio JS / C++.
# ROUNDS interleaved rounds: each round runs both engines (the order alternates) and both cold starts; a ratio is
# taken within a round and printed as its median [min-max] over the rounds.
#
#   tools/bench-vs-ghostery.sh [ours|easyprivacy|all]
#
#   ours         our signatures/trackers.json; Ghostery loads the same list exported to ABP syntax (default);
#                then the same without the /regex/ filters (our patterns export as regexes, which Ghostery cannot
#                index and tries one by one), so that the ratio is not carried by what our own export produced
#   easyprivacy  EasyPrivacy: our importer's share of it, and Ghostery the very same filters (and again without
#                /regex/ filters, if that share holds any)
#   all          both, one after the other
#
# URLs: the 20,603 requests of ../shared/bench/top500-sitelist-requests.json plus every element URL of the dev
# corpus (../shared/corpus/dev, extracted with `mailveil-host scan --json`). The data is read from ../shared at
# run time, never copied into the project. Environment: SHARED (default $REPO/../shared), BUILD_DIR (default
# $REPO/build/bench-ghostery, Release), ROUNDS (interleaved rounds, default 5), PASSES (timed passes per round,
# default 5), LOADS (timed loads, default 10), OUT_DIR (keep the intermediate files and JSON results there instead of a temporary directory).
# Needs node >= 20. Ghostery's package is installed once with `npm ci` in tools/bench-vs-ghostery (lock file
# committed); after that the script runs offline.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${SHARED:-$REPO/../shared}"
BUILD_DIR="${BUILD_DIR:-$REPO/build/bench-ghostery}"
ROUNDS="${ROUNDS:-5}"
PASSES="${PASSES:-5}"
LOADS="${LOADS:-10}"
WHICH="${1:-ours}"
NODE_DIR="$REPO/tools/bench-vs-ghostery"

case "$WHICH" in ours|easyprivacy|all) ;; *) echo "usage: $0 [ours|easyprivacy|all]" >&2; exit 2 ;; esac
for f in "$SHARED/bench/top500-sitelist-requests.json" "$SHARED/bench/easyprivacy.txt"; do
  [ -r "$f" ] || { echo "bench-vs-ghostery: $f not found (set SHARED)" >&2; exit 2; }
done
command -v node >/dev/null || { echo "bench-vs-ghostery: node is required" >&2; exit 2; }

if [ ! -d "$NODE_DIR/node_modules/@ghostery/adblocker" ]; then
  echo "== installing @ghostery/adblocker (npm ci, once)" >&2
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== building (Release) in $BUILD_DIR" >&2
cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DMAILVEIL_BUILD_BENCH=ON >/dev/null
cmake --build "$BUILD_DIR" -j"${JOBS:-2}" --target matcher_compare mailveil-host >/dev/null
TOOL="$BUILD_DIR/tests/matcher_compare"
HOST="$BUILD_DIR/native_host/mailveil-host"

if [ -n "${OUT_DIR:-}" ]; then
  WORK="$OUT_DIR"
  mkdir -p "$WORK"
else
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
fi

echo "== extracting the dev corpus URLs (mailveil-host scan --json)" >&2
status=0
"$HOST" scan --json --signatures "$REPO/signatures/trackers.json" "$SHARED/corpus/dev" >"$WORK/scan.json" || status=$?
[ "$status" -le 1 ] || { echo "bench-vs-ghostery: scan failed ($status)" >&2; exit 2; }
node "$NODE_DIR/prepare-urls.mjs" --top500 "$SHARED/bench/top500-sitelist-requests.json" \
  --scan-json "$WORK/scan.json" --out "$WORK/urls.tsv"

run_pair() {  # name, our rules option, our rules file, Ghostery's filter file, label
  local name="$1" our_opt="$2" our_rules="$3" filters="$4" label="$5"
  local ours="" theirs="" ours_cache="" theirs_cold=""
  for round in $(seq 1 "$ROUNDS"); do
    echo "== $name: round $round of $ROUNDS" >&2
    local o="$WORK/$name.r$round.ours.json" g="$WORK/$name.r$round.ghostery.json"
    local oc="$WORK/$name.r$round.ours-cache.json" gc="$WORK/$name.r$round.ghostery-cold.json"
    run_ours() {
      "$TOOL" run "$our_opt" "$our_rules" --urls "$WORK/urls.tsv" --verdicts "$WORK/$name.ours.tsv" \
        --passes "$PASSES" --loads "$LOADS" --cache "$WORK/$name.cache" >"$o"
      "$TOOL" load-cache "$WORK/$name.cache" --loads "$LOADS" >"$oc"
    }
    run_ghostery() {
      node --expose-gc "$NODE_DIR/ghostery-side.mjs" --filters "$filters" --urls "$WORK/urls.tsv" \
        --verdicts "$WORK/$name.ghostery.tsv" --passes "$PASSES" --loads "$LOADS" \
        --serialized-out "$WORK/$name.ghostery.bin" >"$g"
      node --expose-gc "$NODE_DIR/ghostery-side.mjs" --deserialize "$WORK/$name.ghostery.bin" --loads "$LOADS" >"$gc"
    }
    if [ $((round % 2)) -eq 1 ]; then run_ours; run_ghostery; else run_ghostery; run_ours; fi
    ours+="${ours:+,}$o"; theirs+="${theirs:+,}$g"; ours_cache+="${ours_cache:+,}$oc"; theirs_cold+="${theirs_cold:+,}$gc"
  done
  echo
  node "$NODE_DIR/compare.mjs" --urls "$WORK/urls.tsv" --ours "$ours" \
    --ours-verdicts "$WORK/$name.ours.tsv" --ghostery "$theirs" \
    --ghostery-verdicts "$WORK/$name.ghostery.tsv" --ours-cache "$ours_cache" --ghostery-deserialize "$theirs_cold" \
    --label "$label" --json-out "$WORK/$name.result.json"
}

# ABP reads a filter that starts and ends with '/' (before its $options) as a regular expression.
without_regexes() {  # name, filter file, label: the pair again on the filters that are not /regex/
  local name="$1" filters="$2" label="$3" kept="$WORK/$1.noregex.txt"
  grep -Ev '^(@@)?/.*/(\$[^/]*)?$' "$filters" >"$kept" || true
  local dropped=$(($(wc -l <"$filters") - $(wc -l <"$kept")))
  [ "$dropped" -gt 0 ] || { echo "($name: no /regex/ filter to leave out)"; return 0; }
  echo
  # Both engines read the same file (ours through the ABP importer, as `update --import-abp` does).
  run_pair "$name-noregex" --abp "$kept" "$kept" "$label without its $dropped /regex/ filters (both read the same file)"
}

if [ "$WHICH" = ours ] || [ "$WHICH" = all ]; then
  "$TOOL" export-abp "$REPO/signatures/trackers.json" "$WORK/mailveil.abp.txt"
  run_pair ours --list "$REPO/signatures/trackers.json" "$WORK/mailveil.abp.txt" \
    "signatures/trackers.json (Ghostery: the same list exported to ABP syntax)"
  without_regexes ours "$WORK/mailveil.abp.txt" "signatures/trackers.json exported to ABP syntax,"
fi
if [ "$WHICH" = easyprivacy ] || [ "$WHICH" = all ]; then
  [ "$WHICH" = all ] && echo
  "$TOOL" abp-subset "$SHARED/bench/easyprivacy.txt" "$WORK/easyprivacy.subset.txt"
  run_pair easyprivacy --abp "$WORK/easyprivacy.subset.txt" "$WORK/easyprivacy.subset.txt" \
    "EasyPrivacy, the filters MailVeil imports (both engines load the same file)"
  without_regexes easyprivacy "$WORK/easyprivacy.subset.txt" "EasyPrivacy, the filters MailVeil imports,"
fi
