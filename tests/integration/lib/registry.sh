# A real OCI registry (Debian's docker-registry, distribution 2.8) on a free 127.0.0.1 port for
# the push/pull integration tests (source it), plus lib/registry_proxy.py in front of it.
# Every process started here is stopped by PID; each also has a guard process that stops it if
# the test's shell dies or after REGISTRY_MAX_SECONDS (default 600).
#   registry_start DIR [--htpasswd FILE] [--tls CERT KEY] [--relative-urls]
#                          config in DIR/config.yml, data in DIR/storage, log in DIR/registry.log;
#                          sets REGISTRY_PID REGISTRY_PORT REGISTRY_ADDR REGISTRY_URL REGISTRY_DIR
#                          (the port is kept in DIR/port: starting again in DIR reuses it);
#                          --relative-urls: Location headers as paths (the default is absolute URLs)
#   registry_stop          TERM, then KILL after 3 s (safe to call twice)
#   registry_kill          KILL at once (a crash); registry_restart: the same DIR, port, options
#   proxy_start ARGS...    registry_proxy.py --upstream $REGISTRY_ADDR ARGS, files in
#                          $REGISTRY_DIR/proxy.{port,log,err}; sets PROXY_PID PROXY_PORT PROXY_ADDR
#                          PROXY_URL PROXY_LOG. proxy_stop stops it.
#   registry_cleanup       proxy_stop + registry_stop. Installed as the EXIT trap when this file
#                          is sourced; a test that sets its own EXIT trap must call it from there
#                          (else the guards still stop everything within about a second).
#   make_test_cert DIR     self-signed DIR/cert.pem + DIR/key.pem for IP:127.0.0.1 and DNS:localhost,
#                          usable as a CA file (curl --cacert); DIR/ca.crt is a copy, so DIR also
#                          works as skopeo's --cert-dir / --dest-cert-dir
#   make_htpasswd FILE USER PASS   appends a bcrypt line (htpasswd from apache2-utils, else python3's crypt)
# The upload state secret is fixed (http.secret), so an upload whose last PATCH had completed goes on
# after a restart; one whose PATCH was cut off by a crash cannot (2.8 answers 404 or 500 to it).
# docker-registry 2.8 allows htpasswd auth over plain HTTP: --htpasswd does not need --tls.
REGISTRY_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REGISTRY_BIN=${REGISTRY_BIN:-docker-registry}
REGISTRY_MAX_SECONDS=${REGISTRY_MAX_SECONDS:-600}
REGISTRY_PID='' REGISTRY_GUARD_PID='' PROXY_PID='' PROXY_GUARD_PID=''
_REGISTRY_OPTS=()

_registry_running() {  # PID: alive and not a zombie
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  [[ ${s:0:1} != Z ]]
}

# Stops PID (TERM, KILL after 3 s), then its guard GUARD; both by PID.
_registry_stop_pid() {  # PID GUARD
  local pid=$1 guard=$2
  if [ -n "$pid" ]; then
    {  # (bash's "Killed" job notices go to /dev/null too)
      kill -TERM "$pid" || true
      for _ in $(seq 30); do _registry_running "$pid" || break; sleep 0.1; done
      kill -KILL "$pid" || true
      wait "$pid" || true
    } 2>/dev/null
  fi
  if [ -n "$guard" ]; then
    kill -TERM "$guard" 2>/dev/null || true
    wait "$guard" 2>/dev/null || true
  fi
}

# Runs in the background: stops PID once OWNER (the test's shell) is gone or SECONDS have passed.
_registry_guard() {  # PID OWNER SECONDS
  local pid=$1 owner=$2 end=$((SECONDS + $3)) s=
  trap '[ -n "$s" ] && kill "$s" 2>/dev/null; exit 0' TERM
  while _registry_running "$pid"; do
    if ! _registry_running "$owner" || [ "$SECONDS" -ge "$end" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in 1 2 3 4 5 6; do _registry_running "$pid" || exit 0; sleep 0.5; done
      kill -KILL "$pid" 2>/dev/null || true
      exit 0
    fi
    sleep 1 & s=$!
    wait "$s" || true
    s=
  done
}

_registry_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

registry_start() {
  local dir=${1:?registry_start DIR [--htpasswd FILE] [--tls CERT KEY] [--relative-urls]} htpasswd='' cert='' key='' relative=false
  local port code=''
  shift
  _REGISTRY_OPTS=("$@")
  while [ $# -gt 0 ]; do
    case $1 in
      --htpasswd) htpasswd=$(realpath "${2:?--htpasswd FILE}"); shift 2;;
      --tls) cert=$(realpath "${2:?--tls CERT KEY}"); key=$(realpath "${3:?--tls CERT KEY}"); shift 3;;
      --relative-urls) relative=true; shift;;
      *) echo "registry_start: unknown option $1" >&2; return 1;;
    esac
  done
  command -v "$REGISTRY_BIN" >/dev/null || { echo "registry_start: $REGISTRY_BIN not installed (apt-get install docker-registry)" >&2; return 1; }
  if [ -n "$REGISTRY_PID" ] && _registry_running "$REGISTRY_PID"; then
    echo "registry_start: a registry is already running (pid $REGISTRY_PID); registry_stop it first" >&2
    return 1
  fi
  mkdir -p "$dir/storage"
  dir=$(realpath "$dir")
  if [ -s "$dir/port" ]; then port=$(cat "$dir/port")
  elif [ "${REGISTRY_DIR:-}" = "$dir" ] && [ -n "${REGISTRY_PORT:-}" ]; then port=$REGISTRY_PORT
  else port=$(_registry_free_port)
  fi
  echo "$port" > "$dir/port"
  {
    echo "version: 0.1"
    echo "log:"
    echo "  level: info"
    echo "  formatter: text"
    echo "storage:"
    echo "  filesystem:"
    echo "    rootdirectory: \"$dir/storage\""
    echo "  delete:"
    echo "    enabled: true"
    echo "  maintenance:"
    echo "    uploadpurging:"
    echo "      enabled: false"
    echo "http:"
    echo "  addr: 127.0.0.1:$port"
    echo "  secret: edgectl-test-upload-secret"
    echo "  relativeurls: $relative"
    if [ -n "$cert" ]; then
      echo "  tls:"
      echo "    certificate: \"$cert\""
      echo "    key: \"$key\""
    fi
    if [ -n "$htpasswd" ]; then
      echo "auth:"
      echo "  htpasswd:"
      echo "    realm: edgectl-test"
      echo "    path: \"$htpasswd\""
    fi
  } > "$dir/config.yml"
  REGISTRY_DIR=$dir REGISTRY_PORT=$port REGISTRY_ADDR=127.0.0.1:$port
  if [ -n "$cert" ]; then REGISTRY_URL=https://$REGISTRY_ADDR; else REGISTRY_URL=http://$REGISTRY_ADDR; fi
  export REGISTRY_DIR REGISTRY_PORT REGISTRY_ADDR REGISTRY_URL
  # docker-registry reads every REGISTRY_* variable as a config override: none of ours reach it.
  local drop=() v
  for v in $(compgen -e); do
    if [[ $v == REGISTRY_* ]]; then drop+=(-u "$v"); fi
  done
  env "${drop[@]}" "$REGISTRY_BIN" serve "$dir/config.yml" >>"$dir/registry.log" 2>&1 </dev/null &
  REGISTRY_PID=$!
  export REGISTRY_PID
  local owner=$BASHPID  # (expanded here: in `cmd $BASHPID &` it would be the child's)
  _registry_guard "$REGISTRY_PID" "$owner" "$REGISTRY_MAX_SECONDS" >/dev/null 2>&1 </dev/null &
  REGISTRY_GUARD_PID=$!
  local end=$((SECONDS + 10))
  while [ "$SECONDS" -le "$end" ]; do
    code=$(curl --noproxy '*' -sk -o /dev/null -w '%{http_code}' --max-time 1 "$REGISTRY_URL/v2/" 2>/dev/null || true)
    if [ "$code" = 200 ] || [ "$code" = 401 ]; then return 0; fi
    _registry_running "$REGISTRY_PID" || break
    sleep 0.1
  done
  echo "registry_start: docker-registry did not come up on $REGISTRY_URL (last GET /v2/: ${code:-none}); $dir/registry.log ends:" >&2
  tail -n 15 "$dir/registry.log" >&2
  registry_stop
  return 1
}

registry_stop() {
  _registry_stop_pid "$REGISTRY_PID" "$REGISTRY_GUARD_PID"
  REGISTRY_PID='' REGISTRY_GUARD_PID=''
}

registry_kill() {
  if [ -n "$REGISTRY_PID" ]; then { kill -KILL "$REGISTRY_PID" || true; wait "$REGISTRY_PID" || true; } 2>/dev/null; fi
  _registry_stop_pid "$REGISTRY_PID" "$REGISTRY_GUARD_PID"
  REGISTRY_PID='' REGISTRY_GUARD_PID=''
}

registry_restart() {
  : "${REGISTRY_DIR:?registry_restart: no registry was started}"
  registry_stop
  registry_start "$REGISTRY_DIR" "${_REGISTRY_OPTS[@]}"
}

proxy_start() {
  : "${REGISTRY_DIR:?proxy_start: start the registry first}"
  proxy_stop
  rm -f "$REGISTRY_DIR/proxy.port"
  : > "$REGISTRY_DIR/proxy.log"
  PROXY_LOG=$REGISTRY_DIR/proxy.log
  python3 "$REGISTRY_LIB/registry_proxy.py" --upstream "$REGISTRY_ADDR" --port-file "$REGISTRY_DIR/proxy.port" \
    --log "$PROXY_LOG" --max-seconds "$REGISTRY_MAX_SECONDS" "$@" >>"$REGISTRY_DIR/proxy.err" 2>&1 </dev/null &
  PROXY_PID=$!
  local owner=$BASHPID
  _registry_guard "$PROXY_PID" "$owner" "$REGISTRY_MAX_SECONDS" >/dev/null 2>&1 </dev/null &
  PROXY_GUARD_PID=$!
  for _ in $(seq 100); do
    if [ -s "$REGISTRY_DIR/proxy.port" ]; then
      PROXY_PORT=$(cat "$REGISTRY_DIR/proxy.port") PROXY_ADDR=127.0.0.1:$PROXY_PORT
      PROXY_URL=http://$PROXY_ADDR
      export PROXY_PID PROXY_PORT PROXY_ADDR PROXY_URL PROXY_LOG
      return 0
    fi
    _registry_running "$PROXY_PID" || break
    sleep 0.1
  done
  echo "proxy_start: registry_proxy.py did not start; $REGISTRY_DIR/proxy.err ends:" >&2
  tail -n 15 "$REGISTRY_DIR/proxy.err" >&2
  proxy_stop
  return 1
}

proxy_stop() {
  _registry_stop_pid "$PROXY_PID" "$PROXY_GUARD_PID"
  PROXY_PID='' PROXY_GUARD_PID=''
}

registry_cleanup() {
  proxy_stop
  registry_stop
}

make_test_cert() {
  local dir=${1:?make_test_cert DIR}
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=digitalSignature,keyCertSign" \
    -addext "extendedKeyUsage=serverAuth" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>"$dir/openssl.err" ||
    { echo "make_test_cert: openssl failed:" >&2; cat "$dir/openssl.err" >&2; return 1; }
  rm -f "$dir/openssl.err"
  cp "$dir/cert.pem" "$dir/ca.crt"
}

make_htpasswd() {
  local file=${1:?make_htpasswd FILE USER PASS} user=${2:?make_htpasswd FILE USER PASS} pass=${3?make_htpasswd FILE USER PASS}
  if command -v htpasswd >/dev/null; then
    htpasswd -Bbn "$user" "$pass" | sed '/^$/d' >> "$file"
  else
    python3 -W ignore - "$user" "$pass" >> "$file" <<'PY' ||
import crypt, sys  # bcrypt through libxcrypt; the module is gone from Python 3.13
h = crypt.crypt(sys.argv[2], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 5))
assert h and h.startswith("$2"), "no bcrypt in this libcrypt"
print(sys.argv[1] + ":" + h)
PY
    { echo "make_htpasswd: needs htpasswd (apt-get install apache2-utils)" >&2; return 1; }
  fi
}

trap registry_cleanup EXIT
