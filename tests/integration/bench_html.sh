#!/usr/bin/env bash
# edgectl bench --compare A.json B.json --html: the report of two saved results, opened in
# headless Chromium (offline, file://). The DOM must show both labels and each run's
# requests/s and p99 as the page formats them (core/bench/html/format.hpp), and a
# screenshot must come out as a non-empty PNG.
set -euo pipefail

: "${EDGECTL:?set EDGECTL to the edgectl binary}"
command -v chromium >/dev/null || { echo "skip: chromium not installed"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 not installed"; exit 77; }
export NO_COLOR=1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_in() {  # expect_in NEEDLE FILE
  grep -qF -- "$1" "$2" || fail "expected '$1' in $2"
}

# Two results by hand, schema edgectl-bench/v1. The page rebuilds its figures from the
# histogram buckets and the timeline, so the latency_us summary is computed from the buckets
# here (HdrHistogram's rules: a bucket's highest equivalent value, percentile by rank), and
# the figures the page must show are written to expected.txt in its format.
python3 - <<'EOF_PY'
import json, math

SUB_BUCKET_BITS = 8  # Histogram::kSubBucketBits

def highest_equivalent(v):
    if v < (1 << SUB_BUCKET_BITS):
        return v
    shift = v.bit_length() - SUB_BUCKET_BITS
    return (((v >> shift) + 1) << shift) - 1

def percentile(buckets, p):
    total = sum(c for _, c in buckets)
    ranks = {max(1, int(p / 100 * total + 0.5)), max(1, math.ceil(p / 100 * total))}
    found = set()
    for rank in ranks:  # either rounding of the rank must land in the same bucket
        seen = 0
        for v, c in buckets:
            seen += c
            if seen >= rank:
                found.add(v)
                break
    assert len(found) == 1, f"p{p} sits on a bucket edge: {found}"
    return found.pop()

def ms(ns):  # format_ms: three significant digits, 0 to 4 decimals, "," between thousands
    value = ns / 1e6
    decimals = 4 if value <= 0 else min(4, max(0, 2 - math.floor(math.log10(value))))
    return f"{value:,.{decimals}f}"

def run(label, port, scale, counts, status, errors, timeline_errors):
    values_us = [800, 1000, 1200, 1500, 2000, 2500, 3000, 4000, 6000, 12000, 40000]
    buckets = [[highest_equivalent(int(us * scale * 1000)), c] for us, c in zip(values_us, counts)]
    total = sum(counts)
    mean = sum(v * c for v, c in buckets) / total
    stdev = math.sqrt(sum(c * (v - mean) ** 2 for v, c in buckets) / total)
    elapsed = 10.0
    per_second = total // 10
    url = f"http://127.0.0.1:{port}/hello"
    doc_run = {
        "label": label,
        "config": {"url": url, "method": "GET", "connections": 64, "threads": 2,
                   "duration_s": 10, "requests": None, "rate": None, "warmup_s": 0,
                   "timeout_s": 10},
        "elapsed_s": elapsed, "requests": total, "requests_per_s": total / elapsed,
        "bytes": total * 70, "bytes_per_s": total * 70 / elapsed,
        "latency_us": {"min": buckets[0][0] / 1e3, "mean": mean / 1e3, "stdev": stdev / 1e3,
                       "max": buckets[-1][0] / 1e3,
                       **{k: percentile(buckets, p) / 1e3 for k, p in
                          [("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9), ("p99.99", 99.99)]}},
        "corrected": False, "status": status,
        "errors": {**errors, "total": sum(errors.values())},
        "cpu_s": 2.5, "cpu_us_per_request": 2.5e6 / total,
        "histogram": {"unit": "ns", "sub_bucket_bits": SUB_BUCKET_BITS, "buckets": buckets},
        "timeline": [{"t": float(t), "requests": per_second, "errors": timeline_errors.get(t, 0),
                      "p99_us": percentile(buckets, 99) / 1e3} for t in range(1, 11)],
    }
    expected = [f"{total / elapsed:,.1f}", ms(percentile(buckets, 99))]
    return doc_run, expected

a, expected_a = run("GET http://127.0.0.1:8080/hello", 8080, 1.0,
                    [20000, 60000, 70000, 50000, 30000, 12000, 5000, 2000, 700, 250, 50],
                    {"200": 250000}, {"connect": 0, "timeout": 0, "reset": 0, "protocol": 0}, {})
b, expected_b = run("GET http://127.0.0.1:8081/hello", 8081, 1.25,
                    [16000, 48000, 56000, 40000, 24000, 9600, 4000, 1600, 560, 200, 40],
                    {"200": 199900, "503": 100},
                    {"connect": 0, "timeout": 20, "reset": 10, "protocol": 0}, {5: 30})
tool = {"name": "edgectl", "version": "0.1.0"}
for name, r in (("a.json", a), ("b.json", b)):
    json.dump({"schema": "edgectl-bench/v1", "tool": tool, "runs": [r]}, open(name, "w"), indent=1)
with open("expected.txt", "w") as f:
    f.write("\n".join([a["label"], b["label"], *expected_a, *expected_b]) + "\n")
EOF_PY
{ read -r label_a; read -r label_b; read -r rps_a; read -r p99_a; read -r rps_b; read -r p99_b; } < expected.txt
[[ "$rps_a" == "25,000.0" && "$rps_b" == "20,000.0" ]] || fail "generator: rates $rps_a $rps_b"

"$EDGECTL" bench --compare a.json b.json --html report.html || fail "bench --compare --html"
[ -s report.html ] || fail "report.html is empty"

# Self-contained: no script files, nothing fetched; the only URLs are the runs' targets.
grep -q '<script' report.html && fail "report.html has a <script>"
if sed -e 's|http://127\.0\.0\.1:808[01]/hello||g' report.html | grep -qE 'https?://'; then
  fail "report.html references an external URL"
fi

# Chromium's profile and caches stay in the temp folder; the page is opened offline.
chrome() {
  timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$work/profile" "$@" 2>>chromium.log
}
chrome --dump-dom "file://$work/report.html" > dom.html || { tail -n 20 chromium.log; fail "chromium --dump-dom"; }
[ -s dom.html ] || { tail -n 20 chromium.log; fail "chromium printed no DOM"; }

expect_in "$label_a" dom.html
expect_in "$label_b" dom.html
expect_in "id=\"rps-0\">$rps_a<" dom.html
expect_in "id=\"rps-0-b\">$rps_b<" dom.html
expect_in "id=\"p99-0\">$p99_a<" dom.html
expect_in "id=\"p99-0-b\">$p99_b<" dom.html
expect_in 'id="legend-0"' dom.html
for chart in percentiles-0 histogram-0 throughput-0; do expect_in "<svg id=\"$chart\"" dom.html; done
grep -q '>no data<' dom.html && fail "a chart says no data"

chrome --screenshot="$work/shot.png" --window-size=1200,2000 "file://$work/report.html" >/dev/null \
  || { tail -n 20 chromium.log; fail "chromium --screenshot"; }
[ -s shot.png ] || fail "the screenshot is empty"
[ "$(head -c 8 shot.png | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "shot.png is not a PNG"
echo "ok: bench_html (A $rps_a req/s, p99 $p99_a ms; B $rps_b req/s, p99 $p99_b ms)"
