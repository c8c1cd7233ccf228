#!/usr/bin/env bash
# Installs everything MailVeil builds and tests with, from Debian's packages (and node from Debian when the
# machine has none). Safe to run again: apt-get skips what is there. Usage: tools/install-deps.sh [--browsers]
set -euo pipefail

packages=(build-essential cmake pkg-config python3 ca-certificates zip clang-format
          nlohmann-json3-dev rapidjson-dev libre2-dev libcurl4-openssl-dev libspdlog-dev libfmt-dev libssl-dev nettle-dev catch2 libbenchmark-dev
          libidn2-dev libpsl-dev publicsuffix libgumbo-dev libicu-dev libkainjow-mustache-dev zlib1g-dev
          clang libfuzzer-14-dev libclang-rt-14-dev llvm-14)
if [[ "${1:-}" == "--browsers" ]]; then
  packages+=(chromium firefox-esr xvfb)
fi
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "install-deps: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
