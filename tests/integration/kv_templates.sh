#!/usr/bin/env bash
# The templates that use the edgectl host API, scaffolded with `edgectl new`, built with
# their real toolchain and served:
#   - kv-stock-go: a stock of 500, 1,000 concurrent POST /orders from 100 threads → exactly
#     500 201s and 500 409s, then GET /stock → {"stock":0};
#   - each http-* template with a visit counter: GET /visits twice → "visits: 1", then
#     "visits: 2", and the greeting still answers other paths.
# A template whose toolchain is missing is skipped with a note (as lib/build_template.sh
# does); the whole test exits 77 when none could run.
set -euo pipefail
: "${EDGECTL:?set EDGECTL to the edgectl binary}"
[[ $EDGECTL == */* ]] && EDGECTL=$(realpath "$EDGECTL")  # the test changes folder
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/lib" && pwd)
export PATH="${EDGECTL_SOURCE_DIR:-.}/.cache/tools/bin:/usr/lib/go-1.23/bin:$PATH"
# shellcheck source=lib/serve.sh
source "$LIB/serve.sh"
serve_prologue python3 curl
top=$work
ran=()
skipped=()

# Why TEMPLATE cannot be built here, or nothing when it can.
missing_toolchain() {
  case $1 in
    http-c) command -v clang-19 >/dev/null && [ -d /usr/include/wasm32-wasi ] || echo "clang-19 and wasi-libc are not installed";;
    http-go | kv-stock-go) command -v go >/dev/null || echo "Go >= 1.21 is not installed (golang-1.23-go from bookworm-backports)";;
    http-assemblyscript) command -v asc >/dev/null || echo "asc is not installed (npm install assemblyscript)";;
    http-rust)
      local sysroot found=""
      sysroot=$(rustc --print sysroot 2>/dev/null || true)
      for d in /usr/lib/rustlib/wasm32-wasi "$sysroot"/lib/rustlib/wasm32-wasi*; do [ -d "$d" ] && found=1; done
      [ -n "$found" ] || echo "rustc with the wasm32-wasi target is not installed (rustc + libstd-rust-dev-wasm32)";;
  esac
}

# build_and_serve TEMPLATE [SERVE-ARGS...]: scaffolds TEMPLATE into $top/TEMPLATE/app,
# builds it and serves it on a fresh port; returns 1 (after a note) when its toolchain is
# missing.
build_and_serve() {
  local why
  why=$(missing_toolchain "$1")
  if [ -n "$why" ]; then
    echo "skip: $1: $why"
    skipped+=("$1")
    return 1
  fi
  # Called as an `if` condition, where set -e does not apply: every step checks itself.
  mkdir "$top/$1" && cd "$top/$1" || fail "$1: cannot make its folder"
  "$EDGECTL" new "$1" app >"$top/new.txt" 2>&1 || fail "$1: edgectl new: $(cat "$top/new.txt")"
  cd app || fail "$1: edgectl new made no app folder"
  grep -q '^key_value_stores = \["default"\]$' edgectl.toml || fail "$1: edgectl.toml does not declare the store"
  "$EDGECTL" build >"$top/build.txt" 2>&1 || fail "$1: build: $(cat "$top/build.txt")"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  start_server "${@:2}"
  ran+=("$1")
}
# --- kv-stock-go: the stock test. 100 instances at once, one per client thread: beyond
# --max-concurrent (64 by default) the server answers 503 without running the order.
if build_and_serve kv-stock-go --max-concurrent 100; then
  [ "$(curl -fsS -X PUT "$base/stock?n=500")" = '{"stock":500}' ] || fail "kv-stock-go: seeding the stock"
  [ "$(curl -fsS "$base/stock")" = '{"stock":500}' ] || fail "kv-stock-go: GET /stock after seeding"
  curl -sS -D "$top/headers.txt" -o /dev/null "$base/stock"
  grep -qi '^content-type: application/json' "$top/headers.txt" || fail "kv-stock-go: not JSON: $(cat "$top/headers.txt")"
  # 1,000 orders from 100 threads at once; prints the counts of 201, 409 and anything else,
  # and checks each answer's body.
  counts=$(python3 - "$base" <<'PY'
import json, sys, urllib.request, urllib.error
from concurrent.futures import ThreadPoolExecutor
base = sys.argv[1]
def order(_):
    try:
        with urllib.request.urlopen(urllib.request.Request(base + "/orders", method="POST"), timeout=60) as r:
            body = json.loads(r.read())
            assert r.status == 201 and body["ok"] is True and 0 <= body["left"] < 500, (r.status, body)
            return r.status, body["left"]
    except urllib.error.HTTPError as e:
        body = e.read()
        if e.code != 409:
            return e.code, body
        assert json.loads(body) == {"error": "sold out"}, (e.code, body)
        return e.code, None
with ThreadPoolExecutor(100) as pool:
    results = list(pool.map(order, range(1000)))
codes = [c for c, _ in results]
others = [(c, b) for c, b in results if c not in (201, 409)]
assert not others, "%d answers neither 201 nor 409, e.g. %s" % (len(others), others[:3])
lefts = sorted(left for c, left in results if c == 201)
# Each successful order saw a different stock level: 499 down to 0, once each.
assert lefts == list(range(500)), "201s left %s" % lefts[:10]
print(codes.count(201), codes.count(409), len(codes) - codes.count(201) - codes.count(409))
PY
) 2>&1 || fail "kv-stock-go: the orders: $counts"
  [ "$counts" = "500 500 0" ] || fail "kv-stock-go: 201/409/other counts: $counts (want 500 500 0)"
  [ "$(curl -fsS "$base/stock")" = '{"stock":0}' ] || fail "kv-stock-go: final stock: $(curl -sS "$base/stock")"
  # One more order, a quantity, bad input, a wrong method.
  code=$(curl -s -o "$top/body.txt" -w '%{http_code}' -X POST "$base/orders")
  [ "$code" = 409 ] && [ "$(cat "$top/body.txt")" = '{"error":"sold out"}' ] || fail "kv-stock-go: an order on 0: $code $(cat "$top/body.txt")"
  curl -fsS -X PUT "$base/stock?n=5" >/dev/null
  [ "$(curl -sS -X POST "$base/orders?qty=3")" = '{"ok":true,"left":2}' ] || fail "kv-stock-go: qty=3"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/orders?qty=3")" = 409 ] || fail "kv-stock-go: qty=3 of 2"
  [ "$(curl -fsS "$base/stock")" = '{"stock":2}' ] || fail "kv-stock-go: the refused quantity was not given back"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/orders?qty=0")" = 400 ] || fail "kv-stock-go: qty=0"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$base/stock?n=-1")" = 400 ] || fail "kv-stock-go: n=-1"
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/orders")" = 405 ] || fail "kv-stock-go: GET /orders"
  [ -f .edgectl/kv/default.db ] || fail "kv-stock-go: no SQLite file in .edgectl/kv"
  stop_server
  echo "ok: kv-stock-go (500 sold, 500 sold out)"
fi

# --- the visit counter of each http-* template
for tpl in http-c http-rust http-go http-assemblyscript; do
  build_and_serve "$tpl" || continue
  [ "$(curl -fsS "$base/visits")" = "visits: 1" ] || fail "$tpl: first visit: $(curl -sS "$base/visits")"
  [ "$(curl -fsS "$base/visits")" = "visits: 2" ] || fail "$tpl: second visit"
  body=$(curl -fsS "$base/somewhere?x=1")
  [[ $body == "Hello from app!"* ]] || fail "$tpl: the greeting changed: $body"
  [[ $body == *"path:   /somewhere"* ]] || fail "$tpl: the greeting lost the path: $body"
  stop_server
  echo "ok: $tpl (visits: 1, visits: 2)"
done

if [ ${#ran[@]} -eq 0 ]; then
  echo "skip: no toolchain for any of ${skipped[*]}"
  exit 77
fi
echo "ok: kv_templates (${ran[*]}${skipped[*]:+; skipped ${skipped[*]}})"
