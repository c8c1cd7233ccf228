#!/usr/bin/env bash
# Browser end-to-end tests: the test build of the extension in Debian's chromium and firefox-esr (headless,
# puppeteer-core) against the real mailveil-host. Usage: tests/run-e2e.sh
#   MAILVEIL_HOST=path        host binary (default: build/native_host/mailveil-host, then build-ext/...)
#   MAILVEIL_E2E_BROWSERS=... chromium,firefox (default both)
#   MAILVEIL_E2E_TIMEOUT=s    overall limit (default 1200: a run takes 2.5 to 6 minutes on a loaded 2-core VM)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if [ -z "${MAILVEIL_HOST:-}" ]; then
  for c in build/native_host/mailveil-host build-ext/native_host/mailveil-host; do
    if [ -x "$ROOT/$c" ]; then MAILVEIL_HOST="$ROOT/$c"; break; fi
  done
fi
if [ -z "${MAILVEIL_HOST:-}" ] || [ ! -x "$MAILVEIL_HOST" ]; then
  echo "run-e2e: mailveil-host not found; build it (cmake --build build --target mailveil-host) or set MAILVEIL_HOST" >&2
  exit 2
fi
export MAILVEIL_HOST
for bin in /usr/lib/chromium/chromium /usr/bin/firefox-esr; do
  [ -x "$bin" ] || { echo "run-e2e: $bin missing (apt-get install chromium firefox-esr)" >&2; exit 2; }
done
if [ ! -d node_modules/puppeteer-core ]; then
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

# Everything this run creates (sandboxes, browser profiles) lives under one directory, so that cleanup can
# find exactly this run's processes, by PID.
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mailveil-e2e-run-XXXXXX")
cleanup() {
  local pids=""
  for p in /proc/[0-9]*; do
    if { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -qF "$RUN_DIR"; then pids="$pids ${p#/proc/}"; fi
  done
  if [ -n "$pids" ]; then
    echo "run-e2e: stopping leftover processes:$pids" >&2
    kill $pids 2>/dev/null || true
    sleep 1
    kill -9 $pids 2>/dev/null || true
  fi
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

node tools/pack-extension.mjs --test
echo "run-e2e: host $MAILVEIL_HOST"
TMPDIR="$RUN_DIR" timeout --kill-after=10 "${MAILVEIL_E2E_TIMEOUT:-1200}" \
  node --test --test-concurrency=1 --test-reporter=spec tests/e2e/
