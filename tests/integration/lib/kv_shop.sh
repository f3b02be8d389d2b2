# The shop app of the key-value integration tests (source it after lib/serve.sh): the http-c
# template with a handler on the host API (src/edgectl.h), and a buyer that sends 1,000
# concurrent purchases.
#   make_shop [OUTBOUND_PORT]   scaffold ./shop (cd into it), write the handler, build; with
#                               a port, http://127.0.0.1:PORT is an allowed outbound host
#   buy_all BASE [BASE...]      1,000 POST /buy from 100 threads, spread over the BASE URLs;
#                               prints "<200s> <409s> <others>"
# Handler paths: /seed?N (set the stock, log "stock seeded"), /buy (decrement; 409 when sold
# out, and "sold" counts), /stock, /other-store (opens an undeclared store: prints the
# status), /fetch/PORT (GET http://127.0.0.1:PORT/delay/1 through the host).
KV_SHOP_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

make_shop() {
  local outbound_port=${1:-}
  "$EDGECTL" new http-c shop >/dev/null
  cd shop
  [ -f src/edgectl.h ] || fail "the http-c template did not ship src/edgectl.h"
  python3 - edgectl.toml "$outbound_port" <<'PY'
import sys
path, port = sys.argv[1], sys.argv[2]
text = open(path).read()
grants = 'allowed_outbound_hosts = ["http://127.0.0.1:%s"]\n' % port if port else ""
if "key_value_stores" not in text:  # the template declares "default" for its visit counter
    grants = 'key_value_stores = ["default"]\n' + grants
text = text.replace("[component.build]", grants + "\n[component.build]", 1)
open(path, "w").write(text)
PY
  cp "$KV_SHOP_LIB/kv_shop.c" src/main.c
  "$EDGECTL" build >/dev/null 2>build.txt || fail "build: $(cat build.txt)"
}

buy_all() {
  python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
from concurrent.futures import ThreadPoolExecutor
bases = sys.argv[1:]
def buy(i):
    try:
        req = urllib.request.Request(bases[i % len(bases)] + "/buy", method="POST")
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
with ThreadPoolExecutor(100) as pool:
    codes = list(pool.map(buy, range(1000)))
print(codes.count(200), codes.count(409), len(codes) - codes.count(200) - codes.count(409))
PY
}
