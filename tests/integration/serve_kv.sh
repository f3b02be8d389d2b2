#!/usr/bin/env bash
# The edgectl host API behind edgectl serve, with a C handler built from the http-c template
# and the shipped binding (src/edgectl.h):
#   - the stock test: a stock of 500, 1,000 concurrent purchases → exactly 500 sold, 500
#     sold out, stock 0 (SQLite, then --kv memory);
#   - the data survives a server restart (SQLite);
#   - an undeclared store is refused; outbound HTTP reaches an allowed local server and is
#     refused (403 to the guest, a log line for the user) for another host;
#   - a guest's log line lands in the server log with its component and request id.
set -euo pipefail
: "${EDGECTL:?set EDGECTL to the edgectl binary}"
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/lib" && pwd)
# shellcheck source=lib/serve.sh
source "$LIB/serve.sh"
# shellcheck source=lib/kv_shop.sh
source "$LIB/kv_shop.sh"
serve_prologue clang-19 python3 curl
upstream_pid=
trap 'serve_cleanup; [ -n "$upstream_pid" ] && kill "$upstream_pid" 2>/dev/null; true' EXIT

# A local server for outbound calls (lib/delay_server.py), on its own free port.
python3 "$LIB/delay_server.py" --lifetime 300 > upstream.txt &
upstream_pid=$!
for _ in $(seq 50); do grep -q '^port ' upstream.txt 2>/dev/null && break; sleep 0.1; done
upstream_port=$(sed -n 's/^port //p' upstream.txt)
[ -n "$upstream_port" ] || fail "the upstream test server did not start"

make_shop "$upstream_port"

start_server
[ "$(curl -fsS "$base/seed?500")" = 500 ] || fail "seed"
grep -q 'log info shop .*: stock seeded' "$work/log.txt" || fail "the guest's log line: $(cat "$work/log.txt")"
result=$(buy_all "$base")
[ "$result" = "500 500 0" ] || fail "stock test on SQLite: $result (sold, sold out, other)"
[ "$(curl -fsS "$base/stock")" = 0 ] || fail "final stock: $(curl -sS "$base/stock")"
[ -f .edgectl/kv/default.db ] || fail "no SQLite file in .edgectl/kv"

# Capabilities: an undeclared store, an undeclared outbound host; an allowed one works.
[ "$(curl -fsS "$base/other-store")" = 3 ] || fail "an undeclared store was not denied"
grep -q "refused key-value store 'secrets'" "$work/log.txt" || fail "no log line for the refused store"
body=$(curl -fsS "$base/fetch/$upstream_port") || fail "outbound to the allowed host failed"
[ "$body" = "upstream said 200 ok" ] || fail "outbound: $body"
other_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/fetch/$other_port")
[ "$code" = 403 ] || fail "outbound to an undeclared port answered $code"
grep -q "refused outbound request to http://127.0.0.1:$other_port" "$work/log.txt" || fail "no log line for the refused host"

# The data survives a restart (SQLite): the counter of sold items is still there.
kill "$server_pid"; wait "$server_pid" || true; server_pid=
start_server
[ "$(curl -fsS "$base/stock")" = 0 ] || fail "stock after restart"
curl -fsS "$base/seed?3" >/dev/null
[ "$(buy_all "$base")" = "3 997 0" ] || fail "after restart"

# edgectl kv reads and seeds the same store while the server runs.
[ "$("$EDGECTL" kv get stock)" = 0 ] || fail "kv get stock: $("$EDGECTL" kv get stock 2>&1)"
"$EDGECTL" kv set stock 5 || fail "kv set"
[ "$(buy_all "$base")" = "5 995 0" ] || fail "after kv set"
[ "$("$EDGECTL" kv list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["keys"])')" = "['sold', 'stock']" ] ||
  fail "kv list: $("$EDGECTL" kv list 2>&1)"
[ "$("$EDGECTL" kv increment sold 0)" = 508 ] || fail "kv increment: $("$EDGECTL" kv increment sold 0 2>&1)"
"$EDGECTL" kv delete sold
"$EDGECTL" kv get sold 2>kverr.txt && fail "kv get of a deleted key succeeded"
grep -q "no key 'sold'" kverr.txt || fail "kv get missing: $(cat kverr.txt)"
"$EDGECTL" kv get x --store nosuch 2>kverr.txt && fail "kv get in a missing store succeeded"
grep -q "no store 'nosuch' yet" kverr.txt || fail "kv missing store: $(cat kverr.txt)"
kill "$server_pid"; wait "$server_pid" || true; server_pid=

# The same with --kv memory: nothing written to disk, the counts still exact.
rm -rf .edgectl/kv
start_server --kv memory
curl -fsS "$base/seed?500" >/dev/null
result=$(buy_all "$base")
[ "$result" = "500 500 0" ] || fail "stock test in memory: $result (sold, sold out, other)"
[ ! -e .edgectl/kv ] || fail "--kv memory wrote .edgectl/kv"
echo "ok: serve_kv"
