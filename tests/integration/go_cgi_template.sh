#!/usr/bin/env bash
# The http-go-cgi template end to end, with Go 1.23: `edgectl new`, `edgectl build`, then
# `edgectl serve`, and curl against its http.ServeMux, run by Go's own net/http/cgi: GET /
# and GET /items/{id} answer JSON, POST /echo reads the body, unknown paths and methods get
# the mux's 404 and 405. r.RequestURI is the path and query as sent (REQUEST_URI) and
# r.RemoteAddr is 127.0.0.1 with curl's real port (REMOTE_PORT), not :0. Every check runs
# on native code: the test first waits (bounded) until /_edgectl/metrics says engine="aot".
# Slow: the Go build and -Oz take 20-40 s, the quick native tier of the 4.4 MB module
# 15-30 s more on 2 cores (a cache hit afterwards). Exits 77 without Go >= 1.22, wasm2c or
# a C compiler.
set -euo pipefail
: "${EDGECTL:?set EDGECTL to the edgectl binary}"
[[ $EDGECTL == */* ]] && EDGECTL=$(realpath "$EDGECTL")  # the test changes folder
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/lib" && pwd)
export PATH="${EDGECTL_SOURCE_DIR:-.}/.cache/tools/bin:/usr/lib/go-1.23/bin:$PATH"
# shellcheck source=lib/serve.sh
source "$LIB/serve.sh"
serve_prologue python3 curl wasm2c cc
# The mux's method and wildcard patterns need Go 1.22 (the template's go.mod says so).
go_version=$(go version 2>/dev/null || true)
[[ $go_version =~ go1\.(2[2-9]|[3-9][0-9]) ]] ||
  { echo "skip: Go >= 1.22 is not installed (golang-1.23-go from bookworm-backports): ${go_version:-no go}"; exit 77; }

"$EDGECTL" new http-go-cgi shop >new.txt 2>&1 || fail "edgectl new: $(cat new.txt)"
cd shop
grep -q 'cgi.Serve' main.go || fail "the template does not use net/http/cgi"
started=$SECONDS
"$EDGECTL" build >"$work/build.txt" 2>&1 || fail "build: $(cat "$work/build.txt")"
echo "built in $((SECONDS - started)) s"

# auto: the interpreter at once, native code (the quick tier of a large module, or the
# cache's) as soon as it is compiled. Requests until the engine metric says aot; bounded.
start_server
engine() { curl -fsS "$base/_edgectl/metrics" | grep -F 'edgectl_component_engine{component="shop"' || true; }
native=
deadline=$((SECONDS + 150))
while [ $SECONDS -lt $deadline ]; do
  curl -fsS -o /dev/null "$base/" || fail "GET / failed while waiting for native code"
  if engine | grep -qF 'engine="aot"} 1'; then native=1; break; fi
  kill -0 "$server_pid" 2>/dev/null || fail "edgectl serve exited"
  sleep 2  # each interpreted request takes a core for a while; the compile needs both
done
[ -n "$native" ] || fail "no native code within 150 s: $(engine); $(tail -5 "$work/err.txt")"
echo "native after $((SECONDS - started)) s"

# GET /: the greeting; RemoteAddr carries the port curl used (curl's %{local_port}).
curl -sS -o body.json -D headers.txt -w '%{http_code} %{local_port}' "$base/" >got.txt ||
  fail "GET /: curl failed"
read -r code client_port <got.txt || true  # no newline after curl's -w
[ "$code" = 200 ] || fail "GET /: status $code: $(cat body.json)"
grep -qi '^content-type: application/json' headers.txt || fail "GET /: not JSON: $(cat headers.txt)"
python3 - body.json "$client_port" <<'PY' || fail "GET /: $(cat body.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["message"] == "Hello from shop!", d
assert d["request_uri"] == "/", d
assert d["remote_addr"] == "127.0.0.1:" + sys.argv[2] and not d["remote_addr"].endswith(":0"), d
PY

# GET /items/{id} with a query: the path value, the decoded query, the target as sent.
target='/items/42?color=red&size=a%20b'
curl -sS -o body.json -w '%{http_code} %{local_port}' "$base$target" >got.txt || fail "GET $target: curl failed"
read -r code client_port <got.txt || true  # no newline after curl's -w
[ "$code" = 200 ] || fail "GET $target: status $code: $(cat body.json)"
python3 - body.json "$client_port" "$target" <<'PY' || fail "GET /items: $(cat body.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["id"] == "42", d
assert d["query"] == {"color": ["red"], "size": ["a b"]}, d
assert d["request_uri"] == sys.argv[3], d
assert d["remote_addr"] == "127.0.0.1:" + sys.argv[2], d
PY
# An escaped slash stays in the request URI and in the path value (PATH_INFO alone would
# have decoded it into a second segment, and the route would not match).
curl -sS -o body.json -w '%{http_code}' "$base/items/a%2Fb" >got.txt || fail "GET /items/a%2Fb: curl failed"
[ "$(cat got.txt)" = 200 ] || fail "GET /items/a%2Fb: status $(cat got.txt): $(cat body.json)"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["id"] == "a/b" and d["request_uri"] == "/items/a%2Fb", d' body.json ||
  fail "GET /items/a%2Fb: $(cat body.json)"

# POST /echo: the body through stdin, its type from CONTENT_TYPE.
curl -sS -o body.json -w '%{http_code}' -H 'Content-Type: application/json' -d '{"qty":3}' \
  "$base/echo?dry=1" >got.txt || fail "POST /echo: curl failed"
[ "$(cat got.txt)" = 200 ] || fail "POST /echo: status $(cat got.txt): $(cat body.json)"
python3 - body.json <<'PY' || fail "POST /echo: $(cat body.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["body"] == '{"qty":3}' and d["bytes"] == 9, d
assert d["content_type"] == "application/json" and d["request_uri"] == "/echo?dry=1", d
assert d["remote_addr"].startswith("127.0.0.1:") and not d["remote_addr"].endswith(":0"), d
PY

# The mux's own answers: 404 for an unknown path, 405 with Allow for a wrong method.
[ "$(curl -sS -o /dev/null -w '%{http_code}' "$base/nope")" = 404 ] || fail "GET /nope is not a 404"
curl -sS -o /dev/null -D headers.txt -w '%{http_code}' "$base/echo" >got.txt || fail "GET /echo: curl failed"
[ "$(cat got.txt)" = 405 ] || fail "GET /echo: status $(cat got.txt), want 405"
grep -qi '^allow: POST' headers.txt || fail "GET /echo: no Allow: POST: $(cat headers.txt)"

# Natively served.
curl -fsS "$base/_edgectl/metrics" >metrics.txt || fail "metrics: curl failed"
grep -qF 'edgectl_component_engine{component="shop",engine="aot"} 1' metrics.txt ||
  fail "not served natively: $(grep edgectl_component_engine metrics.txt)"
grep -qF 'edgectl_aot_compile_failures_total{component="shop"} 0' metrics.txt ||
  fail "a native compile failed: $(grep edgectl_aot_compile_failures_total metrics.txt)"

echo "ok: go_cgi_template ($((SECONDS - started)) s)"
