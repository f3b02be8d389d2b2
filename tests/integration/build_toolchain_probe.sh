#!/usr/bin/env bash
# A toolchain that is installed but fails its probe (`go version`, `tinygo version`) is
# reported as such, with the command, how it failed and the first lines of its stderr,
# never as "not found". Fake toolchains on PATH stand in for a machine out of threads, a
# crashing binary and a broken install; nothing here needs a real toolchain.
set -euo pipefail
: "${EDGECTL:?EDGECTL must point at the edgectl binary}"
[[ $EDGECTL == */* ]] && EDGECTL=$(realpath "$EDGECTL")
export NO_COLOR=1
work=$(mktemp -d -t edgectl-probe-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir bin
export PATH="$work/bin:$PATH"

# Builds ./app, expecting exit 1; stderr lands in err.txt.
build_fails() {
  local rc=0
  (cd app && "$EDGECTL" build) >out.txt 2>err.txt || rc=$?
  [ "$rc" = 1 ] || fail "build exited $rc, want 1: $(cat out.txt err.txt)"
  ! grep -q "not found" err.txt || fail "a broken toolchain reported as absent: $(cat err.txt)"
}

"$EDGECTL" new http-go app >/dev/null

# --- go exits 1, as Go does when it cannot create a thread: the stderr is shown, first
# lines only.
cat >bin/go <<'SH'
#!/bin/sh
echo "runtime: failed to create new OS thread (have 2 already; errno=11)" >&2
echo "runtime: may need to increase max user processes (ulimit -u)" >&2
echo "fatal error: newosproc" >&2
for i in 1 2 3 4 5 6 7 8; do echo "goroutine $i [running]:" >&2; done
exit 1
SH
chmod +x bin/go
build_fails
grep -q "component 'app': Go at $work/bin/go is installed but does not work" err.txt ||
  fail "the message does not name the broken Go: $(cat err.txt)"
grep -q "'$work/bin/go version' exited with status 1" err.txt || fail "no exit status: $(cat err.txt)"
grep -q "runtime: failed to create new OS thread (have 2 already; errno=11)" err.txt ||
  fail "stderr not shown: $(cat err.txt)"
grep -q "fatal error: newosproc" err.txt || fail "stderr's third line not shown: $(cat err.txt)"
grep -q "goroutine 2 \[running\]" err.txt || fail "stderr's fifth line not shown: $(cat err.txt)"
! grep -q "goroutine 3 \[running\]" err.txt || fail "more than five stderr lines: $(cat err.txt)"
grep -q "(6 more lines)" err.txt || fail "the cut is not said: $(cat err.txt)"
grep -q "edgectl.toml:[0-9]*:[0-9]*: error" err.txt || fail "no manifest location: $(cat err.txt)"

# --- go killed by a signal
printf '#!/bin/sh\necho "SIGSEGV: segmentation violation" >&2\nkill -SEGV $$\n' >bin/go
build_fails
grep -q "'$work/bin/go version' was killed by signal 11" err.txt || fail "no signal: $(cat err.txt)"
grep -q "SIGSEGV: segmentation violation" err.txt || fail "stderr not shown: $(cat err.txt)"

# --- go that cannot start at all (its interpreter is missing)
printf '#!/nonexistent/interpreter\n' >bin/go
build_fails
grep -q "'$work/bin/go version' could not be started" err.txt || fail "not said: $(cat err.txt)"

# --- go exits 2 and prints nothing
printf '#!/bin/sh\nexit 2\n' >bin/go
build_fails
grep -q "exited with status 2, printing nothing on stderr" err.txt || fail "silent failure: $(cat err.txt)"
rm bin/go

# --- the same for a toolchain whose version is only its identity (tinygo)
rm -rf app
"$EDGECTL" new http-tinygo app >/dev/null
printf '#!/bin/sh\necho "tinygo: cannot find GOROOT" >&2\nexit 1\n' >bin/tinygo
chmod +x bin/tinygo
build_fails
grep -q "tinygo at $work/bin/tinygo is installed but does not work: '$work/bin/tinygo version' exited with status 1" err.txt ||
  fail "tinygo: $(cat err.txt)"
grep -q "tinygo: cannot find GOROOT" err.txt || fail "tinygo's stderr not shown: $(cat err.txt)"

echo "ok: build_toolchain_probe"
