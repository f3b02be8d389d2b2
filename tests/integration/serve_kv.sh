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
serve_prologue clang-19 python3 curl
upstream_pid=
trap 'serve_cleanup; [ -n "$upstream_pid" ] && kill "$upstream_pid" 2>/dev/null; true' EXIT

# A local server for outbound calls (lib/delay_server.py), on its own free port.
python3 "$LIB/delay_server.py" --lifetime 300 > upstream.txt &
upstream_pid=$!
for _ in $(seq 50); do grep -q '^port ' upstream.txt 2>/dev/null && break; sleep 0.1; done
upstream_port=$(sed -n 's/^port //p' upstream.txt)
[ -n "$upstream_port" ] || fail "the upstream test server did not start"

"$EDGECTL" new http-c shop >/dev/null
cd shop
[ -f src/edgectl.h ] || fail "the http-c template did not ship src/edgectl.h"
python3 - edgectl.toml "$upstream_port" <<'PY'
import sys
path, port = sys.argv[1], sys.argv[2]
text = open(path).read()
grants = 'allowed_outbound_hosts = ["http://127.0.0.1:%s"]\n' % port
if 'key_value_stores' not in text:  # the template declares "default" for its visit counter
    grants = 'key_value_stores = ["default"]\n' + grants
text = text.replace('[component.build]', grants + '\n[component.build]', 1)
open(path, "w").write(text)
PY
cat > src/main.c <<'EOF'
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "edgectl.h"

static const char* env(const char* name) { const char* v = getenv(name); return v ? v : ""; }

static int reply(int status, const char* text) {
  printf("Status: %d\nContent-Type: text/plain\n\n%s\n", status, text);
  return 0;
}

int main(void) {
  const char* path = env("PATH_INFO");
  uint32_t kv;
  if (strcmp(path, "/other-store") == 0) {
    char code[8];
    snprintf(code, sizeof code, "%d", edgectl_kv_open_str("secrets", &kv));
    return reply(200, code);
  }
  if (edgectl_kv_open_str("default", &kv) != EDGECTL_OK) return reply(500, "cannot open the store");
  if (strcmp(path, "/seed") == 0) {
    const char* n = env("QUERY_STRING");
    edgectl_kv_set(kv, "stock", 5, n, strlen(n));
    edgectl_log_str(EDGECTL_INFO, "stock seeded");
    return reply(200, n);
  }
  if (strcmp(path, "/buy") == 0) {
    int64_t left = 0;
    if (edgectl_kv_increment_str(kv, "stock", -1, &left) != EDGECTL_OK) return reply(500, "increment failed");
    if (left < 0) {
      edgectl_kv_increment_str(kv, "stock", 1, &left);  /* give it back: sold out */
      return reply(409, "sold out");
    }
    edgectl_kv_increment_str(kv, "sold", 1, &left);
    return reply(200, "bought");
  }
  if (strcmp(path, "/stock") == 0) {
    char buf[32];
    uint32_t len = 0;
    int rc = edgectl_kv_get(kv, "stock", 5, buf, sizeof buf - 1, &len);
    if (rc != EDGECTL_OK) return reply(404, "no stock");
    buf[len] = 0;
    return reply(200, buf);
  }
  if (strncmp(path, "/fetch/", 7) == 0) {
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%s/delay/1", path + 7);
    uint32_t resp, status = 0, len = 0;
    int rc = edgectl_http_request("GET", 3, url, strlen(url), "X-From: guest\n", 14, "", 0, &resp);
    if (rc == EDGECTL_DENIED) return reply(403, "denied");
    if (rc != EDGECTL_OK) return reply(502, "outbound failed");
    char body[64];
    edgectl_http_response_status(resp, &status);
    edgectl_http_response_body(resp, body, sizeof body - 1, &len);
    body[len] = 0;
    char out[128];
    snprintf(out, sizeof out, "upstream said %u %s", status, body);
    return reply(200, out);
  }
  return reply(404, "no such path");
}
EOF
"$EDGECTL" build >/dev/null 2>build.txt || fail "build: $(cat build.txt)"

# 1,000 purchases from 100 threads at once; prints "200 409" counts.
buy_all() {
  python3 - "$base" <<'PY'
import sys, urllib.request, urllib.error
from concurrent.futures import ThreadPoolExecutor
base = sys.argv[1]
def buy(_):
    try:
        with urllib.request.urlopen(urllib.request.Request(base + "/buy", method="POST"), timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
with ThreadPoolExecutor(100) as pool:
    codes = list(pool.map(buy, range(1000)))
print(codes.count(200), codes.count(409), len(codes) - codes.count(200) - codes.count(409))
PY
}

start_server
[ "$(curl -fsS "$base/seed?500")" = 500 ] || fail "seed"
grep -q 'log info shop .*: stock seeded' "$work/log.txt" || fail "the guest's log line: $(cat "$work/log.txt")"
[ "$(buy_all)" = "500 500 0" ] || fail "stock test on SQLite: $(buy_all)"
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
[ "$(buy_all)" = "3 997 0" ] || fail "after restart"

# edgectl kv reads and seeds the same store while the server runs.
[ "$("$EDGECTL" kv get stock)" = 0 ] || fail "kv get stock: $("$EDGECTL" kv get stock 2>&1)"
"$EDGECTL" kv set stock 5 || fail "kv set"
[ "$(buy_all)" = "5 995 0" ] || fail "after kv set"
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
[ "$(buy_all)" = "500 500 0" ] || fail "stock test in memory: $(buy_all)"
[ ! -e .edgectl/kv ] || fail "--kv memory wrote .edgectl/kv"
echo "ok: serve_kv"
