#!/usr/bin/env bash
# The README's first command: install dependencies, build the host, install it for this user (host binary,
# signature list, native-messaging manifests for Chrome, Chromium, Edge, Brave and Firefox), pack the extension
# for both browsers, and scan a sample mail as a demo.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DMAILVEIL_BUILD_BENCH=OFF >/dev/null
cmake --build build/release -j"$(nproc)" --target mailveil-host

python3 manifests/mailveil-install.py install --host-binary build/release/native_host/mailveil-host
node tools/pack-extension.mjs

host="${XDG_DATA_HOME:-$HOME/.local}"
echo
echo "Extension packages: dist/chrome.zip, dist/firefox.zip (unpacked: dist/chrome/, dist/firefox/)."
echo
echo "Demo: scanning tests/data/samples/bouygues-style.eml"
echo "------------------------------------------------------"
build/release/native_host/mailveil-host scan tests/data/samples/bouygues-style.eml
