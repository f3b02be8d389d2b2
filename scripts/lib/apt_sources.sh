# shellcheck shell=bash
# Reading the machine's apt sources, for scripts/setup.sh and its fixture test
# (tests/scripts/apt_sources.sh). Sourced, never run. Every function takes the apt
# configuration folder as its first argument (/etc/apt on a real machine, a fixture folder
# in the test) and reads only what apt itself reads there: `sources.list`, and the
# `*.list` (one-line) and `*.sources` (deb822) files of `sources.list.d/`. Comment lines are
# never data: Debian's cloud images put an archive snapshot URL in a comment above each
# `URIs:` line, and that URL must not become our backports mirror.
#
# Written in awk rather than with a library: apt ships no command that prints its parsed
# sources without downloading (`apt-get indextargets` needs fetched lists), and setup.sh
# runs before anything else is installed.

# apt_sources_entries APT_DIR: one line per enabled source, "TYPE URI SUITE", for every
# type, URI and suite a file names (deb822 stanzas are expanded), in apt's reading order.
apt_sources_entries() {
  local dir=${1:-/etc/apt} f
  local files=()
  [ -f "$dir/sources.list" ] && files+=("$dir/sources.list")
  if [ -d "$dir/sources.list.d" ]; then
    for f in "$dir"/sources.list.d/*.list "$dir"/sources.list.d/*.sources; do
      [ -f "$f" ] && files+=("$f")
    done
  fi
  [ ${#files[@]} -gt 0 ] || return 0
  for f in "${files[@]}"; do
    case $f in
      *.sources) awk "$APT_SOURCES_DEB822_AWK" "$f" ;;
      *) awk "$APT_SOURCES_ONELINE_AWK" "$f" ;;
    esac
  done
}

APT_SOURCES_DEB822_AWK=$(cat <<'AWK'
# deb822: stanzas separated by blank lines; "Field: value" with continuation lines that
# start with a space; "#" lines are comments, even inside a stanza.
function flush(   i, j, k, nt, nu, ns, t, u, s) {
  if (types != "" && uris != "" && suites != "" && tolower(enabled) != "no") {
    nt = split(types, t, /[ \t]+/); nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
    for (i = 1; i <= nt; i++) for (j = 1; j <= nu; j++) for (k = 1; k <= ns; k++)
      if (t[i] != "" && u[j] != "" && s[k] != "") print t[i], u[j], s[k]
  }
  types = ""; uris = ""; suites = ""; enabled = ""; last = ""
}
BEGIN { flush() }
/^[ \t]*#/ { next }
/^[ \t]*$/ { flush(); next }
/^[ \t]/ { if (last == "types") types = types " " $0
           else if (last == "uris") uris = uris " " $0
           else if (last == "suites") suites = suites " " $0
           next }
{
  field = tolower($0); sub(/:.*/, "", field)
  value = $0; sub(/^[^:]*:[ \t]*/, "", value); sub(/[ \t]+$/, "", value)
  last = field
  if (field == "types") types = value
  else if (field == "uris") uris = value
  else if (field == "suites") suites = value
  else if (field == "enabled") enabled = value
}
END { flush() }
AWK
)

APT_SOURCES_ONELINE_AWK=$(cat <<'AWK'
# One-line format: "deb [opt=value ...] URI SUITE [COMPONENT...]"; "#" starts a comment.
{ sub(/#.*/, "") }
$1 == "deb" || $1 == "deb-src" {
  type = $1; i = 2
  if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
  if (i + 1 <= NF) print type, $i, $(i + 1)
}
AWK
)

# apt_sources_has_suite APT_DIR SUITE: true when an enabled "deb" source names SUITE.
apt_sources_has_suite() {
  apt_sources_entries "$1" | awk -v suite="$2" '$1 == "deb" && $3 == suite { found = 1 } END { exit !found }'
}

# apt_sources_mirror APT_DIR CODENAME: the Debian mirror the machine already uses, from a
# real "deb" source for CODENAME itself (so never a security or third-party repository),
# else from any "deb" source whose URI ends in /debian. Prints nothing when there is none.
apt_sources_mirror() {
  apt_sources_entries "$1" | awk -v codename="$2" '
    $1 != "deb" { next }
    { uri = $2; sub(/\/+$/, "", uri) }
    $3 == codename && first == "" { first = uri }
    uri ~ /\/debian$/ && fallback == "" { fallback = uri }
    END { if (first != "") print first; else if (fallback != "") print fallback }'
}

# apt_sources_backports_entry APT_DIR CODENAME: the deb822 entry setup.sh writes for
# CODENAME-backports, on the machine's own mirror (deb.debian.org when it names none).
# Prints nothing when a CODENAME-backports source is already configured.
apt_sources_backports_entry() {
  local dir=$1 codename=$2 mirror
  apt_sources_has_suite "$dir" "$codename-backports" && return 0
  mirror=$(apt_sources_mirror "$dir" "$codename")
  printf 'Types: deb\nURIs: %s\nSuites: %s-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "${mirror:-http://deb.debian.org/debian}" "$codename"
}
