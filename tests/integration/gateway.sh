#!/usr/bin/env bash
# The gateway (nginx in front of the daemons): every route of every daemon's --describe reaches
# the daemon that declared it, and nothing else does; X-Request-Id and traceparent pass, and the
# answer carries the request id; X-Forwarded-For is the gateway's, never the client's, and the
# daemons take the client address from it; bodies are capped; per-client request rates and
# connections are limited (429 JSON); a daemon that does not answer is a 502 JSON; the access log
# is JSON lines; stub_status answers on its own loopback port.
source "$(dirname "$0")/lib.sh"
# shellcheck source=../../scripts/lib/ports.sh
source "$OF_REPO/scripts/lib/ports.sh"

GW=$OF_GATEWAY_URL
ACCESS_LOG="$OF_STACK_DIR/logs/gateway.access.log"
SCRATCH=$(mktemp -d)
EXTRA_PID=
cleanup() {
  [ -n "$EXTRA_PID" ] && kill -QUIT "$EXTRA_PID" 2>/dev/null
  rm -rf "$SCRATCH" "$BODY_FILE" "$HEADERS_FILE" "$RAW_REQ" "$RAW_RESP"
}
trap cleanup EXIT

rid() { printf 'gwtest-%s-%s' "$1" "$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }

# ---- the route map ---------------------------------------------------------------------------
# Each route pattern of each daemon, its {params} filled in, sent through the gateway: the access
# log says which upstream answered, and it must be the daemon that declared the route.
n=0
for i in "${!SERVICES[@]}"; do
  name=${SERVICES[$i]}
  port=${PORTS[$i]}
  while IFS=$'\t' read -r method pattern; do
    path=$(sed 's/{[^}]*}/00000000-0000-4000-8000-000000000000/g' <<<"$pattern")
    id=$(rid route)
    body=()
    case $method in POST | PUT | PATCH) body=(--data '{}') ;; esac
    code=$(http -X "$method" -H "X-Request-Id: $id" -H 'Content-Type: application/json' \
      "${body[@]}" "$GW$path")
    line=$(gateway_log_line "$id") || fail "$method $pattern: no access log line"
    assert_eq "$(jq -r .upstream <<<"$line")" "127.0.0.1:$port" "$method $pattern ($code) answered by"
    assert_eq "$(header X-Request-Id)" "$id" "$method $pattern: X-Request-Id"
    n=$((n + 1))
  done < <(describe "$name" | jq -r '.routes[] | [.method, .pattern] | @tsv')
done
[ "$n" -gt 0 ] || fail "no daemon declares a route"
ok "$n routes of ${#SERVICES[@]} daemons each reach the daemon that declares them"

# What no daemon declares is the gateway's 404, JSON; the daemons' operator endpoints stay off it.
# Its access log line names the path the client asked for, not the error page's.
for path in /nope /v1 /v1/nope /metrics /readyz /v1/me/addresses/x/y; do
  assert_eq "$(http "$GW$path?q=1")" 404 "GET $path"
  assert_eq "$(jq -r .error.code "$BODY_FILE")" not_found "GET $path: code"
  id=$(header X-Request-Id)
  [[ $id =~ ^[0-9a-f]{32}$ ]] || fail "GET $path: no X-Request-Id"
  line=$(gateway_log_line "$id") || fail "GET $path: no access log line"
  assert_eq "$(jq -r '"\(.status) \(.path) \(.upstream)"' <<<"$line")" "404 $path " "GET $path: logged"
done
ok "unknown paths and the daemons' /metrics and /readyz: 404 not_found JSON from the gateway, logged with their path"
assert_eq "$(http "$GW/healthz")" 200 "the gateway's /healthz"
assert_eq "$(jq -r .status "$BODY_FILE")" ok "the gateway's /healthz body"
ok "the gateway's own /healthz"

# ---- request ids, trace context, forwarded-for ------------------------------------------------
id=$(rid trace)
trace=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
assert_eq "$(http -X POST "$GW/v1/auth/otp" -H "X-Request-Id: $id" -H 'Content-Type: application/json' \
  -H "traceparent: 00-$trace-00f067aa0ba902b7-01" -d '{"phone":"+447700900111","role":"customer"}')" \
  202 "OTP through the gateway"
assert_eq "$(header X-Request-Id)" "$id" "the client's X-Request-Id comes back"
assert_eq "$(grep -c "X-Request-Id" "$HEADERS_FILE")" 1 "one X-Request-Id header"
wait_until 5 grep -qF "\"request_id\":\"$id\"" "$OF_STACK_DIR/logs/customer-svc.log" ||
  fail "customer-svc did not log the request id"
grep -F "\"request_id\":\"$id\"" "$OF_STACK_DIR/logs/customer-svc.log" | grep -qF "\"trace_id\":\"$trace\"" ||
  fail "customer-svc did not log the trace id of the traceparent with the request id"
ok "X-Request-Id and traceparent reach the daemon's log"
http -H 'X-Request-Id: not a "token"' "$GW/healthz" >/dev/null
[[ "$(header X-Request-Id)" =~ ^[0-9a-f]{32}$ ]] || fail "an unsafe X-Request-Id was passed on"
ok "an X-Request-Id that is not a token is replaced by the gateway's own"

# From another loopback address, with a forged X-Forwarded-For: the daemon counts the OTP limit
# under the real client address, never the forged one.
redis() { redis-cli -h 127.0.0.1 -p "$OF_REDIS_PORT" "$@"; }
assert_eq "$(http --interface 127.0.0.7 -X POST "$GW/v1/auth/otp" -H 'Content-Type: application/json' \
  -H 'X-Forwarded-For: 6.6.6.6' -d '{"phone":"+447700900112","role":"customer"}')" 202 "OTP with a forged XFF"
[ -n "$(redis --scan --pattern '*otp:ip:127.0.0.7*')" ] || fail "no OTP limit for the real client 127.0.0.7"
[ -z "$(redis --scan --pattern '*6.6.6.6*')" ] || fail "the forged X-Forwarded-For was believed"
ok "X-Forwarded-For is set by the gateway: the daemon limits 127.0.0.7, not the forged 6.6.6.6"

# ---- body cap --------------------------------------------------------------------------------
head -c 70000 /dev/zero | tr '\0' ' ' >"$SCRATCH/big.json"
assert_eq "$(http -X POST "$GW/v1/auth/otp" -H 'Content-Type: application/json' \
  --data-binary @"$SCRATCH/big.json")" 413 "a 70,000-byte body"
assert_eq "$(jq -r .error.code "$BODY_FILE")" body_too_large "a 70,000-byte body: code"
line=$(gateway_log_line "$(header X-Request-Id)") || fail "no access log line for the 413"
assert_eq "$(jq -r .upstream <<<"$line")" "" "the 413 reached a daemon"
ok "a body over OF_GATEWAY_MAX_BODY: 413 body_too_large JSON, not passed on"

# ---- the access log ----------------------------------------------------------------------------
bad=$(jq -R 'fromjson? // "BAD" | if type == "object" then empty else . end' "$ACCESS_LOG" | head -n 3)
[ -z "$bad" ] || fail "access log lines that are not JSON: $bad"
jq -se 'all(.request_id and .status and .method and (.path | type == "string")
  and has("upstream") and (.request_time | type == "number"))' "$ACCESS_LOG" >/dev/null ||
  fail "access log lines lack fields"
http "$GW/v1/feed?address_id=secret-query-value" >/dev/null
line=$(gateway_log_line "$(header X-Request-Id)") || fail "no access log line for the feed request"
assert_eq "$(jq -r .path <<<"$line")" /v1/feed "the logged path"
grep -qF secret-query-value "$ACCESS_LOG" && fail "the access log holds a query string"
ok "the access log is JSON lines with request id, status, path, upstream and times"

# ---- stub_status --------------------------------------------------------------------------------
status=$(curl -s -m 5 "http://127.0.0.1:$OF_GATEWAY_STATUS_PORT/status")
grep -q '^Active connections: [0-9]' <<<"$status" || fail "no stub_status: $status"
ok "stub_status on 127.0.0.1:$OF_GATEWAY_STATUS_PORT/status"

# ---- limits: a second gateway with small limits, from the same generator --------------------
# Its upstreams: customer-svc, and a port where nothing listens (for the 502).
pick_port EXTRA_PORT && pick_port EXTRA_STATUS && pick_port DEAD_PORT || fail "no free ports"
mkdir -p "$SCRATCH/gw/tmp"
describe customer-svc >"$SCRATCH/customer-svc.json"
jq '.name = "dead-svc" | .routes = [{"method":"GET","pattern":"/v1/dead","roles":[]}]' \
  "$SCRATCH/customer-svc.json" >"$SCRATCH/dead-svc.json"
OF_GATEWAY_RATE=2 OF_GATEWAY_BURST=3 OF_GATEWAY_MAX_PER_CLIENT=2 OF_GATEWAY_TIMEOUT_S=3 \
  "$OF_REPO/gateway/nginx-conf.sh" --prefix "$SCRATCH/gw" --listen "127.0.0.1:$EXTRA_PORT" \
  --status-listen "127.0.0.1:$EXTRA_STATUS" \
  --service customer-svc "127.0.0.1:$(svc_port customer-svc)" "$SCRATCH/customer-svc.json" \
  --service dead-svc "127.0.0.1:$DEAD_PORT" "$SCRATCH/dead-svc.json" >"$SCRATCH/gw/nginx.conf" ||
  fail "nginx-conf.sh failed"
nginx -p "$SCRATCH/gw" -c "$SCRATCH/gw/nginx.conf" -e "$SCRATCH/gw/error.log" ||
  fail "the second gateway did not start: $(cat "$SCRATCH/gw/error.log")"
wait_until 10 test -s "$SCRATCH/gw/nginx.pid" || fail "no pid file of the second gateway"
EXTRA_PID=$(cat "$SCRATCH/gw/nginx.pid")
X="http://127.0.0.1:$EXTRA_PORT"
wait_until 10 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $X/healthz)\" = 200 ]" ||
  fail "the second gateway does not answer"
sleep 1.1 # the burst bucket refills

# A daemon that does not answer: 502 bad_gateway JSON.
assert_eq "$(http "$X/v1/dead")" 502 "a route whose daemon is down"
assert_eq "$(jq -r .error.code "$BODY_FILE")" bad_gateway "a route whose daemon is down: code"
ok "a route whose daemon does not answer: 502 bad_gateway JSON"
sleep 1.1

# Request rate: 2/s with a burst of 3 -> of 20 requests at once, at least 10 are 429 JSON.
for k in $(seq 20); do
  curl -s -m 5 -o "$SCRATCH/r$k.json" -w '%{http_code}\n' "$X/.well-known/jwks.json" &
done >"$SCRATCH/codes" 
wait
n429=$(grep -c '^429$' "$SCRATCH/codes" || true)
n200=$(grep -c '^200$' "$SCRATCH/codes" || true)
[ "$n429" -ge 10 ] && [ "$((n429 + n200))" -eq 20 ] || fail "rate limit: $n200 x 200, $n429 x 429 of 20"
for f in "$SCRATCH"/r*.json; do
  code=$(jq -r '.error.code // "keys"' "$f")
  [ "$code" = rate_limited ] || [ "$code" = keys ] || fail "rate limit answer: $(cat "$f")"
done
ok "per-client request rate: $n200 of 20 served at once, $n429 answered 429 rate_limited JSON"
sleep 2

# Connections: 2 per client. Two requests hold their connection (a body announced, not sent);
# the third request from the same address is 429, one from another address is served.
for k in 1 2; do
  { printf 'POST /v1/auth/otp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n'
    sleep 2.5; } | timeout 4 bash -c "exec 3<>/dev/tcp/127.0.0.1/$EXTRA_PORT; cat >&3; cat <&3" \
    >/dev/null 2>&1 &
done
sleep 0.5
assert_eq "$(http "$X/.well-known/jwks.json")" 429 "a third connection from 127.0.0.1"
assert_eq "$(jq -r .error.code "$BODY_FILE")" rate_limited "a third connection: code"
assert_eq "$(http --interface 127.0.0.8 "$X/.well-known/jwks.json")" 200 "a connection from 127.0.0.8"
wait
ok "per-client connections: the third from one address is 429 JSON, another address is served"

# Slow clients: a request head not finished within OF_GATEWAY_TIMEOUT_S is cut.
held=$(timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
  printf "GET /healthz HTTP/1.1\r\nHost: x\r\n" >&3
  t0=$SECONDS; cat <&3 >/dev/null 2>&1; echo $((SECONDS - t0))' _ "$EXTRA_PORT") || held=timeout
[[ $held =~ ^[0-9]+$ ]] && [ "$held" -le 5 ] || fail "an unfinished request head was held: $held s"
ok "a request head still unfinished after OF_GATEWAY_TIMEOUT_S (3 s) is closed (after $held s)"
