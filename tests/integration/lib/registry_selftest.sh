#!/usr/bin/env bash
# Checks the push/pull test fixtures themselves (lib/registry.sh, lib/registry_proxy.py) against
# a real docker-registry, with skopeo and curl as the clients: pushes and pulls through the proxy,
# every fault mode, token auth, htpasswd + TLS, a chunked upload, keep-alive, a crash mid-push.
# Needs no edgectl. Skipped (77) without docker-registry, skopeo, curl, openssl or python3.
set -euo pipefail
for tool in docker-registry skopeo curl openssl python3; do
  command -v "$tool" >/dev/null || { echo "skip: $tool not installed"; exit 77; }
done
lib=$(cd "$(dirname "$0")" && pwd)
source "$lib/registry.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/edgectl-registry.XXXXXX")
trap 'registry_cleanup; rm -rf "$work"' EXIT
cd "$work"
checks=0
fail() { echo "FAIL: $*" >&2; [ -n "${REGISTRY_DIR:-}" ] && tail -n 5 "$REGISTRY_DIR/registry.log" >&2; exit 1; }
ok() { checks=$((checks + 1)); }
c() { curl --noproxy '*' -sS --max-time 20 "$@"; }
oci=(-H 'Accept: application/vnd.oci.image.manifest.v1+json')  # without it 2.8 answers 404 for OCI manifests
location() { grep -i '^location:' | tail -1 | cut -d' ' -f2 | tr -d '\r'; }
header() { grep -i "^$1:" | tail -1 | cut -d' ' -f2- | tr -d '\r'; }
logged() {  # logged PYTHON-CONDITION: some line of the proxy log (as `r`) satisfies it
  python3 - "$PROXY_LOG" "$1" <<'PY' || fail "no proxy log line with $1:"$'\n'"$(cat "$PROXY_LOG")"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
check = eval("lambda r: " + sys.argv[2])
sys.exit(0 if any(check(r) for r in rows) else 1)
PY
}

# An OCI layout: a 300 kB layer, a config, a manifest tagged v1.
python3 - image <<'PY' > layer.txt
import hashlib, json, os, sys
d = sys.argv[1]
os.makedirs(d + "/blobs/sha256")
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    open(f"{d}/blobs/sha256/{h}", "wb").write(data)
    return {"digest": "sha256:" + h, "size": len(data)}
layer = blob(os.urandom(300000))
m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
     "config": dict(mediaType="application/vnd.wasm.config.v0+json", **blob(b'{"os":"wasip1"}')),
     "layers": [dict(mediaType="application/wasm", **layer)]}
md = blob(json.dumps(m).encode())
json.dump({"schemaVersion": 2, "manifests": [dict(mediaType=m["mediaType"],
           annotations={"org.opencontainers.image.ref.name": "v1"}, **md)]}, open(d + "/index.json", "w"))
open(d + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
print(layer["digest"])
PY
layer=$(cat layer.txt)
layer_file=image/blobs/sha256/${layer#sha256:}
skopeo_quiet() { skopeo "$@" >skopeo.out 2>&1; }

# --- A plain registry, the proxy in front: push and pull, byte counts in the log.
registry_start reg
proxy_start
skopeo_quiet copy --dest-tls-verify=false oci:image:v1 "docker://$PROXY_ADDR/t/app:v1" || fail "push: $(cat skopeo.out)"
logged 'r.get("method") == "PATCH" and r["req_bytes"] == 300000 and r["status"] == 202'
logged 'r.get("method") == "PUT" and "/manifests/v1" in r["path"] and r["status"] == 201 and r["req_bytes"] > 0'
skopeo_quiet copy --src-tls-verify=false "docker://$PROXY_ADDR/t/app:v1" dir:pulled || fail "pull: $(cat skopeo.out)"
cmp -s "pulled/${layer#sha256:}" "$layer_file" || fail "pulled layer differs"
logged "r.get('method') == 'GET' and r['path'].endswith('$layer') and r['resp_bytes'] == 300000"
logged 'all(k in r for k in ("method", "path", "status", "req_bytes", "resp_bytes", "auth")) and r["auth"] == "none"'
ok

# --- A chunked upload by hand: POST, PATCH (Content-Length), PATCH (chunked), PUT ?digest=,
# directly and through the proxy; Locations through the proxy name the proxy.
head -c 100000 "$layer_file" > part1; tail -c +100001 "$layer_file" > part2
for base in "$REGISTRY_URL" "$PROXY_URL"; do
  c -D h0 -o /dev/null -X POST "$base/v2/t/chunked/blobs/uploads/"
  [ "$(header range <h0)" = 0-0 ] || fail "POST: Range $(header range <h0)"
  loc=$(location <h0)
  [[ $loc == "$base/v2/t/chunked/blobs/uploads/"*"?_state="* ]] || fail "POST via $base: Location $loc"
  [ -n "$(header docker-upload-uuid <h0)" ] || fail "no Docker-Upload-UUID"
  c -D h1 -o /dev/null -X PATCH -H 'Content-Type: application/octet-stream' -H 'Content-Range: 0-99999' \
    --data-binary @part1 "$loc"
  [ "$(header range <h1)" = 0-99999 ] || fail "PATCH 1 via $base: $(cat h1)"
  c -D h2 -o /dev/null -X PATCH -H 'Content-Type: application/octet-stream' -H 'Transfer-Encoding: chunked' \
    --data-binary @part2 "$(location <h1)"
  [ "$(header range <h2)" = 0-299999 ] || fail "PATCH 2 (chunked) via $base: $(cat h2)"
  c -D h3 -o /dev/null -X PUT "$(location <h2)&digest=$layer"
  grep -q '^HTTP/1.1 201' h3 && [ "$(header docker-content-digest <h3)" = "$layer" ] || fail "PUT via $base: $(cat h3)"
  [[ $(location <h3) == "$base/v2/t/chunked/blobs/$layer" ]] || fail "PUT via $base: Location $(location <h3)"
done
logged 'r.get("method") == "PATCH" and r["req_bytes"] == 200000'
ok

# --- Keep-alive through the proxy: one connection, several requests, a chunked body among them.
python3 - "$PROXY_PORT" <<'PY' || fail "keep-alive through the proxy"
import http.client, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
conn.request("GET", "/v2/"); r = conn.getresponse(); r.read(); sock = conn.sock
assert r.status == 200 and sock is not None
conn.request("POST", "/v2/t/ka/blobs/uploads/"); r = conn.getresponse(); r.read()
assert r.status == 202, r.status
loc = r.getheader("Location")
conn.request("PATCH", loc[loc.index("/v2/"):], body=iter([b"a" * 1000, b"b" * 24]), encode_chunked=True,
             headers={"Content-Type": "application/octet-stream"})
r = conn.getresponse(); r.read()
assert r.status == 202 and r.getheader("Range") == "0-1023", (r.status, r.getheaders())
conn.request("HEAD", "/v2/t/ka/blobs/sha256:" + "0" * 64); r = conn.getresponse(); r.read()
assert r.status == 404
conn.request("GET", "/v2/t/ka/tags/list"); r = conn.getresponse(); r.read()
assert conn.sock is sock, "the proxy closed a keep-alive connection"
PY
ok

# --- --fail-first: the first N matching requests fail, not forwarded; curl --retry gets through.
proxy_start --fail-first 2 --fail-status 503 --retry-after 0 --fail-match '^GET /v2/$'
c -o /dev/null -D h -H 'Authorization: Bearer not-logged' "$PROXY_URL/v2/t/app/tags/list"
grep -q '^HTTP/1.1 200' h || fail "a request the regex does not match failed"
for try in 1 2 3; do
  code=$(c -o /dev/null -w '%{http_code}' "$PROXY_URL/v2/")
  [ "$code" = 200 ] && break
  [ "$code" = 503 ] || fail "try $try: $code, not 503"
done
[ "$try" = 3 ] && [ "$code" = 200 ] || fail "the third try was not 200"
logged 'r.get("injected") and r["status"] == 503'
[ "$(grep -c '"injected": true' "$PROXY_LOG")" = 2 ] || fail "not 2 injected failures: $(cat "$PROXY_LOG")"
! grep -q not-logged "$PROXY_LOG" || fail "the proxy logged a credential"
proxy_start --fail-first 1 --fail-status 500 --retry-after 7
c -D h -o body "$PROXY_URL/v2/"
grep -q '^HTTP/1.1 500' h && [ "$(header retry-after <h)" = 7 ] || fail "no Retry-After: $(cat h)"
grep -q '"code": "UNKNOWN", "message": "injected failure"' body || fail "error body $(cat body)"
ok

# --- --flip-blob-byte: same length, a digest error for skopeo; --truncate-blob: a short body.
proxy_start --flip-blob-byte
! skopeo_quiet copy --src-tls-verify=false "docker://$PROXY_ADDR/t/app:v1" dir:flipped || fail "a flipped byte went unnoticed"
grep -q 'Digest did not match' skopeo.out || fail "skopeo said: $(cat skopeo.out)"
c -o flipped.bin "$PROXY_URL/v2/t/app/blobs/$layer"
[ "$(stat -c %s flipped.bin)" = 300000 ] && ! cmp -s flipped.bin "$layer_file" || fail "flip: not the same length with another byte"
[ "$(cmp -l flipped.bin "$layer_file" | wc -l)" = 1 ] || fail "flip: more than one byte differs"
logged 'r.get("tamper") == "flip"'
proxy_start --truncate-blob
! skopeo_quiet copy --src-tls-verify=false "docker://$PROXY_ADDR/t/app:v1" dir:truncated || fail "a truncated blob went unnoticed"
set +e; c -o short.bin "$PROXY_URL/v2/t/app/blobs/$layer" 2>/dev/null; status=$?; set -e
[ "$status" = 18 ] && [ "$(stat -c %s short.bin)" = 150000 ] || fail "truncate: curl exit $status"
logged 'r.get("tamper") == "truncate" and r["resp_bytes"] == 150000'
ok

# --- --token-auth: skopeo does the whole token flow; scopes, uses and expiry are enforced.
proxy_start --token-auth 'alice:pw 1' --token-ttl 1
skopeo_quiet copy --dest-tls-verify=false --dest-creds 'alice:pw 1' oci:image:v1 "docker://$PROXY_ADDR/tok/app:v1" ||
  fail "token push: $(cat skopeo.out)"
logged 'r.get("token_issued") and r["scopes"] == ["repository:tok/app:pull,push"]'
logged 'r.get("method") == "PUT" and r["auth"] == "bearer" and r["status"] == 201'
! skopeo_quiet copy --dest-tls-verify=false --dest-creds alice:wrong oci:image:v1 "docker://$PROXY_ADDR/tok/app:v2" ||
  fail "a wrong password pushed"
c -D h -o body "$PROXY_URL/v2/tok/app/manifests/v1"
grep -q '^HTTP/1.1 401' h || fail "no token, not 401"
[ "$(header www-authenticate <h)" = "Bearer realm=\"$PROXY_URL/token\",service=\"edgectl-test\",scope=\"repository:tok/app:pull,push\"" ] ||
  fail "challenge: $(header www-authenticate <h)"
grep -q '"UNAUTHORIZED"' body || fail "401 body: $(cat body)"
c -D h -o /dev/null "$PROXY_URL/v2/"
[ "$(header www-authenticate <h)" = "Bearer realm=\"$PROXY_URL/token\",service=\"edgectl-test\"" ] || fail "/v2/ challenge"
[ "$(c -o /dev/null -w '%{http_code}' "$PROXY_URL/token?service=edgectl-test&scope=repository:tok/app:pull")" = 401 ] ||
  fail "a token without credentials"
[ "$(c -o /dev/null -w '%{http_code}' -u 'alice:pw 1' "$PROXY_URL/token?service=other")" = 400 ] || fail "a token for another service"
token() { c -u 'alice:pw 1' "$PROXY_URL/token?service=edgectl-test&$1" | python3 -c '
import json, sys; d = json.load(sys.stdin)
assert d["token"] == d["access_token"] and d["expires_in"] >= 1 and d["issued_at"].endswith("Z"), d
print(d["token"])'; }
t=$(token 'scope=repository:tok/app:pull')
[ "$(c -o /dev/null -w '%{http_code}' "${oci[@]}" -H "Authorization: Bearer $t" "$PROXY_URL/v2/tok/app/manifests/v1")" = 200 ] || fail "pull token, pull"
c -D h -o /dev/null -X POST -H "Authorization: Bearer $t" "$PROXY_URL/v2/tok/app/blobs/uploads/"
grep -q '^HTTP/1.1 401' h && [[ $(header www-authenticate <h) == *'error="insufficient_scope"'* ]] || fail "pull token, push: $(cat h)"
[ "$(c -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t" "$PROXY_URL/v2/other/manifests/v1")" = 401 ] || fail "another repository"
t=$(token 'scope=repository:tok/app:pull&scope=repository:tok/two:pull,push')
[ "$(c -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $t" "$PROXY_URL/v2/tok/two/blobs/uploads/")" = 202 ] ||
  fail "a second scope parameter"
sleep 1.1
c -D h -o /dev/null "${oci[@]}" -H "Authorization: Bearer $t" "$PROXY_URL/v2/tok/app/manifests/v1"
grep -q '^HTTP/1.1 401' h && [[ $(header www-authenticate <h) == *'error="invalid_token"'* ]] || fail "an expired token: $(cat h)"
proxy_start --token-auth alice:pw --token-uses 2
t=$(c -u alice:pw "$PROXY_URL/token?service=edgectl-test&scope=repository:tok/app:pull" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
for want in 200 200 401; do
  [ "$(c -o /dev/null -w '%{http_code}' "${oci[@]}" -H "Authorization: Bearer $t" "$PROXY_URL/v2/tok/app/manifests/v1")" = $want ] ||
    fail "--token-uses 2: not $want"
done
! grep -q "$t" "$PROXY_LOG" || fail "the proxy logged a token"
ok

# --- A crash mid-push: a throttled PATCH, the registry killed under it, restarted on its port.
proxy_start --throttle 400000
head -c 1000000 /dev/urandom > big.bin
c -D h -o /dev/null -X POST "$PROXY_URL/v2/t/big/blobs/uploads/"
c -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/octet-stream' --data-binary @big.bin \
  "$(location <h)" > patch.code 2>/dev/null & patch=$!
sleep 0.8
port=$REGISTRY_PORT
registry_kill
wait "$patch" || true
[ "$(cat patch.code)" = 502 ] || fail "PATCH under a crash: $(cat patch.code), not 502"
logged 'r.get("method") == "PATCH" and r["status"] == 502 and 0 < r["req_bytes"] < 1000000'
registry_restart
[ "$REGISTRY_PORT" = "$port" ] || fail "restarted on another port"
proxy_start  # unthrottled, in front of the same port
c -D h -o /dev/null -X POST "$PROXY_URL/v2/t/big/blobs/uploads/"
d=sha256:$(sha256sum big.bin | cut -d' ' -f1)
[ "$(c -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/octet-stream' --data-binary @big.bin \
  "$(location <h)&digest=$d")" = 201 ] || fail "a monolithic PUT after the restart"
skopeo_quiet inspect --raw --tls-verify=false "docker://$PROXY_ADDR/t/app:v1" || fail "data lost in the restart"
ok
proxy_stop
registry_stop

# --- htpasswd + TLS: skopeo with the cert folder, curl with --cacert; htpasswd alone is plain HTTP.
make_test_cert certs
make_htpasswd users alice 'open sesame'
python3 -W ignore -c 'import crypt, sys; print("bob:" + crypt.crypt("pw2", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=32)))' \
  >> users 2>/dev/null || true  # the fallback make_htpasswd uses without apache2-utils, when it works here
registry_start secure --htpasswd users --tls certs/cert.pem certs/key.pem
[[ $REGISTRY_URL == https://* ]] || fail "REGISTRY_URL $REGISTRY_URL"
[ "$(c -o /dev/null -w '%{http_code}' --cacert certs/cert.pem -u 'alice:open sesame' "$REGISTRY_URL/v2/")" = 200 ] || fail "curl --cacert"
[ "$(c -o /dev/null -w '%{http_code}' --cacert certs/cert.pem -u 'alice:open sesame' "https://localhost:$REGISTRY_PORT/v2/")" = 200 ] ||
  fail "curl --cacert via localhost"
[ "$(c -o /dev/null -w '%{http_code}' --cacert certs/cert.pem "$REGISTRY_URL/v2/")" = 401 ] || fail "no credentials, not 401"
if grep -q '^bob:' users; then
  [ "$(c -o /dev/null -w '%{http_code}' --cacert certs/cert.pem -u bob:pw2 "$REGISTRY_URL/v2/")" = 200 ] || fail "python crypt's bcrypt"
fi
! c -o /dev/null "$REGISTRY_URL/v2/" 2>/dev/null || fail "TLS verified without the CA"
skopeo_quiet copy --dest-cert-dir certs --dest-creds 'alice:open sesame' oci:image:v1 "docker://$REGISTRY_ADDR/sec/app:v1" ||
  fail "skopeo over TLS: $(cat skopeo.out)"
registry_stop
registry_start secure --htpasswd users
[ "$(c -o /dev/null -w '%{http_code}' -u 'alice:open sesame' "$REGISTRY_URL/v2/t/app/tags/list")" = 404 ] || fail "htpasswd without TLS"
registry_stop
ok

echo "registry fixtures: $checks groups of checks passed"
