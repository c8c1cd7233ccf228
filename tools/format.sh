#!/usr/bin/env bash
# Formats the project's own sources: clang-format (.clang-format) for C++, Prettier (.prettierrc.json) for the
# extension's and the tests' JavaScript and CSS. Usage: tools/format.sh [--check]
#   --check  change nothing; list unformatted files and exit 1 if there are any (tools/test.sh runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
[[ "${1:-}" == "--check" ]] && check=1

mapfile -t cpp < <(git ls-files '*.cpp' '*.h' '*.cc')
js_globs=('extension/**/*.{js,mjs,css}' 'tests/extension/**/*.mjs' 'tests/e2e/**/*.mjs' 'tools/**/*.mjs')

if ((check)); then
  bad=0
  for f in "${cpp[@]}"; do
    [[ -f "$f" ]] || continue
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then echo "format: $f needs clang-format"; bad=1; fi
  done
  npx --no-install prettier --check --log-level warn "${js_globs[@]}" || bad=1
  ((bad == 0)) && echo "format: every file is formatted"
  exit "$bad"
fi
clang-format -i "${cpp[@]}"
npx --no-install prettier --write --log-level warn "${js_globs[@]}"
