#!/usr/bin/env bash
# edgectl bench inside a project (no URL): the http-c template scaffolded and built, then
# benched in-process. A run per HTTP route labelled with its engine, the cold_start profile
# with plausible figures, --engine interp,aot side by side, --route picking or refusing a
# route, and no URL outside a project as a usage error. Needs clang-19 (the template's
# toolchain): skipped (77) without it.
set -euo pipefail
: "${EDGECTL:?set EDGECTL to the edgectl binary}"
export NO_COLOR=1
command -v clang-19 >/dev/null || { echo "SKIP: clang-19 is not installed (the http-c template needs it)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The aot engine compiles into a cache of the test's own.
export XDG_CACHE_HOME="$work/cache"
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"

"$EDGECTL" new http-c hello >/dev/null
cd hello
"$EDGECTL" build >/dev/null
# Routes of each kind: exact, prefix, and a static folder (not benched, with a note).
mkdir -p public && echo hi > public/index.html
python3 - <<'PY'
text = open("edgectl.toml").read().replace('path = "/..."', 'path = "/hello"')
text += '\n[[route]]\npath = "/api/..."\ncomponent = "hello"\n\n[[route]]\npath = "/static/..."\nstatic = "public"\n'
open("edgectl.toml", "w").write(text)
PY

# Default engine (aot): a run per route, labelled "GET PATH (aot)", and a cold-start profile.
"$EDGECTL" bench -d 1s -c 4 --json > aot.json 2> aot.err || { cat aot.err >&2; fail "bench in the project failed"; }
grep -q "route /static/... serves static files: not benched" aot.err || fail "no note on the static route: $(cat aot.err)"
python3 - aot.json <<'PY' || fail "the default run's JSON (above)"
import json, sys
d = json.load(open(sys.argv[1]))
runs = d["runs"]
assert [r["label"] for r in runs] == ["GET /hello (aot)", "GET /api/ (aot)"], [r["label"] for r in runs]
for r in runs:
    assert r["label"].startswith("GET /") and r["label"].endswith(" (aot)"), r["label"]
    assert r["requests"] > 0, (r["label"], r["requests"])
    assert r["config"]["url"].startswith("http://127.0.0.1:"), r["config"]["url"]
cs = d["cold_start"]
assert len(cs) == 1 and cs[0]["route"] == "/hello", cs
for p in cs:
    assert p["engine"] == "aot" and p["component"], p
    assert p["instances"] > 0, p
    assert p["instantiate_us"]["p50"] > 0 and p["instantiate_us"]["p99"] >= p["instantiate_us"]["p50"], p
    assert p["start_us"]["p50"] > 0, p
    assert p["memory_bytes"] >= 65536, p
    assert p["compile_hit_ms"] is not None and p["compile_hit_ms"] >= 0, p
    assert p["compile_miss_ms"] is not None and p["compile_miss_ms"] > p["compile_hit_ms"], p
    assert p["first_byte_ms"] is not None and 0 < p["first_byte_ms"] < 5000, p
print("aot:", [(r["label"], r["requests"]) for r in runs],
      [(p["component"], p["compile_miss_ms"], p["first_byte_ms"]) for p in cs])
PY

# Both engines, one route, no cold start: two runs, interp then aot.
"$EDGECTL" bench -d 1s -c 4 --warmup 0.5s --engine interp,aot --route /api/items --no-cold-start --json > both.json 2> both.err ||
  { cat both.err >&2; fail "--engine interp,aot failed"; }
python3 - both.json <<'PY' || fail "--engine interp,aot (above)"
import json, sys
d = json.load(open(sys.argv[1]))
labels = [r["label"] for r in d["runs"]]
assert labels == ["GET /api/items (interp)", "GET /api/items (aot)"], labels
assert all(r["requests"] > 0 for r in d["runs"]), d["runs"]
assert "cold_start" not in d, "--no-cold-start"
PY

# The text output: a summary per run and a cold-start table per component.
"$EDGECTL" bench -d 1s -c 2 --warmup 0.2s --engine interp --route /hello > text.out 2> text.err || { cat text.err >&2; fail "text run"; }
grep -q "(interp)" text.out || fail "no run summary: $(cat text.out)"
grep -q "cold start: " text.out || fail "no cold-start table: $(cat text.out)"
grep -q "first byte" text.out || fail "no first-byte row: $(cat text.out)"

# --route naming nothing: a usage error that lists the routes.
set +e
"$EDGECTL" bench -d 1s --route /nope > nope.out 2> nope.err
code=$?
set -e
[ "$code" = 2 ] || fail "--route /nope: exit $code, expected 2"
grep -q -- "--route /nope" nope.err || fail "--route /nope: $(cat nope.err)"
grep -q "routes: /hello, /api/..." nope.err || fail "--route /nope does not list the routes: $(cat nope.err)"

# No URL outside a project: a usage error saying what to do.
mkdir -p "$work/empty" && cd "$work/empty"
set +e
"$EDGECTL" bench -d 1s > none.out 2> none.err
code=$?
set -e
[ "$code" = 2 ] || fail "no URL outside a project: exit $code, expected 2"
grep -q "give a URL" none.err || fail "no URL outside a project: $(cat none.err)"
echo "ok: bench inside a project"
