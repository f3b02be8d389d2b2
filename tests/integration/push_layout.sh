#!/usr/bin/env bash
# edgectl push --layout: the app as a Wasm OCI artifact in an OCI image layout, read back by
# skopeo; the same inputs (SOURCE_DATE_EPOCH) give the same manifest digest; layers and config
# follow the CNCF Wasm artifact format; every blob's digest matches its content.
set -euo pipefail
: "${EDGECTL:?set EDGECTL to the edgectl binary}"
export NO_COLOR=1
for tool in skopeo python3 wat2wasm; do command -v "$tool" >/dev/null || { echo "skip: $tool not installed"; exit 77; }; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"
export XDG_CACHE_HOME="$work/cache"

"$EDGECTL" new http-wat hello >/dev/null
cd hello
"$EDGECTL" build >/dev/null

out1=$(SOURCE_DATE_EPOCH=1700000000 "$EDGECTL" push --layout "$work/out" --tag v1 --tag latest)
grep -q "^oci:$work/out:v1@sha256:" <<<"$out1" || fail "push printed: $out1"
digest1=$(sed -n '1s/.*@//p' <<<"$out1")
# Reproducible: a second push of the same inputs, into another layout, has the same digest.
digest2=$(SOURCE_DATE_EPOCH=1700000000 "$EDGECTL" push --no-build --layout "$work/out2" --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
[ "$digest1" = "$digest2" ] || fail "not reproducible: $digest1 vs $digest2"
# A different time, a different digest.
digest3=$(SOURCE_DATE_EPOCH=1800000000 "$EDGECTL" push --no-build --layout "$work/out3" --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
[ "$digest1" != "$digest3" ] || fail "created does not change the digest"

# skopeo reads the layout, by both tags.
skopeo inspect --raw "oci:$work/out:v1" > manifest.json || fail "skopeo cannot read oci:$work/out:v1"
skopeo inspect --raw "oci:$work/out:latest" > /dev/null || fail "skopeo cannot read the latest tag"
python3 - manifest.json "$work/out" "$digest1" <<'PY' || fail "the artifact's shape"
import hashlib, json, os, sys
raw = open(sys.argv[1], "rb").read()
m = json.loads(raw)
layout, digest = sys.argv[2], sys.argv[3]
assert "sha256:" + hashlib.sha256(raw).hexdigest() == digest, "manifest digest"
assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
assert m["config"]["mediaType"] == "application/vnd.wasm.config.v0+json"
types = [l["mediaType"] for l in m["layers"]]
assert types == ["application/wasm", "application/vnd.edgectl.manifest.v1+toml"], types
assert m["layers"][0]["annotations"]["org.opencontainers.image.title"] == "hello.wasm"
a = m["annotations"]
assert a["org.opencontainers.image.created"] == "2023-11-14T22:13:20Z", a
assert a["org.opencontainers.image.version"] == "0.1.0" and a["org.opencontainers.image.title"] == "hello", a
def blob(d):
    data = open(os.path.join(layout, "blobs", "sha256", d.split(":")[1]), "rb").read()
    assert "sha256:" + hashlib.sha256(data).hexdigest() == d, d
    return data
config = json.loads(blob(m["config"]["digest"]))
assert config["architecture"] == "wasm" and config["os"] == "wasip1", config
assert config["layerDigests"] == [l["digest"] for l in m["layers"]], config
for l in m["layers"]:
    assert len(blob(l["digest"])) == l["size"]
assert blob(m["layers"][0]["digest"])[:4] == b"\0asm"
assert b"[app]" in blob(m["layers"][1]["digest"])
index = json.load(open(os.path.join(layout, "index.json")))
tags = sorted(x["annotations"]["org.opencontainers.image.ref.name"] for x in index["manifests"])
assert tags == ["latest", "v1"], tags
PY
# skopeo 1.9 reads the config raw (its parsed inspect refuses non-image artifacts: "unsupported
# image-specific operation"), and copies the artifact to another layout, checking every digest.
skopeo inspect --raw --config "oci:$work/out:v1" | python3 -c 'import json,sys; assert json.load(sys.stdin)["os"] == "wasip1"' ||
  fail "skopeo cannot read the config"
skopeo copy --quiet "oci:$work/out:v1" "oci:$work/copy:v1" || fail "skopeo copy of the artifact failed"
[ "$(skopeo inspect --raw "oci:$work/copy:v1" | sha256sum | cut -d' ' -f1)" = "${digest1#sha256:}" ] ||
  fail "the copy's manifest differs"

# Without --layout: a clear usage error (registry push is not there yet).
set +e
"$EDGECTL" push > usage.txt 2>&1; status=$?
set -e
# No REF and no [app] registry: a usage error that says what to give.
[ "$status" = 2 ] && grep -q "no REF given" usage.txt || fail "push without a REF: $status $(cat usage.txt)"
echo "push_layout: ok"
