#!/usr/bin/env bash
# scripts/lib/apt_sources.sh against fixture apt folders of every layout setup.sh must
# handle (tests/scripts/fixtures/apt/<layout>/apt, with the entry it must write in
# <layout>/expected, empty when nothing is to be written). deb822-image is an exact copy of
# this project's machine image, snapshot comments and disabled third-party files included.
set -euo pipefail
ROOT=${EDGECTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/scripts/lib/apt_sources.sh"
FIXTURES="$ROOT/tests/scripts/fixtures/apt"

passed=0 failed=0
check() {  # NAME ACTUAL EXPECTED
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); echo "ok   $1"
  else failed=$((failed + 1)); printf 'FAIL %s\n  got:\n%s\n  expected:\n%s\n' "$1" "$2" "$3"; fi
}

layouts=0
for dir in "$FIXTURES"/*/; do
  name=$(basename "$dir")
  layouts=$((layouts + 1))
  got=$(apt_sources_backports_entry "$dir/apt" bookworm)
  check "$name: backports entry" "$got" "$(cat "$dir/expected")"
  # Whatever the layout, a URL that appears only in a comment is never used.
  if grep -q 'snapshot' <<<"$got"; then check "$name: no snapshot URL" "$got" "(no snapshot URL)"; fi
done
[ "$layouts" -ge 10 ] || { echo "FAIL: only $layouts fixture layouts found in $FIXTURES"; exit 1; }

# The parsed entries themselves, for the image's own file: comments are not data.
got=$(apt_sources_entries "$FIXTURES/deb822-image/apt")
check "deb822-image: entries" "$got" "deb http://deb.debian.org/debian bookworm
deb http://deb.debian.org/debian bookworm-updates
deb http://deb.debian.org/debian-security bookworm-security"

# One-line options in brackets, deb-src lines and trailing comments.
got=$(apt_sources_entries "$FIXTURES/oneline-only/apt")
check "oneline-only: entries" "$got" "deb http://ftp.de.debian.org/debian/ bookworm
deb-src http://ftp.de.debian.org/debian/ bookworm
deb http://security.debian.org/debian-security bookworm-security
deb http://ftp.de.debian.org/debian/ bookworm-updates"

# An entry written once is seen on the next run: writing it into the fixture makes the
# function print nothing (setup.sh is idempotent on every layout).
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for name in deb822-image oneline-only both comments-only empty; do
  # git keeps no empty folders: the "empty" layout has no apt/ in a clean clone.
  mkdir -p "$tmp/$name/sources.list.d"
  if [[ -d "$FIXTURES/$name/apt" ]]; then cp -r "$FIXTURES/$name/apt/." "$tmp/$name/"; fi
  apt_sources_backports_entry "$tmp/$name" bookworm >"$tmp/$name/sources.list.d/edgectl-backports.sources"
  check "$name: second run writes nothing" "$(apt_sources_backports_entry "$tmp/$name" bookworm)" ""
done

# Another codename follows the machine's own release.
got=$(apt_sources_mirror "$FIXTURES/deb822-image/apt" trixie)
check "deb822-image: mirror for another codename falls back to a /debian URI" "$got" "http://deb.debian.org/debian"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
