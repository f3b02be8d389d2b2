#!/usr/bin/env bash
# From a fresh Debian 12 machine: install what is missing, build edgectl, scaffold a hello
# function, build it (and compile it to native code), inspect it, and serve it on
# 127.0.0.1:${DEMO_PORT:-3000} until Ctrl-C. DEMO_ONCE=1 stops after the first request.
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
PORT=${DEMO_PORT:-3000}
echo; echo "\$ edgectl build --aot   (native code in the cache: serve runs it from the first request)"
"$EDGECTL" build --aot
echo; echo "\$ edgectl serve --listen 127.0.0.1:$PORT"
"$EDGECTL" serve --listen "127.0.0.1:$PORT" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$PORT/_edgectl/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "edgectl serve did not start"; exit 1; }
  sleep 0.1
done
echo; echo "\$ curl -i http://127.0.0.1:$PORT/hello?name=edge"
curl -sS -i "http://127.0.0.1:$PORT/hello?name=edge"
if [ "${DEMO_ONCE:-0}" = 1 ]; then exit 0; fi
echo; echo "Serving on http://127.0.0.1:$PORT/ — press Ctrl-C to stop."
wait "$server"
