#!/usr/bin/env bash
# edgectl push against skopeo copy (issue 7): the same 20 MB module, as the same Wasm OCI
# artifact, to the same local registry (Debian's docker-registry on 127.0.0.1, started
# here), alternating the two tools in one run. Each push goes to a fresh repository, so
# every blob is uploaded (distribution links blobs per repository). Then the re-push of
# unchanged content (HEADs and the manifest only), which the issue wants under 100 ms.
# Each round starts a fresh registry on a new port: skopeo remembers where it has seen a
# blob (its blob-info cache) and would mount it from an earlier repository instead of
# uploading it, which edgectl does not do.
# Targets: edgectl push no slower than skopeo copy; re-push under 100 ms.
#
# Usage: scripts/bench/push.sh      Environment: EDGECTL, ROUNDS (5), SIZE_MB (20), REPUSH (20).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
EDGECTL=${EDGECTL:-$ROOT/build/cli/edgectl}
ROUNDS=${ROUNDS:-5}
SIZE_MB=${SIZE_MB:-20}
REPUSH=${REPUSH:-20}
[ -x "$EDGECTL" ] || { echo "build edgectl first"; exit 1; }
for tool in docker-registry skopeo python3 wat2wasm; do command -v "$tool" >/dev/null || { echo "needs $tool (scripts/setup.sh)"; exit 1; }; done
# shellcheck source=../../tests/integration/lib/registry.sh
source "$ROOT/tests/integration/lib/registry.sh"
work=$(mktemp -d)
trap 'registry_cleanup; rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache" SOURCE_DATE_EPOCH=1700000000 NO_COLOR=1

cd "$work"
"$EDGECTL" new http-wat app >/dev/null
cd app
"$EDGECTL" build >/dev/null 2>&1
# The module grows to SIZE_MB with a custom section of random bytes (incompressible, valid).
python3 "$ROOT/tests/integration/lib/grow_wasm.py" app.wasm "$((SIZE_MB * 1000000))"
"$EDGECTL" push --no-build --layout "$work/layout" --tag v1 >/dev/null
now() { date +%s%N; }
ms() { python3 -c "print(f'{($2 - $1) / 1e6:.1f}')" "$@"; }
median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.1f}")' "$@"; }

edgectl_ms=() skopeo_ms=()
for i in $(seq "$ROUNDS"); do
  registry_stop
  registry_start "$work/registry-$i" >/dev/null
  R=$REGISTRY_ADDR
  t0=$(now); "$EDGECTL" push --no-build "$R/bench/edgectl-$i:v1" >/dev/null 2>&1; t1=$(now)
  skopeo copy -q --dest-tls-verify=false "oci:$work/layout:v1" "docker://$R/bench/skopeo-$i:v1"; t2=$(now)
  edgectl_ms+=("$(ms "$t0" "$t1")") skopeo_ms+=("$(ms "$t1" "$t2")")
done
# skopeo copy of unchanged content (its own re-push), and edgectl's, alternating.
re_edgectl=() re_skopeo=()
for _ in $(seq "$REPUSH"); do
  t0=$(now); "$EDGECTL" push --no-build "$R/bench/edgectl-1:v1" >/dev/null 2>&1; t1=$(now)
  skopeo copy -q --dest-tls-verify=false "oci:$work/layout:v1" "docker://$R/bench/skopeo-1:v1"; t2=$(now)
  re_edgectl+=("$(ms "$t0" "$t1")") re_skopeo+=("$(ms "$t1" "$t2")")
done
uploaded=$("$EDGECTL" push --no-build "$R/bench/edgectl-1:v1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_uploaded"])')

e=$(median "${edgectl_ms[@]}") s=$(median "${skopeo_ms[@]}")
re=$(median "${re_edgectl[@]}") rs=$(median "${re_skopeo[@]}")
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME")"
echo "module: $(stat -c %s app.wasm) bytes; registry: docker-registry $(docker-registry --version | awk '{print $3}') on $R; $ROUNDS rounds, $REPUSH re-pushes"
printf '%-34s %12s %12s %8s\n' "" "edgectl ms" "skopeo ms" "ratio"
printf '%-34s %12s %12s %8s\n' "push ${SIZE_MB} MB (median)" "$e" "$s" "$(python3 -c "print(f'{$e/$s:.2f}')")"
printf '%-34s %12s %12s %8s\n' "re-push, nothing changed (median)" "$re" "$rs" "$(python3 -c "print(f'{$re/$rs:.2f}')")"
echo "edgectl push runs: ${edgectl_ms[*]}"
echo "skopeo copy runs:  ${skopeo_ms[*]}"
echo "re-push blob bytes sent by edgectl: $uploaded"
python3 -c "import sys; sys.exit(0 if $e <= $s else 1)" && echo "target push no slower than skopeo: met" || echo "target push no slower than skopeo: NOT met"
python3 -c "import sys; sys.exit(0 if $re < 100 else 1)" && echo "target re-push under 100 ms: met" || echo "target re-push under 100 ms: NOT met"
