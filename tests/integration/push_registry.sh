#!/usr/bin/env bash
# edgectl push / pull / serve REF against a real registry (Debian's docker-registry on a free
# 127.0.0.1 port, started here) with lib/registry_proxy.py in front to count and break things:
#   - the manifest and config exactly as specified, read back with skopeo;
#   - push then pull: identical digests and bytes; a re-push sends no blob bytes;
#   - 500 twice, then success; a failed PATCH restarts the blob's upload session;
#   - a byte flipped / a blob cut short on pull: rejected, nothing written;
#   - a 50 MB module pushed in PATCH chunks; the registry killed mid-push: clear error, no tag;
#   - --compat legacy; a wasm-to-oci style artifact and a Spin app pulled;
#   - edgectl serve REF answers requests, and then runs from the store (--pull never).
set -euo pipefail
: "${EDGECTL:?set EDGECTL to the edgectl binary}"
export NO_COLOR=1
for tool in docker-registry skopeo python3 curl wat2wasm; do
  command -v "$tool" >/dev/null || { echo "skip: $tool not installed"; exit 77; }
done
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/lib" && pwd)
# shellcheck source=lib/registry.sh
source "$LIB/registry.sh"
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  registry_cleanup
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/err.txt" ] && tail -5 "$work/err.txt" >&2; exit 1; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, {"d": d}))' "$1"; }
# Blob bytes the proxy forwarded in upload requests (PATCH, and PUT with a body) since line $1.
upload_bytes() {
  tail -n +"$1" "$PROXY_LOG" | python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    e = json.loads(line)
    if e.get("method") in ("PATCH", "PUT") and "/blobs/uploads/" in e.get("path", ""):
        n += e.get("req_bytes", 0)
print(n)'
}
count() { tail -n +"$1" "$PROXY_LOG" | grep -c "$2" || true; }
log_lines() { wc -l < "$PROXY_LOG"; }
export XDG_CACHE_HOME="$work/cache" DOCKER_CONFIG="$work/docker"
cd "$work"

registry_start "$work/registry" >/dev/null || fail "the registry did not start"
proxy_start || fail "the proxy did not start"
R=$PROXY_ADDR

"$EDGECTL" new http-wat hello >/dev/null
cd hello
"$EDGECTL" build >/dev/null

# --- push: prints REF@digest per tag; the layout of the same inputs has the same digest.
export SOURCE_DATE_EPOCH=1700000000
out=$("$EDGECTL" push "$R/acme/hello:v1" --tag latest 2>"$work/err.txt") || fail "push: $(cat "$work/err.txt")"
digest=$(sed -n '1s/.*@//p' <<<"$out")
[ "$(sed -n 1p <<<"$out")" = "$R/acme/hello:v1@$digest" ] || fail "push printed: $out"
[ "$(sed -n 2p <<<"$out")" = "$R/acme/hello:latest@$digest" ] || fail "push printed: $out"
layout_digest=$("$EDGECTL" push --no-build --layout "$work/layout" --json | json 'd["digest"]')
[ "$digest" = "$layout_digest" ] || fail "registry digest $digest differs from the layout's $layout_digest"
first_upload=$(upload_bytes 1)
[ "$first_upload" -gt 0 ] || fail "the first push uploaded no bytes"

# --- skopeo reads it straight from the registry: the manifest and config exactly as specified.
skopeo inspect --raw --tls-verify=false "docker://$REGISTRY_ADDR/acme/hello:v1" > "$work/manifest.json" ||
  fail "skopeo cannot read the pushed manifest"
skopeo inspect --raw --tls-verify=false "docker://$REGISTRY_ADDR/acme/hello:latest" | cmp -s - "$work/manifest.json" ||
  fail "the two tags differ"
python3 - "$work/manifest.json" "$digest" hello.wasm edgectl.toml "$REGISTRY_ADDR" <<'PY' || fail "the artifact's shape"
import hashlib, json, sys, urllib.request
raw = open(sys.argv[1], "rb").read()
digest, module, toml, registry = sys.argv[2:6]
assert "sha256:" + hashlib.sha256(raw).hexdigest() == digest, "manifest digest"
m = json.loads(raw)
assert list(m) == ["schemaVersion", "mediaType", "config", "layers", "annotations"], list(m)
assert m["schemaVersion"] == 2 and m["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
assert m["config"]["mediaType"] == "application/vnd.wasm.config.v0+json"
layers = m["layers"]
assert [l["mediaType"] for l in layers] == ["application/wasm", "application/vnd.edgectl.manifest.v1+toml"], layers
assert layers[0]["annotations"]["org.opencontainers.image.title"] == "hello.wasm"
assert layers[1]["annotations"]["org.opencontainers.image.title"] == "edgectl.toml"
for l, path in zip(layers, (module, toml)):
    data = open(path, "rb").read()
    assert l["digest"] == "sha256:" + hashlib.sha256(data).hexdigest() and l["size"] == len(data), path
a = m["annotations"]
assert a["org.opencontainers.image.created"] == "2023-11-14T22:13:20Z", a
assert a["org.opencontainers.image.title"] == "hello" and a["org.opencontainers.image.version"] == "0.1.0", a
# The config blob, from the registry.
url = "http://%s/v2/acme/hello/blobs/%s" % (registry, m["config"]["digest"])
cfg_raw = urllib.request.urlopen(url, timeout=10).read()
assert "sha256:" + hashlib.sha256(cfg_raw).hexdigest() == m["config"]["digest"]
cfg = json.loads(cfg_raw)
assert list(cfg) == ["created", "architecture", "os", "layerDigests"], cfg
assert cfg["architecture"] == "wasm" and cfg["os"] == "wasip1" and cfg["created"] == a["org.opencontainers.image.created"]
assert cfg["layerDigests"] == [l["digest"] for l in layers], cfg
PY

# --- a second push of unchanged content sends no blob bytes (HEADs only, then the manifest).
mark=$(( $(log_lines) + 1 ))
json_out=$("$EDGECTL" push --no-build "$R/acme/hello:v1" --json) || fail "re-push failed"
[ "$(json 'd["blobs_uploaded"], d["blobs_skipped"], d["bytes_uploaded"]' <<<"$json_out")" = "(0, 3, 0)" ] ||
  fail "re-push reported: $json_out"
[ "$(upload_bytes "$mark")" = 0 ] || fail "re-push sent $(upload_bytes "$mark") blob bytes"
[ "$(count "$mark" '"method": *"HEAD"')" -ge 3 ] || fail "re-push did not HEAD the blobs"

# --- pull round trip: the same digest and bytes, and skopeo copies it too.
pulled=$("$EDGECTL" pull "$R/acme/hello:v1" -o "$work/pulled" --json) || fail "pull failed"
[ "$(json 'd["digest"]' <<<"$pulled")" = "$digest" ] || fail "pull digest: $pulled"
cmp -s hello.wasm "$work/pulled/hello.wasm" || fail "the pulled module differs"
cmp -s edgectl.toml "$work/pulled/edgectl.toml" || fail "the pulled edgectl.toml differs"
# A folder with files in it is not written over without --force.
echo "mine" > "$work/pulled/edgectl.toml"
"$EDGECTL" pull "$R/acme/hello:v1" -o "$work/pulled" 2>"$work/err.txt" && fail "pull over a non-empty folder succeeded"
grep -q "is not empty" "$work/err.txt" && grep -qx mine "$work/pulled/edgectl.toml" || fail "non-empty -o: $(cat "$work/err.txt")"
"$EDGECTL" pull "$R/acme/hello:v1" -o "$work/pulled" --force >/dev/null 2>&1 || fail "pull --force"
cmp -s edgectl.toml "$work/pulled/edgectl.toml" || fail "pull --force did not replace edgectl.toml"
skopeo copy -q --src-tls-verify=false "docker://$REGISTRY_ADDR/acme/hello:v1" "oci:$work/skopeo:v1" ||
  fail "skopeo copy from the registry"
[ "sha256:$(sha256sum "$work/skopeo/blobs/sha256/${digest#sha256:}" | cut -c1-64)" = "$digest" ] ||
  fail "skopeo's copy has another manifest"
# By digest, from the store, with no registry at all asked (--pull never).
mark=$(( $(log_lines) + 1 ))
"$EDGECTL" pull "$R/acme/hello@$digest" --pull never -o "$work/pulled2" >/dev/null 2>"$work/err.txt" ||
  fail "pull --pull never from the store: $(cat "$work/err.txt")"
[ "$(log_lines)" -lt "$mark" ] || fail "--pull never asked the registry"
cmp -s hello.wasm "$work/pulled2/hello.wasm" || fail "the stored module differs"
"$EDGECTL" pull "$R/acme/other:v1" --pull never 2>"$work/err.txt" && fail "--pull never of an unknown ref succeeded"
grep -q "not in the local store" "$work/err.txt" || fail "--pull never: $(cat "$work/err.txt")"

# --- 500 twice, then the registry answers: the push succeeds (a changed module: uploads happen).
# (The failures are aimed at the API requests: the first GET /v2/ only finds the scheme.)
sed -i 's/Hello from/Hello again from/' src/main.wat
"$EDGECTL" build >/dev/null
proxy_start --fail-first 2 --fail-status 500 --fail-match '^(HEAD|POST|PUT|PATCH) ' || fail "proxy"
R=$PROXY_ADDR
"$EDGECTL" push --no-build "$R/acme/hello:v2" >"$work/out.txt" 2>"$work/err.txt" || fail "push through two 500s: $(cat "$work/err.txt")"
[ "$(grep -c '"injected"' "$PROXY_LOG")" = 2 ] || fail "the proxy injected $(grep -c injected "$PROXY_LOG") failures"
grep -q "answered 500 to .*; retry 1 of 4 in 0.5 s" "$work/err.txt" || fail "no retry notice: $(cat "$work/err.txt")"
grep -q "answered 500 to .*; retry 2 of 4 in 1.0 s" "$work/err.txt" || fail "no backoff: $(cat "$work/err.txt")"
grep -q "$R/acme/hello:v2@sha256:" "$work/out.txt" || fail "push printed: $(cat "$work/out.txt")"
grep -q "^pushed 2 blobs" "$work/err.txt" || fail "the changed module and config were not uploaded: $(cat "$work/err.txt")"
# 429 with Retry-After: the wait the registry asks for, not the backoff.
proxy_start --fail-first 1 --fail-status 429 --retry-after 2 --fail-match '^HEAD ' || fail "proxy"
R=$PROXY_ADDR
"$EDGECTL" push --no-build "$R/acme/hello:v2b" >/dev/null 2>"$work/err.txt" || fail "push through a 429: $(cat "$work/err.txt")"
grep -q "answered 429 to .*; retry 1 of 4 in 2.0 s" "$work/err.txt" || fail "Retry-After not honoured: $(cat "$work/err.txt")"

# --- a chunk that fails: the blob's upload session starts over, and the result is intact.
python3 "$LIB/grow_wasm.py" hello.wasm 50000000  # a 50 MB module: a custom section after the code
big_size=$(stat -c %s hello.wasm)
proxy_start --fail-first 1 --fail-match '^PATCH' || fail "proxy"
R=$PROXY_ADDR
pushed=$("$EDGECTL" push --no-build "$R/acme/big:v1" --json 2>"$work/err.txt") || fail "50 MB push: $(cat "$work/err.txt")"
grep -q "starting it over" "$work/err.txt" || fail "no session restart notice: $(cat "$work/err.txt")"
[ "$(json 'd["chunks"] >= 6' <<<"$pushed")" = True ] || fail "50 MB in chunks of 8 MiB: $pushed"
[ "$(count 1 '"method": *"PATCH"')" -ge 7 ] || fail "the proxy saw $(count 1 '"method": *"PATCH"') PATCH requests"
big_digest=$(json 'd["digest"]' <<<"$pushed")
"$EDGECTL" pull "$R/acme/big:v1" -o "$work/big" >/dev/null 2>"$work/err.txt" || fail "pull 50 MB: $(cat "$work/err.txt")"
cmp -s hello.wasm "$work/big/hello.wasm" || fail "the 50 MB module came back different"

# --- tampering on the way back: a flipped byte, then a truncated blob; nothing written.
for mode in --flip-blob-byte --truncate-blob; do
  proxy_start "$mode" || fail "proxy"
  R=$PROXY_ADDR
  export XDG_CACHE_HOME="$work/cache-$mode"
  "$EDGECTL" pull "$R/acme/big:v1" -o "$work/tampered" --retries 1 >/dev/null 2>"$work/err.txt" &&
    fail "pull $mode succeeded"
  case $mode in
    --flip-blob-byte) grep -q "does not match its digest.*nothing written" "$work/err.txt" || fail "flip: $(cat "$work/err.txt")";;
    --truncate-blob) grep -Eq "truncated|dropped the connection" "$work/err.txt" || fail "truncate: $(cat "$work/err.txt")";;
  esac
  [ ! -e "$work/tampered" ] || fail "pull $mode wrote $work/tampered"
  [ ! -e "$XDG_CACHE_HOME/edgectl/oci/blobs/sha256/${big_digest#sha256:}" ] || fail "pull $mode stored the manifest"
  [ -z "$(find "$XDG_CACHE_HOME" -type f -size +1M 2>/dev/null)" ] || fail "pull $mode stored the bad blob"
  [ -z "$(find "$XDG_CACHE_HOME" -path '*apps*' -type f 2>/dev/null)" ] || fail "pull $mode materialised an app"
done
export XDG_CACHE_HOME="$work/cache"

# --- the registry killed mid-push (a slow link through the proxy): a clear error, no tag.
printf '\n;; v3\n' >> src/main.wat
"$EDGECTL" build >/dev/null
python3 "$LIB/grow_wasm.py" hello.wasm 32000000
proxy_start --throttle 4000000 || fail "proxy"
R=$PROXY_ADDR
"$EDGECTL" push --no-build "$R/acme/killed:v1" --retries 2 >"$work/out.txt" 2>"$work/err.txt" &
push_pid=$!
for _ in $(seq 100); do grep -q '"PATCH"' "$PROXY_LOG" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
registry_kill
rc=0
wait "$push_pid" || rc=$?
[ "$rc" = 1 ] || fail "push with the registry killed exited $rc: $(cat "$work/err.txt")"
grep -Eq "error: .*(uploading|starting an upload|cannot reach)" "$work/err.txt" || fail "killed: $(cat "$work/err.txt")"
[ ! -s "$work/out.txt" ] || fail "push printed a reference: $(cat "$work/out.txt")"
registry_restart >/dev/null || fail "the registry did not restart"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "http://$REGISTRY_ADDR/v2/acme/killed/manifests/v1")
[ "$code" = 404 ] || fail "the tag exists after a failed push (HTTP $code)"

# --- --compat legacy: wasm-to-oci's media types; pull reads them.
proxy_stop
R=$REGISTRY_ADDR
cd "$work" && rm -rf hello && "$EDGECTL" new http-wat hello >/dev/null && cd hello && "$EDGECTL" build >/dev/null
"$EDGECTL" push --no-build --compat legacy "$R/acme/legacy:v1" >/dev/null 2>"$work/err.txt" || fail "legacy push: $(cat "$work/err.txt")"
skopeo inspect --raw --tls-verify=false "docker://$R/acme/legacy:v1" | python3 -c '
import json, sys
m = json.load(sys.stdin)
assert m["config"]["mediaType"] == "application/vnd.wasm.config.v1+json", m
assert m["layers"][0]["mediaType"] == "application/vnd.wasm.content.layer.v1+wasm", m' || fail "legacy media types"
"$EDGECTL" pull "$R/acme/legacy:v1" -o "$work/legacy" >/dev/null 2>&1 || fail "pull of a legacy artifact"
cmp -s hello.wasm "$work/legacy/hello.wasm" || fail "legacy module differs"

# --- artifacts from other tools, made as OCI layouts and copied in with skopeo: one module
# and no edgectl.toml (wasm-to-oci) is served on every path; a Spin app is refused, clearly.
python3 - "$work/foreign" hello.wasm <<'PY'
import hashlib, json, os, sys
root, module = sys.argv[1], open(sys.argv[2], "rb").read()
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    os.makedirs(root + "/blobs/sha256", exist_ok=True)
    open(root + "/blobs/sha256/" + d, "wb").write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
index = {"schemaVersion": 2, "manifests": []}
def image(tag, config_type, config, layers):
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "config": dict(mediaType=config_type, **blob(config)), "layers": layers}
    d = blob(json.dumps(m).encode())
    index["manifests"].append(dict(mediaType=m["mediaType"], annotations={"org.opencontainers.image.ref.name": tag}, **d))
image("w2o", "application/vnd.wasm.config.v1+json", b"{}",
      [dict(mediaType="application/vnd.wasm.content.layer.v1+wasm", **blob(module))])
image("spin", "application/vnd.fermyon.spin.application.v1+config", b'{"spin_lock_version":1}',
      [dict(mediaType="application/vnd.wasm.content.layer.v1+wasm", **blob(module)),
       dict(mediaType="application/vnd.wasm.content.layer.v1+data", **blob(b"static"))])
open(root + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
open(root + "/index.json", "w").write(json.dumps(index))
PY
for tag in w2o spin; do
  skopeo copy -q --dest-tls-verify=false "oci:$work/foreign:$tag" "docker://$R/foreign/app:$tag" || fail "skopeo copy $tag"
done
"$EDGECTL" pull "$R/foreign/app:w2o" -o "$work/w2o" 2>"$work/err.txt" >/dev/null || fail "pull w2o: $(cat "$work/err.txt")"
grep -q "no edgectl.toml" "$work/err.txt" || fail "w2o notes: $(cat "$work/err.txt")"
cmp -s hello.wasm "$work/w2o/app.wasm" || fail "w2o module"
spin=$("$EDGECTL" pull "$R/foreign/app:spin" -o "$work/spin" --json) || fail "pull spin"
[ "$(json 'd["kind"], d["runnable"]' <<<"$spin")" = "('spin', False)" ] || fail "spin: $spin"
"$EDGECTL" serve "$R/foreign/app:spin" --listen 127.0.0.1:1 2>"$work/err.txt" && fail "serving a Spin app succeeded"
grep -q "a Spin application: edgectl cannot run it" "$work/err.txt" || fail "spin serve: $(cat "$work/err.txt")"
grep -q "cannot be served" "$work/err.txt" || fail "spin serve: $(cat "$work/err.txt")"

# --- edgectl serve REF: pulls into a fresh store, serves; then from the store, registry gone.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
serve_ref() {
  "$EDGECTL" serve "$@" --listen "127.0.0.1:$port" >"$work/log.txt" 2>"$work/err.txt" &
  server_pid=$!
  for _ in $(seq 200); do
    curl -fsS "http://127.0.0.1:$port/_edgectl/health" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "edgectl serve $* exited: $(cat "$work/err.txt")"
    sleep 0.05
  done
  fail "edgectl serve $* did not come up"
}
stop_server() { kill "$server_pid"; wait "$server_pid" || true; server_pid=; }
export XDG_CACHE_HOME="$work/cache-serve"
serve_ref "oci://$R/acme/hello:v1"
body=$(curl -fsS "http://127.0.0.1:$port/anything") || fail "serve REF did not answer"
grep -q "Hello from hello" <<<"$body" || fail "serve REF answered: $body"
grep -q "pulled $R/acme/hello:v1@$digest" "$work/err.txt" || fail "serve REF: $(cat "$work/err.txt")"
stop_server
serve_ref "$R/foreign/app:w2o"
curl -fsS "http://127.0.0.1:$port/x" | grep -q "Hello from hello" || fail "the wasm-to-oci module, served, did not answer"
stop_server
registry_stop
serve_ref "$R/acme/hello:v1" --pull never
curl -fsS "http://127.0.0.1:$port/" | grep -q "Hello from hello" || fail "serve from the store did not answer"
grep -q "from the store" "$work/err.txt" || fail "serve --pull never: $(cat "$work/err.txt")"
stop_server
"$EDGECTL" serve "$R/acme/hello:v1" --pull always --retries 0 --listen "127.0.0.1:$port" 2>"$work/err.txt" &&
  fail "serve --pull always with the registry down succeeded"
grep -q "cannot reach $R" "$work/err.txt" || fail "serve --pull always, registry down: $(cat "$work/err.txt")"
echo "ok: push_registry ($big_size byte module, digest $big_digest)"
