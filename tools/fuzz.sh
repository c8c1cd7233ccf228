#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz (docs/security.md).
#
#   tools/fuzz.sh [SECONDS] [TARGET]     fuzz each target (or one: framing, protocol, mime, url, abp,
#                                        signature_list) for SECONDS (default 300), one per core at a time
#   tools/fuzz.sh --coverage [TARGET]    line coverage of the corpora (llvm-cov), from a separate build
#
# Builds build/fuzz with clang-14 (-DMAILVEIL_FUZZ=ON: ASan + UBSan + libFuzzer; only the core and the fuzz
# targets). Each target fuzzes a working corpus build/fuzz/corpus/<target> started from the seeds in
# tests/fuzz/corpus/<target>, which this script never changes. A broken property or a sanitizer report stops the
# target: its input is saved under build/fuzz/artifacts/<target>/, and the script exits 1 once every target ran.
# The summary gives, per target, the executions, the coverage counters (cov: edges, ft: features) and the corpus.
set -euo pipefail
cd "$(dirname "$0")/.."

coverage=0
if [[ "${1:-}" == "--coverage" ]]; then
  coverage=1
  shift
fi
seconds=300
if ((!coverage)) && [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
only=${1:-}
targets=(framing protocol mime url abp signature_list)
if [[ -n "$only" ]]; then
  [[ " ${targets[*]} " == *" $only "* ]] || { echo "fuzz.sh: unknown target '$only' (${targets[*]})" >&2; exit 2; }
  targets=("$only")
fi

max_len() {
  case $1 in
    framing) echo 8192 ;;
    protocol) echo 65536 ;;
    mime) echo 131072 ;;
    url) echo 4096 ;;
    abp) echo 16384 ;;
    signature_list) echo 32768 ;;
  esac
}
dict() {
  case $1 in
    framing | protocol) echo tests/fuzz/dict/protocol.dict ;;
    *) echo "tests/fuzz/dict/$1.dict" ;;
  esac
}

configure() {  # build dir, extra CMake arguments...
  local dir=$1
  shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 \
    -DMAILVEIL_FUZZ=ON -DBUILD_TESTING=OFF -DMAILVEIL_BUILD_BENCH=OFF -DMAILVEIL_WERROR=OFF \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" "$@" >/dev/null
  cmake --build "$dir" --target fuzz-targets -j"$(nproc)"
}

if ((coverage)); then
  # Source-based coverage needs its own instrumented build; the sanitizers stay on (they do not change which
  # lines run), so the same targets and properties run.
  dir=build/fuzz-cov
  configure "$dir" -DCMAKE_CXX_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
    -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate"
  rm -rf "$dir/profiles"
  mkdir -p "$dir/profiles"
  objects=()
  for t in "${targets[@]}"; do
    corpora=("tests/fuzz/corpus/$t")
    [[ -d "build/fuzz/corpus/$t" ]] && corpora+=("build/fuzz/corpus/$t")
    LLVM_PROFILE_FILE="$dir/profiles/$t.profraw" "$dir/tests/fuzz/fuzz_$t" -runs=0 -rss_limit_mb=4096 \
      "${corpora[@]}" >/dev/null 2>&1 || { echo "fuzz.sh: fuzz_$t failed on its corpus" >&2; exit 1; }
    objects+=(-object "$dir/tests/fuzz/fuzz_$t")
  done
  llvm-profdata-14 merge -sparse "$dir"/profiles/*.profraw -o "$dir/profiles/all.profdata"
  # objects[0] is "-object": the first binary is given without it.
  llvm-cov-14 report "${objects[1]}" "${objects[@]:2}" -instr-profile="$dir/profiles/all.profdata" \
    -ignore-filename-regex='(^/usr/|tests/)' | sed "s|$PWD/||"
  exit 0
fi

configure build/fuzz
# One target per core at a time: each is single-threaded, so the smoke stage takes SECONDS per core's share.
parallel=$(nproc)
fuzz_one() {  # target: fuzzes it; its log is build/fuzz/<target>.log, a failure leaves build/fuzz/<target>.failed
  local t=$1 corpus=build/fuzz/corpus/$1 artifacts=build/fuzz/artifacts/$1
  mkdir -p "$corpus" "$artifacts"
  rm -f "build/fuzz/$t.failed"
  if ! build/fuzz/tests/fuzz/fuzz_"$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 \
    -rss_limit_mb=2048 -max_len="$(max_len "$t")" -dict="$(dict "$t")" -artifact_prefix="$artifacts/" \
    "$corpus" "tests/fuzz/corpus/$t" >"build/fuzz/$t.log" 2>&1; then
    touch "build/fuzz/$t.failed"
  fi
}
for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= parallel)); do wait -n || true; done
  echo "== fuzz_$t: ${seconds} s"
  fuzz_one "$t" &
done
wait
status=0
summary=()
for t in "${targets[@]}"; do
  log=build/fuzz/$t.log
  if [[ -e build/fuzz/$t.failed ]]; then
    status=1
    echo "fuzz_$t FAILED: input saved in build/fuzz/artifacts/$t/ (log: $log)"
    grep -E "PROPERTY VIOLATED|ERROR: AddressSanitizer|runtime error|ERROR: libFuzzer" -A3 "$log" | head -20 || true
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | grep ' cov: ' | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
  summary+=("$(printf '%-16s %12s %8s %8s %8s %12s %8s' "$t" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "${corp:-?}" "${rss:-?}")")
done
echo
printf '%-16s %12s %8s %8s %8s %12s %8s\n' target executions exec/s cov ft corpus rss_mb
printf '%s\n' "${summary[@]}"
exit "$status"
