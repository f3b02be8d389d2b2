#!/usr/bin/env bash
# edgectl serve's per-component concurrency limit (the manifest's max_concurrent): a burst of quick requests queues briefly
# and succeeds; a request that cannot get a slot in time gets 503 with Retry-After.
set -euo pipefail

source "$(dirname "$0")/lib/serve.sh"
serve_prologue clang-19 curl python3

cat > app.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(void) {
  const char* p = getenv("PATH_INFO");
  if (p && !strcmp(p, "/slow")) sleep(1);
  printf("Content-Type: text/plain\n\ndone");
  return 0;
}
C
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 app.c -o app.wasm
cat > edgectl.toml <<'TOML'
[app]
name = "limits"

[[component]]
id = "app"
source = "app.wasm"
max_concurrent = 1   # the component's own limit wins over --max-concurrent

[[route]]
path = "/..."
component = "app"
TOML
start_server --engine interp --max-concurrent 50 --log-file "$work/access.log"

# 8 quick requests at once through one slot: they queue (up to 100 ms each) and all succeed.
codes=$(seq 8 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' "$base/quick{}")
[ "$(grep -c '^200$' <<<"$codes")" = 8 ] || fail "a burst through one slot: $codes"

# The slot held for a second: the next request waits 100 ms, then 503 with Retry-After.
curl -s -o slow.txt "$base/slow" &
slow_pid=$!
sleep 0.3
headers=$(curl -s -D - -o /dev/null "$base/other")
[[ $headers == *"HTTP/1.1 503"* ]] || fail "expected 503 while the slot is held:"$'\n'"$headers"
[[ $headers == *"Retry-After: 1"* ]] || fail "no Retry-After on the 503"
wait "$slow_pid"
[ "$(cat slow.txt)" = "done" ] || fail "the slow request"
[ "$(curl -s "$base/after")" = "done" ] || fail "the slot was not released"
metrics=$(curl -s "$base/_edgectl/metrics")
[[ $metrics == *'edgectl_limit_hits_total{limit="concurrency"} 1'* ]] || fail "limit hit not counted"
# --log-file: the access log went there, one line per request, the 503 with its cause.
[ "$(grep -c ' GET /quick' access.log)" = 8 ] || fail "access.log has not one line per request"
grep -q ' GET /other 503 .*concurrency limit' access.log || fail "the 503 is not logged with its cause"
echo "serve_limits: ok"
