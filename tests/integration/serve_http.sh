#!/usr/bin/env bash
# edgectl serve end to end, with curl against a real server on 127.0.0.1: routing and 404,
# the CGI mapping both ways (method, path, query, headers, body; status, headers and
# redirects from the guest), static files with ETag, HEAD, 413/431/500/504/503, a trapping
# and a looping request beside 50 healthy ones, health and Prometheus metrics, JSON logs,
# and a graceful shutdown with a request in flight.
set -euo pipefail

source "$(dirname "$0")/lib/serve.sh"
serve_prologue clang-19 curl python3

expect_eq() { [[ "$1" == "$2" ]] || fail "$3: expected '$1', got '$2'"; }
expect_in() { [[ "$2" == *"$1"* ]] || fail "expected '$1' in:"$'\n'"$2"; }

cat > app.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static const char* env(const char* k) { const char* v = getenv(k); return v ? v : ""; }
int main(void) {
  const char* p = env("PATH_INFO");
  if (!strcmp(p, "/status")) { printf("Status: 201 Created\nX-Custom: yes\n\nmade"); return 0; }
  if (!strcmp(p, "/redirect")) { printf("Location: /elsewhere\n\n"); return 0; }
  if (!strcmp(p, "/trap")) __builtin_trap();
  if (!strcmp(p, "/loop")) { for (volatile int i = 0;; ++i) {} }
  if (!strcmp(p, "/exit3")) return 3;
  if (!strcmp(p, "/peer")) {
    printf("Content-Type: text/plain\n\nuri=%s addr=%s port=%s", env("REQUEST_URI"), env("REMOTE_ADDR"), env("REMOTE_PORT"));
    return 0;
  }
  if (!strcmp(p, "/bad")) { printf("no header block here"); return 0; }
  /* Well inside the 1 s time limit: the shutdown test needs it in flight, not timed out. */
  if (!strcmp(p, "/slow")) { usleep(600 * 1000); printf("Content-Type: text/plain\n\nslow done\n"); return 0; }
  char body[4096]; size_t n = fread(body, 1, sizeof body - 1, stdin); body[n] = 0;
  printf("Content-Type: text/plain\n\n");
  printf("method=%s script=%s path=%s query=%s x=%s route=%s body=%s\n", env("REQUEST_METHOD"),
         env("SCRIPT_NAME"), p, env("QUERY_STRING"), env("HTTP_X_TEST"), env("X_MATCHED_ROUTE"), body);
  fprintf(stderr, "handled %s\n", p);
  return 0;
}
EOF
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 app.c -o app.wasm
mkdir -p public
printf '<h1>hi</h1>\n' > public/index.html
cat > edgectl.toml <<'EOF'
[app]
name = "servetest"

[[component]]
id = "app"
source = "app.wasm"

[[route]]
path = "/api/..."
component = "app"

[[route]]
path = "/exact"
component = "app"

[[route]]
path = "/static/..."
static = "public"
EOF

start_server --engine interp --timeout 1s --max-body 1KiB --max-header 4KiB --json
expect_in '"event":"listening"' "$(head -1 "$work/log.txt")"

# Routing, the CGI environment and the body.
out=$(curl -sS -X POST -H 'X-Test: hello' --data 'payload' "$base/api/items?id=3")
expect_eq "method=POST script=/api path=/items query=id=3 x=hello route=/api/... body=payload" "$out" "echo"
out=$(curl -sS "$base/exact")
expect_in "script=/exact path= " "$out"
expect_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' "$base/nowhere")" "unrouted path"
# REQUEST_URI is the target as sent; REMOTE_ADDR and REMOTE_PORT are the client's (curl's).
out=$(curl -sS -w ' local=%{local_port}' "$base/api/peer?q=1&r=a%20b")
[[ $out =~ ^uri=/api/peer\?q=1\&r=a%20b\ addr=127\.0\.0\.1\ port=([0-9]+)\ local=([0-9]+)$ ]] ||
  fail "REQUEST_URI/REMOTE_*: $out"
expect_eq "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}" "REMOTE_PORT is the client's port"
# Status and headers from the guest; Location alone is a redirect.
headers=$(curl -sS -D - -o "$work/body.txt" "$base/api/status")
expect_in "HTTP/1.1 201 Created" "$headers"
expect_in "X-Custom: yes" "$headers"
expect_eq "made" "$(cat "$work/body.txt")" "status body"
headers=$(curl -sS -D - -o /dev/null "$base/api/redirect")
expect_in "HTTP/1.1 302" "$headers"
expect_in "Location: /elsewhere" "$headers"
# HEAD: the GET's headers, no body.
headers=$(curl -sS -I "$base/api/x")
expect_in "HTTP/1.1 200" "$headers"
expect_in "Content-Length:" "$headers"
# Static files with ETag/If-None-Match.
expect_eq "<h1>hi</h1>" "$(curl -sS "$base/static/")" "static index"
etag=$(curl -sS -D - -o /dev/null "$base/static/index.html" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
[ -n "$etag" ] || fail "no ETag on a static file"
expect_eq 304 "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$base/static/index.html")" "If-None-Match"
expect_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$base/static/../app.c")" "static escape"
# Failures: each its own status, and the server keeps serving.
expect_eq 500 "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/trap")" "trap"
expect_eq 500 "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/exit3")" "exit 3"
expect_eq 500 "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/bad")" "bad CGI output"
expect_eq 504 "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/loop")" "infinite loop"
head -c 2048 /dev/zero > big.bin
expect_eq 413 "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @big.bin "$base/api/x")" "body limit"
long=$(head -c 6000 /dev/zero | tr '\0' a)
expect_eq 431 "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Long: $long" "$base/api/x")" "header limit"

# A trapping and a looping request beside 50 healthy ones: all 50 succeed.
curl -s -o /dev/null -w '%{http_code}' "$base/api/trap" > "$work/trap.code" &
trap_pid=$!
curl -s -o /dev/null -w '%{http_code}' "$base/api/loop" > "$work/loop.code" &
loop_pid=$!
codes=$(seq 50 | xargs -P 10 -I{} curl -s -o /dev/null -w '%{http_code}\n' "$base/api/ok{}")
wait "$trap_pid" "$loop_pid"
expect_eq 500 "$(cat "$work/trap.code")" "the trapping request beside them"
expect_eq 504 "$(cat "$work/loop.code")" "the looping request beside them"
expect_eq 50 "$(grep -c '^200$' <<<"$codes")" "healthy requests beside a trap and a loop"

# Metrics in Prometheus text format, parsed for real.
curl -sS "$base/_edgectl/metrics" > metrics.txt
python3 - metrics.txt <<'EOF' || fail "metrics do not parse"
import re, sys
seen = {}
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if not line or line.startswith("# HELP") or line.startswith("# TYPE"):
        continue
    m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)', line)
    assert m, "bad line: " + line
    float(m.group(4))
    seen[m.group(1)] = seen.get(m.group(1), 0) + 1
for name in ["edgectl_requests_total", "edgectl_request_duration_seconds_bucket",
             "edgectl_traps_total", "edgectl_timeouts_total", "edgectl_instances_running",
             "edgectl_component_engine", "process_resident_memory_bytes"]:
    assert name in seen, name + " missing"
EOF
expect_in 'edgectl_timeouts_total{component="app"} 2' "$(cat metrics.txt)"
expect_in 'status="504"' "$(cat metrics.txt)"

# JSON access log lines, with the guest's stderr and the failure's cause.
python3 - "$work/log.txt" <<'EOF' || fail "access log"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
reqs = [l for l in lines if "request_id" in l]
assert any(l["path"] == "/api/items" and l["status"] == 200 and "handled /items" in l.get("stderr", "") for l in reqs), reqs[:3]
assert any(l["status"] == 504 and "timeout" in l.get("error", "") for l in reqs)
assert any(l["status"] == 500 and "unreachable" in l.get("error", "") for l in reqs)
assert all(l["request_id"] for l in reqs)
# A component request names the module (sha256) and the engine that ran it.
guest = [l for l in reqs if l.get("component") == "app" and l["status"] == 200]
assert guest and all(len(l["module_sha256"]) == 64 and l["engine"] for l in guest), guest[:2]
EOF

# Graceful shutdown: a request in flight finishes, then the server exits 0.
curl -sS "$base/api/slow" > slow.txt &
curl_pid=$!
sleep 0.3
kill -TERM "$server_pid"
wait "$curl_pid" || fail "the request in flight failed during shutdown"
expect_eq "slow done" "$(cat slow.txt)" "in-flight response"
status=0
wait "$server_pid" || status=$?
server_pid=
expect_eq 0 "$status" "exit status after SIGTERM"

# A dual-stack listener ([::]) sees an IPv4 client as ::ffff:127.0.0.1; the guest gets
# REMOTE_ADDR=127.0.0.1. Skipped where IPv6 is off.
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::", 0))' 2>/dev/null; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  "$EDGECTL" serve --listen "[::]:$port" --engine interp >"$work/log6.txt" 2>"$work/err6.txt" &
  server_pid=$!
  for _ in $(seq 200); do
    curl -fsS "$base/_edgectl/health" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || fail "serve on [::] exited: $(cat "$work/err6.txt")"
    sleep 0.05
  done
  expect_in "addr=127.0.0.1 port=" "$(curl -sS "$base/api/peer")"
  kill "$server_pid"
  wait "$server_pid" || true
  server_pid=
fi
echo "serve_http: ok"
