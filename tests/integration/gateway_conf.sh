#!/usr/bin/env bash
# The gateway's configuration generator (gateway/nginx-conf.sh): routes of several daemons with
# overlapping prefixes go each to the daemon that declared them (a literal segment before a
# {param}); a pattern declared by two daemons, or a {param} inside a segment, stops generation;
# the checked-in compose configuration is what the build's --describe gives today (run
# `make gateway-conf` after adding a route) and nginx accepts it; gateway/errors.tsv answers only
# with codes of the daemons' error table, at their statuses. Needs no stack.
set -euo pipefail
: "${OF_REPO:?run through ctest}" "${OF_BUILD_DIR:?}"
source "$OF_REPO/scripts/lib/ports.sh"

GEN="$OF_REPO/gateway/nginx-conf.sh"
T=$(mktemp -d)
NGINX_PID= ECHO_PID=
cleanup() {
  [ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null
  [ -n "$ECHO_PID" ] && kill -QUIT "$ECHO_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
assert_eq() { [ "$1" == "$2" ] || fail "$3: expected '$2', got '$1'"; }

# fake NAME ROUTE...: a --describe document with these routes ("METHOD /pattern").
fake() {
  local name=$1 r
  shift
  for r in "$@"; do printf '%s\n' "$r"; done |
    jq -R -s --arg n "$name" '{name: $n, default_port: 1,
      routes: [split("\n")[] | select(. != "") | split(" ") | {method: .[0], pattern: .[1], roles: []}]}' \
      >"$T/$name.json"
}

# ---- overlapping prefixes -----------------------------------------------------------------------
fake shop-svc "POST /v1/outlets/{id}" "GET /v1/outlets/{id}" "GET /v1/outlets/{id}/orders" \
  "POST /v1/outlets/{id}/orders/{order_id}/approve"
fake stock-svc "GET /v1/outlets/{id}/items" "POST /v1/items/availability" "GET /v1/items/{id}" \
  "GET /v1/outlets/{id}/items/{item_id}"
fake order-svc "GET /v1/orders" "GET /v1/orders/{id}" "POST /v1/orders/{id}/cancel"
pick_port P_SHOP && pick_port P_STOCK && pick_port P_ORDER && pick_port P_GW && pick_port P_ST ||
  fail "no free ports"
mkdir -p "$T/gw/tmp"
"$GEN" --prefix "$T/gw" --listen "127.0.0.1:$P_GW" --status-listen "127.0.0.1:$P_ST" \
  --service shop-svc "127.0.0.1:$P_SHOP" "$T/shop-svc.json" \
  --service stock-svc "127.0.0.1:$P_STOCK" "$T/stock-svc.json" \
  --service order-svc "127.0.0.1:$P_ORDER" "$T/order-svc.json" >"$T/gw/nginx.conf" ||
  fail "generation failed"
nginx -p "$T/gw" -c "$T/gw/nginx.conf" -e "$T/gw/error.log" || fail "nginx refused: $(cat "$T/gw/error.log")"
for _ in $(seq 50); do [ -s "$T/gw/nginx.pid" ] && break; sleep 0.1; done
NGINX_PID=$(cat "$T/gw/nginx.pid")
# Nothing listens on shop-svc's and stock-svc's upstreams: each request is a 502 whose access log
# line names the upstream nginx chose. order-svc's is a second nginx that answers with the
# request head it was sent, to see what a daemon behind the gateway gets.
mkdir -p "$T/echo"
sed -e "s|@T@|$T/echo|g" -e "s|@PORT@|$P_ORDER|" >"$T/echo/nginx.conf" <<'ECHO'
pid @T@/nginx.pid;
events { worker_connections 64; }
http {
    client_body_temp_path @T@/client_body;
    proxy_temp_path @T@/proxy;
    fastcgi_temp_path @T@/fastcgi;
    uwsgi_temp_path @T@/uwsgi;
    scgi_temp_path @T@/scgi;
    access_log off;
    server {
        listen 127.0.0.1:@PORT@;
        default_type text/plain;
        location / {
            return 200 "$server_protocol $request_uri host=[$http_host] xff=[$http_x_forwarded_for] real=[$http_x_real_ip] fwd=[$http_forwarded] rid=[$http_x_request_id] tp=[$http_traceparent]\n";
        }
    }
}
ECHO
nginx -p "$T/echo" -c "$T/echo/nginx.conf" -e "$T/echo/error.log" ||
  fail "the echo upstream did not start: $(cat "$T/echo/error.log")"
for _ in $(seq 50); do [ -s "$T/echo/nginx.pid" ] && break; sleep 0.1; done
ECHO_PID=$(cat "$T/echo/nginx.pid")
route_owner() {
  local id="conf-$RANDOM$RANDOM" line
  curl -s -o /dev/null -m 5 -X "$1" -H "X-Request-Id: $id" "http://127.0.0.1:$P_GW$2"
  for _ in $(seq 50); do
    line=$(grep -F "\"request_id\":\"$id\"" "$T/gw/gateway.access.log" || true)
    [ -n "$line" ] && break
    sleep 0.1
  done
  case $(jq -r .upstream <<<"$line") in
  "127.0.0.1:$P_SHOP") echo shop-svc ;;
  "127.0.0.1:$P_STOCK") echo stock-svc ;;
  "127.0.0.1:$P_ORDER") echo order-svc ;;
  "") echo "gateway $(jq -r .status <<<"$line")" ;;
  *) echo "? $line" ;;
  esac
}
while read -r method path owner; do
  assert_eq "$(route_owner "$method" "$path")" "${owner//_/ }" "$method $path"
done <<'CASES'
GET /v1/outlets/1f0e shop-svc
POST /v1/outlets/1f0e shop-svc
GET /v1/outlets/1f0e/orders shop-svc
POST /v1/outlets/1f0e/orders/77/approve shop-svc
GET /v1/outlets/1f0e/items stock-svc
GET /v1/outlets/1f0e/items/9 stock-svc
POST /v1/items/availability stock-svc
GET /v1/items/availability stock-svc
GET /v1/items/42 stock-svc
GET /v1/orders order-svc
GET /v1/orders/5 order-svc
POST /v1/orders/5/cancel order-svc
GET /v1/outlets gateway_404
GET /v1/outlets/1f0e/menu gateway_404
GET /v1/outlets/1f0e/orders/77 gateway_404
GET /v1/orders/5/cancel/x gateway_404
GET /v1/orders/ gateway_404
GET /v1/itemsX/42 gateway_404
CASES
ok "overlapping prefixes of three daemons: 18 paths routed to the daemon that declared them, or 404"

# What the daemon behind the gateway is sent: HTTP/1.1 (also for an HTTP/1.0 client), the
# client's host name (without the port), request id and traceparent, and as the client's address
# only the gateway's X-Forwarded-For; the client's X-Forwarded-For, X-Real-IP and Forwarded are
# not passed.
tp="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
for v in 1.1 1.0; do
  got=$(curl -s -m 5 "--http$v" -H 'X-Request-Id: conf-head-1' -H "traceparent: $tp" \
    -H 'X-Forwarded-For: 6.6.6.6' -H 'X-Real-IP: 6.6.6.7' -H 'Forwarded: for=6.6.6.8' \
    "http://127.0.0.1:$P_GW/v1/orders?page=2")
  assert_eq "$got" "HTTP/1.1 /v1/orders?page=2 host=[127.0.0.1] xff=[127.0.0.1] real=[] fwd=[] rid=[conf-head-1] tp=[$tp]" \
    "the request head an HTTP/$v client's request reaches the daemon with"
done
ok "the daemon gets HTTP/1.1, Host, X-Request-Id, traceparent and the gateway's X-Forwarded-For, no client-written address"

# ---- refused inputs -------------------------------------------------------------------------
fake twin-svc "GET /v1/items/{id}"
if out=$("$GEN" --prefix "$T/x" --service stock-svc 127.0.0.1:1 "$T/stock-svc.json" \
  --service twin-svc 127.0.0.1:2 "$T/twin-svc.json" 2>&1); then
  fail "a pattern declared by two daemons was accepted"
fi
grep -q 'route /v1/items/{id} is declared by both stock-svc and twin-svc' <<<"$out" ||
  fail "duplicate pattern: unclear message: $out"
ok "a pattern declared by two daemons stops generation, naming both"
fake odd-svc "GET /v1/items/x{id}"
out=$("$GEN" --prefix "$T/x" --service odd-svc 127.0.0.1:1 "$T/odd-svc.json" 2>&1) &&
  fail "a {param} inside a segment was accepted"
grep -q 'must be a whole segment' <<<"$out" || fail "partial {param}: unclear message: $out"
fake quote-svc 'GET /v1/a";b'
out=$("$GEN" --prefix "$T/x" --service quote-svc 127.0.0.1:1 "$T/quote-svc.json" 2>&1) &&
  fail "a pattern with a quote was accepted"
ok "a {param} inside a segment or a pattern with nginx syntax in it stops generation"
out=$(OF_GATEWAY_RATE=0 "$GEN" --prefix "$T/x" --service order-svc 127.0.0.1:1 "$T/order-svc.json" 2>&1) &&
  fail "OF_GATEWAY_RATE=0 was accepted"
grep -q 'OF_GATEWAY_RATE=0' <<<"$out" || fail "bad setting: unclear message: $out"
ok "a limit out of range stops generation, naming the variable"

# ---- the checked-in compose configuration -------------------------------------------------------
OF_BIN_DIR="$OF_BUILD_DIR" OF_STACK_DIR="$T/stack" "$OF_REPO/scripts/stack.sh" gateway-conf compose \
  >"$T/compose.conf" 2>"$T/compose.err" || fail "stack.sh gateway-conf compose: $(cat "$T/compose.err")"
diff -u "$OF_REPO/gateway/nginx.compose.conf" "$T/compose.conf" >"$T/compose.diff" ||
  fail "gateway/nginx.compose.conf is behind the build's --describe: run 'make gateway-conf'
$(head -n 40 "$T/compose.diff")"
ok "gateway/nginx.compose.conf is what the build's --describe gives"
# nginx -t on it, the compose service names resolved to loopback, its paths moved to a scratch
# directory, its ports to free ones.
pick_port C1 && pick_port C2 || fail "no free ports"
sed -E -e 's/server [a-z-]+-svc:/server 127.0.0.1:/' -e "s|/tmp/nginx|$T/c/nginx|" \
  -e "s|^pid .*|pid $T/c/nginx.pid;|" -e "s|listen 8080 |listen 127.0.0.1:$C1 |" \
  -e "s|listen 8088;|listen 127.0.0.1:$C2;|" "$T/compose.conf" >"$T/compose-local.conf"
mkdir -p "$T/c"
nginx -q -t -p "$T/c" -c "$T/compose-local.conf" -e "$T/c/error.log" 2>"$T/c/t.err" ||
  fail "nginx -t refuses the compose configuration: $(cat "$T/c/t.err")"
ok "nginx accepts the compose configuration"

# ---- errors.tsv against the daemons' error table ------------------------------------------------
table=$("$OF_BUILD_DIR/customer-svc" --describe | jq -r '.errors[] | "\(.code) \(.status)"')
n=0
while IFS=$'\t' read -r status code message; do
  [[ -z $status || $status == \#* ]] && continue
  want=$status
  [ "$status" = 494 ] && want=431
  grep -qx "$code $want" <<<"$table" || fail "errors.tsv: $status answers '$code', not in the error table at $want"
  [ -n "$message" ] || fail "errors.tsv: $status has no message"
  grep -q "error_page $status =$want /_gateway/$status;" "$OF_REPO/gateway/nginx.compose.conf" ||
    fail "errors.tsv: no error page for $status in the compose configuration"
  n=$((n + 1))
done <"$OF_REPO/gateway/errors.tsv"
ok "errors.tsv: $n gateway answers, each a code of the daemons' error table at its status"
