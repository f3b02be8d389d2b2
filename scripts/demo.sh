#!/usr/bin/env bash
# From a fresh Debian 12 machine: install what is missing, build edgectl, scaffold a hello
# function, build it and inspect it. (Serving on 127.0.0.1 arrives with `edgectl serve`.)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target edgectl
EDGECTL="$ROOT/build/cli/edgectl"

WORK=$(mktemp -d -t edgectl-demo-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
echo; echo "\$ edgectl new http-c hello"
"$EDGECTL" new http-c hello
cd hello
echo; echo "\$ edgectl build"
"$EDGECTL" build
echo; echo "\$ edgectl inspect hello.wasm"
"$EDGECTL" inspect hello.wasm
if "$EDGECTL" --help | grep -q '^ *serve'; then
  echo; echo "\$ edgectl serve --listen 127.0.0.1:3000   (Ctrl-C to stop)"
  exec "$EDGECTL" serve --listen 127.0.0.1:3000
fi
